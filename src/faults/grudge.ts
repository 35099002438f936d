import { FaultlineError, describeValue } from "../common/errors";

import type { Grudge } from "../cluster/grudge";

/**
 * Grudges of every shape partitions take. Every function here returns a key for every node it
 * was given (`[]` when that node hears everyone), keys in the order of the components the
 * grudge was built from.
 */

type Nodes = readonly string[];

function invalid(message: string, option: string, hint?: string): FaultlineError {
  return new FaultlineError({ code: "FAULTLINE_INVALID_OPTION", message, option, hint });
}

function checkNodes(nodes: unknown, minimum: number, what: string): Nodes {
  if (!Array.isArray(nodes) || nodes.some((n) => typeof n !== "string" || n.length === 0)) {
    throw invalid(`${what} needs a list of node names, received ${describeValue(nodes)}`, "nodes");
  }
  const duplicate = nodes.find((n, i) => nodes.indexOf(n) !== i);
  if (duplicate !== undefined) throw invalid(`${what}: node "${duplicate}" is listed twice in ${describeValue(nodes)}`, "nodes");
  if (nodes.length < minimum) {
    throw invalid(`${what} needs at least ${minimum} nodes, received ${nodes.length} (${describeValue(nodes)})`, "nodes");
  }
  return nodes as Nodes;
}

function checkKnown(nodes: Nodes, names: readonly unknown[], option: string): void {
  for (const name of names) {
    if (typeof name !== "string" || !nodes.includes(name)) {
      throw invalid(`unknown node ${describeValue(name)}; the cluster's nodes are ${nodes.join(", ")}`, option, "use node names as the cluster names them");
    }
  }
}

function toList(value: string | readonly string[]): readonly string[] {
  return typeof value === "string" ? [value] : value;
}

/** Fisher-Yates with the caller's random source, so a seeded schedule is reproducible. */
function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Components that cannot talk to each other: every node cannot hear any node of another component. */
export function complete(components: readonly (readonly string[])[]): Grudge {
  if (!Array.isArray(components) || components.some((c) => !Array.isArray(c) || c.length === 0)) {
    throw invalid(`components must be non-empty lists of node names, received ${describeValue(components)}`, "components");
  }
  checkNodes(components.flat(), 1, "complete(components)");
  const grudge: Grudge = {};
  components.forEach((component, index) => {
    const others = components.filter((_, i) => i !== index).flat();
    for (const node of component) grudge[node] = [...others];
  });
  return grudge;
}

/** `target` (often the leader) is cut off from every other node. */
export function isolate(nodes: Nodes, target: string): Grudge {
  checkNodes(nodes, 2, "isolate");
  checkKnown(nodes, [target], "target");
  return complete([[target], nodes.filter((n) => n !== target)]);
}

/**
 * The first half against the second. With an odd count the first half is the smaller one
 * (Jepsen's `bisect`): [n1 n2 | n3 n4 n5], so the second half keeps a majority.
 */
export function halves(nodes: Nodes): Grudge {
  checkNodes(nodes, 2, "halves");
  const cut = Math.floor(nodes.length / 2);
  return complete([nodes.slice(0, cut), nodes.slice(cut)]);
}

export interface MajorityMinorityOptions {
  /** The nodes to cut off; fewer than half of all. Default: the largest minority, floor((n-1)/2) nodes. */
  minority?: readonly string[];
  /** A node that must be in the minority, typically the leader. */
  include?: string;
  /**
   * Picks the minority at random. Without it the choice is deterministic: `include` first,
   * then nodes in list order.
   */
  random?: () => number;
}

/** A minority cut off from the majority (Jepsen's majority/minority partition). */
export function majorityMinority(nodes: Nodes, options: MajorityMinorityOptions = {}): Grudge {
  checkNodes(nodes, 3, "majorityMinority");
  const { include, random } = options;
  if (include !== undefined) checkKnown(nodes, [include], "include");
  let minority: readonly string[];
  if (options.minority !== undefined) {
    checkKnown(nodes, options.minority, "minority");
    minority = checkNodes(options.minority, 1, "minority");
    if (minority.length * 2 >= nodes.length) {
      throw invalid(
        `a minority must hold fewer than half of the ${nodes.length} nodes, received ${describeValue(minority)}`,
        "minority",
        "use halves() or groups() for an even split",
      );
    }
    if (include !== undefined && !minority.includes(include)) {
      throw invalid(`node "${include}" must be in the minority ${describeValue(minority)}`, "include");
    }
  } else {
    const size = Math.floor((nodes.length - 1) / 2);
    const candidates = nodes.filter((n) => n !== include);
    const ordered = random ? shuffle(candidates, random) : candidates;
    minority = include !== undefined ? [include, ...ordered.slice(0, size - 1)] : ordered.slice(0, size);
  }
  return complete([minority, nodes.filter((n) => !minority.includes(n))]);
}

/**
 * Two sides that cannot talk to each other, and one bridge node that hears and is heard by
 * both, so each side plus the bridge is a majority (Jepsen's `bridge`). The bridge defaults
 * to the middle node, `nodes[floor(n/2)]`; the others split in list order, the first side
 * taking the extra node when there is one: [n1 n2] n3 [n4 n5].
 */
export function bridge(nodes: Nodes, options: { bridge?: string } = {}): Grudge {
  checkNodes(nodes, 3, "bridge");
  const middle = options.bridge ?? nodes[Math.floor(nodes.length / 2)]!;
  checkKnown(nodes, [middle], "bridge");
  const others = nodes.filter((n) => n !== middle);
  const cut = Math.ceil(others.length / 2);
  const sides = complete([others.slice(0, cut), others.slice(cut)]);
  const grudge: Grudge = {};
  for (const node of nodes) grudge[node] = node === middle ? [] : sides[node]!;
  return grudge;
}

/**
 * Every node hears a majority (itself included), and no two nodes hear the same majority
 * (Jepsen's majorities-ring). Nodes sit on a ring (in list order, or shuffled with `random`);
 * each hears the window of `m = floor(n/2)+1` consecutive nodes around it.
 *
 * When `m` is odd (n = 4, 5, 8, 9, …) the window is centred and the grudge is symmetric: with
 * 5 nodes each hears its two ring neighbours. When `m` is even (n = 3, 6, 7, …) the window
 * leans back one node, so some links are one-way. Three nodes are the extreme case: a
 * majority is 2, so each node hears exactly one other, and no symmetric arrangement gives
 * three different pairs; the result is a one-way ring where each node hears the node before
 * it and is deaf to the node after it (n1 hears n3, n2 hears n1, n3 hears n2).
 */
export function majoritiesRing(nodes: Nodes, options: { random?: () => number } = {}): Grudge {
  checkNodes(nodes, 3, "majoritiesRing");
  const ring = options.random ? shuffle(nodes, options.random) : [...nodes];
  const n = ring.length;
  const m = Math.floor(n / 2) + 1;
  const back = Math.floor(m / 2);
  const grudge: Grudge = {};
  for (const node of nodes) {
    const at = ring.indexOf(node);
    const heard = new Set(Array.from({ length: m }, (_, k) => ring[(at - back + k + n) % n]!));
    grudge[node] = nodes.filter((other) => !heard.has(other));
  }
  return grudge;
}

/**
 * Explicit components, e.g. `groups(nodes, [["n1", "n2"], ["n3"]])`. Nodes not listed form
 * one more component together ("the rest of the cluster"), so `groups(nodes, [["n1"]])` is
 * `isolate(nodes, "n1")`.
 */
export function groups(nodes: Nodes, components: readonly (readonly string[])[]): Grudge {
  checkNodes(nodes, 2, "groups");
  if (!Array.isArray(components) || components.some((c) => !Array.isArray(c) || c.length === 0)) {
    throw invalid(`groups must be non-empty lists of node names, such as [["n1", "n2"], ["n3"]], received ${describeValue(components)}`, "groups");
  }
  checkKnown(nodes, components.flat(), "groups");
  checkNodes(components.flat(), 1, "groups");
  const listed = new Set(components.flat());
  const rest = nodes.filter((n) => !listed.has(n));
  const all = rest.length > 0 ? [...components, rest] : [...components];
  if (all.length < 2) {
    throw invalid(
      `groups ${describeValue(components)} put every node in one group, so nothing would be cut`,
      "groups",
      "list at least two groups, or leave some nodes out",
    );
  }
  return complete(all);
}

/** Traffic to cut one way: `to` nodes cannot hear `from` nodes, while `from` nodes still hear `to`. */
export interface OneWayCut {
  from: string | readonly string[];
  to: string | readonly string[];
}

/**
 * An asymmetric partition.
 *
 * - `oneWay(nodes, { from, to })`: traffic from `from` to `to` is dropped; replies from `to` to
 *   `from` still arrive.
 * - `oneWay(grudge)`: of every pair that cannot hear each other, only the node listed first in
 *   the grudge stays deaf. Grudges built here list their first component first, so
 *   `oneWay(isolate(nodes, "n1"))` leaves n1 deaf to everyone while everyone still hears n1.
 */
export function oneWay(grudge: Grudge): Grudge;
export function oneWay(nodes: Nodes, cut: OneWayCut): Grudge;
export function oneWay(first: Grudge | Nodes, cut?: OneWayCut): Grudge {
  if (Array.isArray(first)) {
    const nodes = checkNodes(first, 2, "oneWay");
    if (typeof cut !== "object" || cut === null) throw invalid(`oneWay(nodes, cut) needs { from, to }, received ${describeValue(cut)}`, "cut");
    const from = toList(cut.from);
    const to = toList(cut.to);
    checkKnown(nodes, from, "from");
    checkKnown(nodes, to, "to");
    checkNodes(from, 1, "oneWay from");
    checkNodes(to, 1, "oneWay to");
    const both = from.find((n) => to.includes(n));
    if (both !== undefined) throw invalid(`node "${both}" is in both from and to`, "to");
    const grudge: Grudge = {};
    for (const node of nodes) grudge[node] = to.includes(node) ? [...from] : [];
    return grudge;
  }
  const grudge = checkGrudge(first);
  const order = new Map(Object.keys(grudge).map((node, i) => [node, i]));
  const result: Grudge = {};
  for (const [node, unheard] of Object.entries(grudge)) {
    result[node] = unheard.filter((other) => !grudge[other]?.includes(node) || order.get(node)! < order.get(other)!);
  }
  return result;
}

/** Validates a grudge (given by a user or built elsewhere) against the cluster's nodes. */
export function checkGrudge(grudge: unknown, nodes?: Nodes): Grudge {
  if (typeof grudge !== "object" || grudge === null || Array.isArray(grudge)) {
    throw invalid(`a grudge maps each node to the nodes it cannot hear, such as { n1: ["n2"] }, received ${describeValue(grudge)}`, "grudge");
  }
  const entries = Object.entries(grudge as Record<string, unknown>);
  for (const [node, unheard] of entries) {
    if (!Array.isArray(unheard) || unheard.some((n) => typeof n !== "string")) {
      throw invalid(`grudge entry for "${node}" must be a list of node names, received ${describeValue(unheard)}`, "grudge");
    }
    if (unheard.includes(node)) throw invalid(`node "${node}" cannot hold a grudge against itself`, "grudge");
    if (nodes) checkKnown(nodes, [node, ...unheard], "grudge");
  }
  return Object.fromEntries(entries.map(([node, unheard]) => [node, [...(unheard as string[])]]));
}

/** Whether `listener` hears `speaker` under `grudge`. */
export function hears(grudge: Grudge, listener: string, speaker: string): boolean {
  return !(grudge[listener]?.includes(speaker) ?? false);
}

/** True when every cut goes both ways. */
export function isSymmetric(grudge: Grudge): boolean {
  return Object.entries(grudge).every(([node, unheard]) => unheard.every((other) => !hears(grudge, other, node)));
}
