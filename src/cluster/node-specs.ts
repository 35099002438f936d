import type { ClusterSpec, NodeSpec } from "./types";

/** A node as the cluster will start it: its name, its group, and its own spec. */
export interface ResolvedNode {
  readonly name: string;
  /** The group it belongs to, for clusters whose nodes differ. */
  readonly group?: string;
  /** The cluster-level options with the node's own on top (`command` checked to be there). */
  readonly spec: ClusterSpec & { command: NonNullable<ClusterSpec["command"]> };
  /** Names of the nodes that must be ready before this one starts. */
  readonly dependsOn: readonly string[];
}

/** A port named by its number ("6379") binds that number where each node has its own address. */
export function isNumberedPort(name: string): boolean {
  return /^\d+$/.test(name) && Number(name) >= 1 && Number(name) <= 65535;
}

/** A name a spec may give a port: a word, or a port number as a string. */
export function isPortName(name: unknown): name is string {
  return typeof name === "string" && (/^[a-z][a-z0-9_-]*$/i.test(name) || isNumberedPort(name));
}

/** The options a node spec may give (besides count and dependsOn), as at the cluster level. */
export const NODE_OPTIONS = ["command", "env", "cwd", "ports", "ready", "readyTimeout", "stop", "docker"] as const;
export const NODE_SPEC_KEYS: ReadonlySet<string> = new Set<string>([...NODE_OPTIONS, "count", "dependsOn"]);

/** Whether `nodes` is the per-node form (`{ db: {…}, app: {…} }`). */
export function isNodeSpecMap(nodes: ClusterSpec["nodes"]): nodes is Record<string, NodeSpec> {
  return typeof nodes === "object" && nodes !== null && !Array.isArray(nodes);
}

/** The names of a group's nodes: the group's own name, or `<group>1`… when it has several. */
export function groupMembers(group: string, spec: NodeSpec): string[] {
  const count = spec.count ?? 1;
  return count === 1 ? [group] : Array.from({ length: count }, (_, i) => `${group}${i + 1}`);
}

/**
 * Every node of a (validated) spec, in the order they are declared, each with the spec it runs
 * with. A homogeneous cluster's nodes share the cluster's spec and depend on nothing.
 */
export function resolveNodes(spec: ClusterSpec): ResolvedNode[] {
  const nodes = spec.nodes;
  const shared = spec as ResolvedNode["spec"];
  if (typeof nodes === "number") return Array.from({ length: nodes }, (_, i) => ({ name: `n${i + 1}`, spec: shared, dependsOn: [] }));
  if (Array.isArray(nodes)) return nodes.map((name) => ({ name, spec: shared, dependsOn: [] }));
  const members = new Map(Object.entries(nodes).map(([group, node]) => [group, groupMembers(group, node)]));
  const out: ResolvedNode[] = [];
  for (const [group, node] of Object.entries(nodes)) {
    const own: Partial<ClusterSpec> = {};
    for (const key of NODE_OPTIONS) if (node[key] !== undefined) (own as Record<string, unknown>)[key] = node[key];
    const merged = { ...spec, ...own } as ResolvedNode["spec"];
    const dependsOn = (node.dependsOn ?? []).flatMap((name) => members.get(name) ?? [name]);
    for (const name of members.get(group)!) out.push({ name, group, spec: merged, dependsOn });
  }
  return out;
}

/** Every port name any node binds (the provisioner reserves them all for each node). */
export function allPorts(nodes: readonly ResolvedNode[]): string[] {
  return [...new Set(nodes.flatMap((node) => node.spec.ports ?? []))];
}
