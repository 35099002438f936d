import { FaultlineError, describeValue } from "../common/errors";
import type { Capability } from "../cluster/controls";
import type { FaultTarget } from "../cluster/fault";
import type { Node } from "../cluster/node-types";

/** Which nodes a fault acts on. */
export type NodeSelector = string | number | "leader" | "random" | "minority" | "majority" | "all" | Array<string | number>;

export interface TargetOptions {
  /** A node name or index, "leader", "random", "minority", "majority", "all", or a list. Default "random". */
  node?: NodeSelector;
}

export function requireCluster(cluster: FaultTarget | undefined, kind: string): FaultTarget {
  if (!cluster) {
    throw new FaultlineError({
      code: "FAULTLINE_NO_CLUSTER",
      message: `fault "${kind}" acts on a cluster's nodes, and this test has no cluster`,
      hint: 'name a cluster with the file\'s /** @cluster name */ docblock or useCluster("name"), or call cluster.inject(fault)',
    });
  }
  return cluster;
}

/** FAULTLINE_FAULT_UNSUPPORTED for a fault whose control the cluster's backend lacks, with the backend's reason. */
export function unsupported(target: FaultTarget, capability: Capability, kind: string, node?: string): FaultlineError {
  const { message, hint } = target.controls.unsupported(capability);
  return new FaultlineError({ code: "FAULTLINE_FAULT_UNSUPPORTED", message: `fault "${kind}": ${message}`, hint, cluster: target.name, node, option: kind });
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const NAMED = ["leader", "random", "minority", "majority", "all"];

function invalidSelector(kind: string, option: string, value: unknown, why: string, cluster?: string): FaultlineError {
  return new FaultlineError({
    code: "FAULTLINE_INVALID_OPTION",
    message: `${kind}.${option} ${why}, received ${describeValue(value)}`,
    hint: `a node name, a group name, an index from 0, ${NAMED.map((n) => `"${n}"`).join(", ")}, or a non-empty list of distinct names or indexes, e.g. { ${option}: "leader" }`,
    cluster,
    option: `${kind}.${option}`,
  });
}

/**
 * Checks a selector's form when the fault is defined, before any cluster is known: an empty
 * list would fault nothing, and a node listed twice would be signalled twice and fail
 * half-applied. Names are checked against the cluster when the fault is applied.
 */
export function checkSelector(kind: string, selector: unknown, option = "node"): void {
  if (selector === undefined) return;
  const one = (v: unknown): boolean => (typeof v === "string" && v.length > 0) || (typeof v === "number" && Number.isInteger(v) && v >= 0);
  if (Array.isArray(selector)) {
    if (selector.length === 0) throw invalidSelector(kind, option, selector, "is an empty list, which would fault no node");
    const bad = selector.find((v) => !one(v) || (typeof v === "string" && NAMED.includes(v)));
    if (bad !== undefined) throw invalidSelector(kind, option, selector, `lists ${describeValue(bad)}, which is not a node name or index`);
    if (new Set(selector).size !== selector.length) throw invalidSelector(kind, option, selector, "lists a node twice");
    return;
  }
  if (!one(selector)) throw invalidSelector(kind, option, selector, "must be a node name, an index, a selector or a list");
}

/**
 * `cluster.node(one)`, with an unknown name or index reported as the fault option that named it
 * (`kill.node`, `partition.isolate`) rather than as a bare lookup.
 */
export function targetNode(cluster: FaultTarget, one: string | number, option: string): Node {
  const found = typeof one === "number" ? cluster.nodes[one] : cluster.nodes.find((n) => n.name === one);
  if (found) return found;
  throw new FaultlineError({
    code: "FAULTLINE_UNKNOWN_NODE",
    message: `${option} names no node of the cluster (nodes are ${cluster.nodes.map((n) => n.name).join(", ")}), received ${describeValue(one)}`,
    hint: "use a node name from the list, or an index from 0",
    cluster: cluster.name,
    option,
  });
}

/**
 * The nodes of a group, when `one` names a group of a cluster whose nodes differ and no node
 * of that name; undefined otherwise.
 */
export function groupNodes(cluster: FaultTarget, one: string | number): Node[] | undefined {
  if (typeof one !== "string" || cluster.nodes.some((n) => n.name === one)) return undefined;
  const members = cluster.nodes.filter((n) => n.group === one);
  return members.length > 0 ? members : undefined;
}

/** A node name, index, or group name (all its nodes), as the nodes it names. */
export function targetNodes(cluster: FaultTarget, one: string | number, option: string): Node[] {
  return groupNodes(cluster, one) ?? [targetNode(cluster, one, option)];
}

/** Resolves a selector to nodes at apply time (the leader is asked for then). */
export async function resolveTargets(
  cluster: FaultTarget,
  selector: NodeSelector | undefined,
  random: () => number,
  kind: string,
  option = "node",
): Promise<Node[]> {
  const nodes = cluster.nodes;
  const pick = selector ?? "random";
  if (Array.isArray(pick)) {
    if (pick.length === 0) throw invalidSelector(kind, "node", pick, "is an empty list, which would fault no node", cluster.name);
    const resolved = pick.flatMap((one) => targetNodes(cluster, one, `${kind}.${option}`));
    // ["n1", 0] names n1 twice: a second signal to a node already down fails half-applied.
    if (new Set(resolved).size !== resolved.length)
      throw invalidSelector(kind, "node", pick, `names a node twice (${resolved.map((n) => n.name).join(", ")})`, cluster.name);
    return resolved;
  }
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
      if (typeof pick === "number" || typeof pick === "string") return targetNodes(cluster, pick, `${kind}.${option}`);
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
