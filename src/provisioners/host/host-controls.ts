import { FaultlineError } from "../../common/errors";
import type { Capability, HostControls, NetworkControl } from "../../cluster/controls";
import type { Node } from "../../cluster/node-types";
import type { ProvisionContext } from "../../cluster/provisioner";
import type { ClusterSpec, ProvisionerKind } from "../../cluster/types";
import { CAPABILITIES, isSupported, unsupportedFrom } from "../capabilities";
import { hostDisk } from "./disk-control";
import { faketimeClock } from "./faketime-clock";
import { hostLimits } from "./prlimit-limits";

export interface HostControlsOptions {
  kind: ProvisionerKind;
  spec: ClusterSpec | undefined;
  /** The provisioner's context once `prepare` has run. */
  context: () => ProvisionContext | undefined;
  network: NetworkControl;
  signals: { kill: string; pause: string };
  /** Docker: whether a node's data dir is a tmpfs inside its container. */
  containerTmpfs?: (node: Node) => boolean;
  /** What to tell a user whose cluster has nothing size-limited for a full disk. */
  fullDisk: { hint: string; option: string };
}

/**
 * The controls of a backend whose nodes are processes of this machine (directly, in namespaces,
 * or in containers of a local engine): the capability table says which it offers, and this
 * builds them, so the table and the controls cannot disagree.
 */
export function hostControls(options: HostControlsOptions): HostControls {
  const table = CAPABILITIES[options.kind];
  const prepared = (): ProvisionContext => {
    const context = options.context();
    if (!context) {
      throw new FaultlineError({
        code: "FAULTLINE_NODE_STATE",
        message: `the ${options.kind} provisioner was asked for a fault before its cluster was provisioned`,
        hint: "inject faults into a started cluster",
      });
    }
    return context;
  };
  const clockAsked = options.spec?.clock === true;
  const clock = isSupported(table.clock) && clockAsked ? lazyClock(() => prepared()) : undefined;
  return {
    network: options.network,
    signals: options.signals,
    clock,
    disk: isSupported(table.disk)
      ? {
          readonly: (node) => diskOf(prepared()).readonly(node),
          fill: (node) => diskOf(prepared()).fill(node),
        }
      : undefined,
    limits: isSupported(table.limits) ? { lower: (nodes, limits) => hostLimits(prepared().cluster).lower(nodes, limits) } : undefined,
    unsupported(capability: Capability) {
      if (capability === "clock" && isSupported(table.clock) && !clockAsked) {
        return {
          message: "clock faults need the cluster to preload libfaketime, and this cluster does not declare clock: true",
          hint: "add clock: true to its defineCluster spec (needs Debian's libfaketime)",
        };
      }
      return unsupportedFrom(options.kind, capability);
    },
  };

  function diskOf(context: ProvisionContext): ReturnType<typeof hostDisk> {
    return hostDisk({
      cluster: context.cluster,
      run: context.run,
      sizedDataDirs: !!options.spec?.disk?.size,
      containerTmpfs: options.containerTmpfs,
      fullHint: options.fullDisk.hint,
      fullOption: options.fullDisk.option,
    });
  }
}

/** One faketime control per cluster, made once its directory is known. */
function lazyClock(context: () => ProvisionContext): HostControls["clock"] {
  let made: ReturnType<typeof faketimeClock> | undefined;
  const get = (): ReturnType<typeof faketimeClock> => (made ??= faketimeClock(context().dir, context().cluster));
  return {
    env: (node) => get().env(node),
    blocker: (program) => get().blocker(program),
    shift: (nodes, seconds, rate) => get().shift(nodes, seconds, rate),
  };
}
