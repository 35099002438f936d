import { FaultlineError } from "../common/errors";
import { activeFault } from "../cluster/active-fault";
import type { Fault } from "../cluster/fault";
import { describeTargets, requireCluster, resolveTargets, unsupported, type NodeSelector } from "./targets";

/**
 * Limits are lowered on the running process, soft limit only: that is the limit the kernel
 * enforces (EMFILE, EAGAIN), and lowering a hard limit cannot be undone without
 * CAP_SYS_RESOURCE — which plain users, and root in many containers, do not have.
 */
export interface ResourcesOptions {
  node?: NodeSelector;
  /** Open file descriptors the node may hold (its soft RLIMIT_NOFILE): the next open beyond fails with EMFILE. */
  nofile?: number;
  /** Processes/threads the node's user may run (soft RLIMIT_NPROC): the next fork or thread fails with EAGAIN. Not enforced for root. */
  nproc?: number;
}

function validate(options: ResourcesOptions): Array<[string, number]> {
  const limits = Object.entries({ nofile: options?.nofile, nproc: options?.nproc }).filter((e): e is [string, number] => e[1] !== undefined);
  if (limits.length === 0 || limits.some(([, v]) => !Number.isInteger(v) || v < 1)) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `resources needs nofile and/or nproc as positive whole numbers, received ${JSON.stringify(options)}`,
      hint: 'e.g. { node: "n1", nofile: 64 }',
      option: "resources",
    });
  }
  return limits;
}

/** Lowers a running node's resource limits (soft limits, by the backend); heal restores what it had. A node restarted meanwhile starts with its usual limits. */
export function resources(options: ResourcesOptions): Fault {
  const limits = validate(options); // here, so a typo fails when the test is declared
  return {
    kind: "resources",
    describe: () => `resources ${limits.map(([k, v]) => `${k}=${v}`).join(" ")} on ${options.node ?? "random"}`,
    async apply(on, context) {
      const target = requireCluster(on, "resources");
      const control = target.controls.limits;
      if (!control) throw unsupported(target, "limits", "resources");
      const nodes = await resolveTargets(target, options.node, context.random, "resources");
      const { undo, mechanism } = await control.lower(nodes, { nofile: options.nofile, nproc: options.nproc });
      return activeFault({
        id: context.id,
        kind: "resources",
        description: `${limits.map(([k, v]) => `${k}=${v}`).join(" ")} on ${describeTargets(options.node, nodes)}`,
        targets: nodes.map((n) => n.name),
        mechanism,
        undo,
      });
    },
  };
}
