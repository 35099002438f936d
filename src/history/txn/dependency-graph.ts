/**
 * Dependencies between transactions, as bits so one edge can carry several at once (T1 may
 * both overwrite and be read by T2):
 * - `WW` write-write: T2 overwrote (appended after) a version T1 installed;
 * - `WR` write-read: T2 read a version T1 installed;
 * - `RW` read-write (anti-dependency): T1 read a version that T2 then overwrote;
 * - `PROCESS`: the same client ran T1, then T2;
 * - `REALTIME`: T1 completed before T2 was invoked.
 */
export const WW = 1;
export const WR = 2;
export const RW = 4;
export const PROCESS = 8;
export const REALTIME = 16;
export const DATA = WW | WR | RW;

export type RelName = "ww" | "wr" | "rw" | "process" | "realtime";

const NAMES: readonly [number, RelName][] = [
  [WW, "ww"],
  [WR, "wr"],
  [RW, "rw"],
  [PROCESS, "process"],
  [REALTIME, "realtime"],
];

/** The name of one relation bit. */
export function relName(rel: number): RelName {
  for (const [bit, name] of NAMES) if (bit === rel) return name;
  throw new RangeError(`not a single relation: ${rel}`);
}

/** The single relation bits set in `rels`, in a fixed order. */
export function relBits(rels: number): number[] {
  const out: number[] = [];
  for (const [bit] of NAMES) if (rels & bit) out.push(bit);
  return out;
}

/**
 * A directed graph over transaction ids in compressed sparse rows: the edges leaving `v` are
 * `targets[offsets[v] .. offsets[v + 1])`, each with its relation bits in `rels`. Typed arrays
 * keep a million-transaction graph to a few tens of megabytes.
 */
export interface DependencyGraph {
  readonly vertexCount: number;
  readonly offsets: Int32Array;
  readonly targets: Int32Array;
  readonly rels: Uint8Array;
}

/** Collects edges in any order, duplicates included, and packs them into a {@link DependencyGraph}. */
export class GraphBuilder {
  private from = new Int32Array(1024);
  private to = new Int32Array(1024);
  private rel = new Uint8Array(1024);
  private count = 0;

  constructor(readonly vertexCount: number) {}

  get edgeCount(): number {
    return this.count;
  }

  /** Adds `a -> b` with relation `rel`; self-edges are dropped (a transaction does not depend on itself). */
  link(a: number, b: number, rel: number): void {
    if (a === b) return;
    if (this.count === this.from.length) this.grow();
    this.from[this.count] = a;
    this.to[this.count] = b;
    this.rel[this.count] = rel;
    this.count++;
  }

  private grow(): void {
    const size = this.from.length * 2;
    const from = new Int32Array(size);
    from.set(this.from);
    const to = new Int32Array(size);
    to.set(this.to);
    const rel = new Uint8Array(size);
    rel.set(this.rel);
    this.from = from;
    this.to = to;
    this.rel = rel;
  }

  /** Packs the edges: one per (a, b) pair with the union of its relations. */
  build(): DependencyGraph {
    const n = this.vertexCount;
    const m = this.count;
    const degree = new Int32Array(n + 1);
    for (let i = 0; i < m; i++) degree[this.from[i]! + 1]!++;
    for (let v = 0; v < n; v++) degree[v + 1]! += degree[v]!;
    const cursor = degree.slice(0, n);
    const targets = new Int32Array(m);
    const rels = new Uint8Array(m);
    for (let i = 0; i < m; i++) {
      const at = cursor[this.from[i]!]!++;
      targets[at] = this.to[i]!;
      rels[at] = this.rel[i]!;
    }
    // Merge duplicate targets per source; `seen[t]` holds where t's edge went for this source.
    const seen = new Int32Array(n).fill(-1);
    const offsets = new Int32Array(n + 1);
    let write = 0;
    for (let v = 0; v < n; v++) {
      offsets[v] = write;
      const start = write;
      for (let i = degree[v]!; i < degree[v + 1]!; i++) {
        const t = targets[i]!;
        const at = seen[t]!;
        if (at >= start) rels[at]! |= rels[i]!;
        else {
          seen[t] = write;
          targets[write] = t;
          rels[write] = rels[i]!;
          write++;
        }
      }
    }
    offsets[n] = write;
    return { vertexCount: n, offsets, targets: targets.slice(0, write), rels: rels.slice(0, write) };
  }
}

/** The relations of edge `a -> b`, 0 when there is none. */
export function edgeRels(graph: DependencyGraph, a: number, b: number): number {
  for (let i = graph.offsets[a]!; i < graph.offsets[a + 1]!; i++) if (graph.targets[i] === b) return graph.rels[i]!;
  return 0;
}
