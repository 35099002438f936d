import type { Grudge } from "../cluster/grudge";

export interface GrudgeShape {
  /** `n1 ⟂ n2,n3` for clean splits; `n2 ↛ n1` for one-way cuts; `n1 ⟂ n3,n4; …` otherwise. */
  label: string;
  /** Sides of a clean split, largest last; empty when the cut is not a clean split. */
  groups: string[][];
  /** Nodes drawn as cut off: the smaller sides of a clean split, else every node with a grudge. */
  isolated: string[];
  oneWay: boolean;
}

/**
 * Reads a grudge as groups that can talk among themselves but not across: the connected
 * components of "can hear" among the nodes involved. It is a clean split only when every
 * cross-group pair is cut both ways and no pair inside a group is.
 */
export function grudgeShape(grudge: Grudge): GrudgeShape {
  const nodes = [...new Set([...Object.keys(grudge), ...Object.values(grudge).flat()])].sort(byName);
  const cut = (from: string, to: string): boolean => grudge[to]?.includes(from) ?? false; // `to` cannot hear `from`
  const oneWay = nodes.some((a) => nodes.some((b) => cut(a, b) && !cut(b, a)));
  if (oneWay) {
    const edges = nodes.flatMap((to) => (grudge[to] ?? []).filter((from) => !cut(to, from)).map((from) => `${from} ↛ ${to}`));
    return { label: edges.join("; "), groups: [], isolated: nodes.filter((n) => (grudge[n]?.length ?? 0) > 0), oneWay: true };
  }
  const groups = components(nodes, (a, b) => !cut(a, b) && !cut(b, a));
  const clean = groups.every((group) => group.every((a) => nodes.every((b) => group.includes(b) !== cut(a, b))));
  if (clean && groups.length > 1) {
    groups.sort((a, b) => a.length - b.length || byName(a[0]!, b[0]!));
    return { label: groups.map((g) => g.join(",")).join(" ⟂ "), groups, isolated: groups.slice(0, -1).flat(), oneWay: false };
  }
  const parts = nodes.filter((n) => (grudge[n]?.length ?? 0) > 0).map((n) => `${n} ⟂ ${[...grudge[n]!].sort(byName).join(",")}`);
  return { label: parts.join("; "), groups: [], isolated: nodes.filter((n) => (grudge[n]?.length ?? 0) > 0), oneWay: false };
}

function components(nodes: readonly string[], linked: (a: string, b: string) => boolean): string[][] {
  const seen = new Set<string>();
  const out: string[][] = [];
  for (const start of nodes) {
    if (seen.has(start)) continue;
    const group: string[] = [];
    const stack = [start];
    seen.add(start);
    while (stack.length) {
      const node = stack.pop()!;
      group.push(node);
      for (const other of nodes) {
        if (!seen.has(other) && linked(node, other)) {
          seen.add(other);
          stack.push(other);
        }
      }
    }
    out.push(group.sort(byName));
  }
  return out;
}

/** n2 before n10. */
export function byName(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}
