import { FaultlineError, describeValue } from "../common/errors";
import type { Cluster, Node } from "../cluster/types";

/** Which nodes a fault acts on. */
export type NodeSelector = string | number | "leader" | "random" | "minority" | "majority" | "all" | Array<string | number>;

export interface TargetOptions {
  /** A node name or index, "leader", "random", "minority", "majority", "all", or a list. Default "random". */
  node?: NodeSelector;
}

export function requireCluster(cluster: Cluster | undefined, kind: string): Cluster {
  if (!cluster) {
    throw new FaultlineError({
      code: "FAULTLINE_NO_CLUSTER",
      message: `fault "${kind}" acts on a cluster's nodes, and this test has no cluster`,
      hint: 'name a cluster with the file\'s /** @cluster name */ docblock or useCluster("name"), or call cluster.inject(fault)',
    });
  }
  return cluster;
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Resolves a selector to nodes at apply time (the leader is asked for then). */
export async function resolveTargets(cluster: Cluster, selector: NodeSelector | undefined, random: () => number, kind: string): Promise<Node[]> {
  const nodes = cluster.nodes;
  const pick = selector ?? "random";
  if (Array.isArray(pick)) return pick.map((one) => cluster.node(one));
  switch (pick) {
    case "all":
      return [...nodes];
    case "random":
      return [nodes[Math.floor(random() * nodes.length)]!];
    case "minority":
      return shuffled(nodes, random).slice(0, Math.floor((nodes.length - 1) / 2) || 1);
    case "majority":
      return shuffled(nodes, random).slice(0, Math.floor(nodes.length / 2) + 1);
    case "leader": {
      const leader = await cluster.leader();
      if (!leader) {
        throw new FaultlineError({
          code: "FAULTLINE_NO_LEADER",
          message: `fault "${kind}" targets the leader, and the cluster has none right now`,
          hint: "wait for one first (await expect(cluster).toHaveLeader()), or target a node by name",
          cluster: cluster.name,
        });
      }
      return [leader];
    }
    default:
      if (typeof pick === "number" || typeof pick === "string") return [cluster.node(pick)];
      throw new FaultlineError({
        code: "FAULTLINE_INVALID_OPTION",
        message: `node must be a name, an index, "leader", "random", "minority", "majority", "all" or a list, received ${describeValue(pick)}`,
        hint: 'e.g. { node: "leader" }',
        cluster: cluster.name,
        option: `${kind}.node`,
      });
  }
}

/** "n2 (the leader)" style description of a selector and what it resolved to. */
export function describeTargets(selector: NodeSelector | undefined, nodes: readonly Node[]): string {
  const names = nodes.map((n) => n.name).join(", ");
  if (typeof selector === "string" && ["leader", "random", "minority", "majority", "all"].includes(selector)) {
    return `${names} (${selector === "leader" ? "the leader" : selector})`;
  }
  return names;
}
