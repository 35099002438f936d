import { FaultlineError } from "../common/errors";
import type { FaultlineCluster } from "../cluster/faultline-cluster";
import { activeFault } from "./active-fault";
import type { Fault } from "./fault";
import { describeTargets, requireCluster, resolveTargets, type NodeSelector } from "./targets";
import { toxicFault } from "./toxic-faults";

export interface LossOptions {
  /** Nodes whose traffic is dropped. Default "all". */
  node?: NodeSelector;
  /** Share dropped, 0..1. */
  probability: number;
}

function checkProbability(p: unknown, cluster: string): number {
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) {
    throw new FaultlineError({ code: "FAULTLINE_INVALID_OPTION", message: `loss.probability must be a number from 0 to 1, received ${String(p)}`, hint: "e.g. { probability: 0.3 }", cluster, option: "loss.probability" });
  }
  return p;
}

/**
 * Packet loss. On netns and docker, packets are dropped by iptables' `statistic` match; on
 * process, where there are no packets to drop, a share of connections through the fault proxy
 * is black-holed instead (connection-level loss) — the timeline names which.
 */
export function loss(options: LossOptions): Fault {
  return {
    kind: "loss",
    describe: () => `loss ${options.probability} on ${options.node ?? "all"}`,
    async apply(cluster, context) {
      const c = requireCluster(cluster, "loss") as FaultlineCluster;
      const probability = checkProbability(options.probability, c.name);
      const nodes = await resolveTargets(c, options.node ?? "all", context.random, "loss");
      const network = c.backend.network;
      if (network.loss) {
        const { undo, mechanism } = await network.loss(nodes, probability);
        return activeFault({ id: context.id, kind: "loss", description: `drop ${Math.round(probability * 100)}% of packets of ${describeTargets(options.node ?? "all", nodes)}`, targets: nodes.map((n) => n.name), mechanism, undo });
      }
      const fallback = toxicFault("loss", (common) => ({ ...common, type: "timeout", attributes: { timeout: 0 }, toxicity: probability }), { node: nodes.map((n) => n.name), links: c.provisioner === "process" ? "all" : "clients" }, `loss ${probability} (connection level)`);
      const applied = await fallback.apply(c, context);
      return Object.assign(applied, { mechanism: "fault proxy (connection level)" });
    },
  };
}

export interface BandwidthOptions {
  node?: NodeSelector;
  /** KB/s. */
  rate: number;
}

/** Limits throughput: `tbf` on netns/docker, the proxy's bandwidth toxic on process. */
export function bandwidth(options: BandwidthOptions): Fault {
  return {
    kind: "bandwidth",
    describe: () => `bandwidth ${options.rate} KB/s on ${options.node ?? "all"}`,
    async apply(cluster, context) {
      const c = requireCluster(cluster, "bandwidth") as FaultlineCluster;
      const nodes = await resolveTargets(c, options.node ?? "all", context.random, "bandwidth");
      const network = c.backend.network;
      if (network.bandwidth) {
        const { undo, mechanism } = await network.bandwidth(nodes, options.rate);
        return activeFault({ id: context.id, kind: "bandwidth", description: `limit ${describeTargets(options.node ?? "all", nodes)} to ${options.rate} KB/s`, targets: nodes.map((n) => n.name), mechanism, undo });
      }
      const proxied = toxicFault("bandwidth", (common) => ({ ...common, type: "bandwidth", attributes: { rate: options.rate } }), { node: nodes.map((n) => n.name), links: c.provisioner === "process" ? "all" : "clients" }, `bandwidth ${options.rate} KB/s`);
      return proxied.apply(c, context);
    },
  };
}
