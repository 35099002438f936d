import { FaultlineError, describeValue } from "../common/errors";
import { activeFault } from "../cluster/active-fault";
import type { Fault } from "../cluster/fault";
import { checkSelector, describeTargets, requireCluster, resolveTargets, type NodeSelector } from "./targets";
import { toxicFault } from "./toxic-faults";

/** Which traffic of the targets a loss or bandwidth fault acts on. */
export type NetworkLinks = "all" | "clients";

export interface LossOptions {
  /** Nodes whose traffic is dropped. Default "all". */
  node?: NodeSelector;
  /** Share dropped, 0..1. */
  probability: number;
  /**
   * "all" (default): every packet of the targets, between nodes too, by the backend's network
   * control; a backend without one black-holes connections through its client and peer-link
   * proxies instead (connection-level loss), and the timeline says so.
   * "clients": only connections between the test's clients and the targets, through the fault
   * proxy, on every backend.
   */
  links?: NetworkLinks;
}

function checkProbability(p: unknown, cluster?: string): number {
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `loss.probability must be a number from 0 to 1, received ${String(p)}`,
      hint: "e.g. { probability: 0.3 }",
      cluster,
      option: "loss.probability",
    });
  }
  return p;
}

function checkLinks(links: unknown, kind: string, cluster?: string): NetworkLinks {
  if (links === undefined) return "all";
  if (links === "all" || links === "clients") return links;
  throw new FaultlineError({
    code: "FAULTLINE_INVALID_OPTION",
    message: `${kind}.links must be "all" or "clients", received ${describeValue(links)}`,
    hint: `e.g. { links: "clients" } for the test's links to the nodes only`,
    cluster,
    option: `${kind}.links`,
  });
}

/**
 * Packet loss: packets dropped by the backend's network control where it has one; otherwise a
 * share of connections through the fault proxies is black-holed (connection-level loss), as with
 * `links: "clients"` anywhere — the timeline names which.
 */
export function loss(options: LossOptions): Fault {
  // Checked here too, so a wrong option fails when the test is declared, not when it runs.
  checkSelector("loss", options.node);
  checkProbability(options.probability);
  checkLinks(options.links, "loss");
  return {
    kind: "loss",
    describe: () => `loss ${options.probability} on ${options.node ?? "all"}`,
    async apply(on, context) {
      const c = requireCluster(on, "loss");
      const probability = checkProbability(options.probability, c.name);
      const links = checkLinks(options.links, "loss", c.name);
      const nodes = await resolveTargets(c, options.node ?? "all", context.random, "loss");
      const network = c.controls.network;
      if (links === "all" && network.loss) {
        const { undo, mechanism } = await network.loss(nodes, probability);
        return activeFault({
          id: context.id,
          kind: "loss",
          description: `drop ${Math.round(probability * 100)}% of packets of ${describeTargets(options.node ?? "all", nodes)}`,
          targets: nodes.map((n) => n.name),
          mechanism,
          undo,
        });
      }
      // Peer links need link proxies (process); elsewhere toxicFault refuses "all" rather than act on clients alone.
      const proxied = toxicFault(
        "loss",
        (common) => ({ ...common, type: "timeout", attributes: { timeout: 0 }, toxicity: probability }),
        { node: nodes.map((n) => n.name), links },
        `loss ${probability} (connection level)`,
      );
      const applied = await proxied.apply(c, context);
      return Object.assign(applied, { mechanism: "fault proxy (connection level)" });
    },
  };
}

export interface BandwidthOptions {
  node?: NodeSelector;
  /** KB/s. */
  rate: number;
  /** As for loss: "all" (default, the backend's own shaping) or "clients" (the proxy's bandwidth toxic). */
  links?: NetworkLinks;
}

/** Limits throughput: by the backend's network control, or the proxies' bandwidth toxic where it has none or with `links: "clients"`. */
export function bandwidth(options: BandwidthOptions): Fault {
  checkSelector("bandwidth", options.node);
  checkLinks(options.links, "bandwidth");
  if (typeof options.rate !== "number" || !Number.isFinite(options.rate) || options.rate <= 0) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `bandwidth.rate must be a number of KB/s above 0, received ${describeValue(options.rate)}`,
      hint: "e.g. { rate: 64 } for 64 KB/s",
      option: "bandwidth.rate",
    });
  }
  return {
    kind: "bandwidth",
    describe: () => `bandwidth ${options.rate} KB/s on ${options.node ?? "all"}`,
    async apply(on, context) {
      const c = requireCluster(on, "bandwidth");
      const links = checkLinks(options.links, "bandwidth", c.name);
      const nodes = await resolveTargets(c, options.node ?? "all", context.random, "bandwidth");
      const network = c.controls.network;
      if (links === "all" && network.bandwidth) {
        const { undo, mechanism } = await network.bandwidth(nodes, options.rate);
        return activeFault({
          id: context.id,
          kind: "bandwidth",
          description: `limit ${describeTargets(options.node ?? "all", nodes)} to ${options.rate} KB/s`,
          targets: nodes.map((n) => n.name),
          mechanism,
          undo,
        });
      }
      const proxied = toxicFault(
        "bandwidth",
        (common) => ({ ...common, type: "bandwidth", attributes: { rate: options.rate } }),
        { node: nodes.map((n) => n.name), links },
        `bandwidth ${options.rate} KB/s`,
      );
      return proxied.apply(c, context);
    },
  };
}
