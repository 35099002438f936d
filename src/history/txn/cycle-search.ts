import { PROCESS, REALTIME, RW, WR, WW, type DependencyGraph } from "./dependency-graph";
import { impliedAnomalies } from "./consistency-models";
import { SccFinder } from "./tarjan";

/** How many anti-dependency (rw) edges a cycle class takes, and where. */
type RwMode = "none" | "single" | "nonadjacent" | "multiple";

/** A cycle anomaly class as a search: which edges it may use and which it must. */
export interface CycleSpec {
  readonly kind: string;
  /** Relations other than rw the cycle may use. */
  readonly allowed: number;
  readonly rw: RwMode;
  /** At least one write-read edge (G1c). */
  readonly needWr: boolean;
  /** At least one edge of this relation (PROCESS or REALTIME) for the variants; 0 for none. */
  readonly needVariant: number;
}

const BASE: readonly Omit<CycleSpec, "needVariant">[] = [
  { kind: "G0", allowed: WW, rw: "none", needWr: false },
  { kind: "G1c", allowed: WW | WR, rw: "none", needWr: true },
  { kind: "G-single", allowed: WW | WR, rw: "single", needWr: false },
  { kind: "G-nonadjacent", allowed: WW | WR, rw: "nonadjacent", needWr: false },
  { kind: "G2-item", allowed: WW | WR, rw: "multiple", needWr: false },
];

/**
 * Every cycle class, most severe first as Elle orders them: the pure data classes, then the
 * same with process order, then with real-time order (which may use process edges too).
 */
export const CYCLE_SPECS: readonly CycleSpec[] = [
  ...BASE.map((s) => ({ ...s, needVariant: 0 })),
  ...BASE.map((s) => ({ ...s, kind: `${s.kind}-process`, allowed: s.allowed | PROCESS, needVariant: PROCESS })),
  ...BASE.map((s) => ({ ...s, kind: `${s.kind}-realtime`, allowed: s.allowed | PROCESS | REALTIME, needVariant: REALTIME })),
];

export const CYCLE_KINDS: ReadonlySet<string> = new Set(CYCLE_SPECS.map((s) => s.kind));

/** A cycle of transaction ids: `rels[i]` is the single relation of `vertices[i] -> vertices[i + 1]` (wrapping). */
export interface FoundCycle {
  readonly kind: string;
  readonly vertices: readonly number[];
  readonly rels: readonly number[];
}

/** A class whose search ran out of budget in a component before it found or ruled out a cycle. */
export interface SearchTimeout {
  readonly kind: string;
  readonly componentSize: number;
}

/**
 * Names a cycle as Elle does, from the relations it uses: one rw edge is G-single, several
 * none of them adjacent G-nonadjacent, several with two adjacent G2-item; with no rw, a wr
 * edge makes G1c and ww alone G0. A real-time edge adds `-realtime`, else a process edge `-process`.
 */
export function classifyCycle(rels: readonly number[]): string {
  let rw = 0;
  let wr = 0;
  let ww = 0;
  let process = 0;
  let realtime = 0;
  let adjacent = false;
  for (let i = 0; i < rels.length; i++) {
    const rel = rels[i]!;
    if (rel === RW) {
      rw++;
      if (rels[(i + 1) % rels.length] === RW) adjacent = true;
    } else if (rel === WR) wr++;
    else if (rel === WW) ww++;
    else if (rel === PROCESS) process++;
    else if (rel === REALTIME) realtime++;
  }
  const data = rw === 1 ? "G-single" : rw > 1 ? (adjacent ? "G2-item" : "G-nonadjacent") : wr > 0 ? "G1c" : ww > 0 ? "G0" : undefined;
  // Process and real-time orders follow time, so a cycle always has a data edge.
  if (data === undefined) throw new RangeError(`a cycle with no data dependency: ${rels.join(",")}`);
  return data + (realtime > 0 ? "-realtime" : process > 0 ? "-process" : "");
}

/** Options of {@link findCycles}. */
export interface CycleSearchOptions {
  /** The cycle classes worth looking for. */
  readonly kinds: ReadonlySet<string>;
  /**
   * Edge visits one class may spend in one component before giving up (reported as a
   * cycle-search timeout). Deterministic, unlike a time limit.
   */
  readonly budget: number;
}

/** Visits spent improving on the first cycle found, looking for a shorter one. */
const IMPROVE_BUDGET = 200_000;

// Product-search state bits: rw count (0, 1, 2+), last edge rw, a wr seen, the variant edge seen.
const RWC = 3;
const LAST_RW = 4;
const GOT_WR = 8;
const GOT_VARIANT = 16;
const STATES = 32;

function step(spec: CycleSpec, state: number, rel: number): number {
  if (rel === RW) {
    const count = state & RWC;
    switch (spec.rw) {
      case "none":
        return -1;
      case "single":
        return count >= 1 ? -1 : (state & ~RWC) | 1 | LAST_RW;
      case "nonadjacent":
        if (state & LAST_RW) return -1;
        return (state & ~RWC) | Math.min(2, count + 1) | LAST_RW;
      case "multiple":
        return (state & ~RWC) | Math.min(2, count + 1) | LAST_RW;
    }
  }
  if ((rel & spec.allowed) === 0) return -1;
  let next = state & ~LAST_RW;
  if (rel === WR) next |= GOT_WR;
  if (rel & spec.needVariant) next |= GOT_VARIANT;
  return next;
}

/** Whether arriving at the anchor's tail in `state` closes a cycle of the class (the anchor edge comes next). */
function accepts(spec: CycleSpec, state: number): boolean {
  const count = state & RWC;
  if (spec.needWr && !(state & GOT_WR)) return false;
  if (spec.needVariant && !(state & GOT_VARIANT)) return false;
  switch (spec.rw) {
    case "none":
      return count === 0;
    case "single":
      return count === 1;
    case "nonadjacent":
      // The anchor is an rw edge: the edge before it must not be one.
      return count >= 2 && !(state & LAST_RW);
    case "multiple":
      return count >= 2;
  }
}

/** The relation every cycle of the class contains, to start from: rarest first. */
function anchorRel(spec: CycleSpec): number {
  if (spec.rw !== "none") return RW;
  if (spec.needVariant) return spec.needVariant;
  return spec.needWr ? WR : WW;
}

/** Splits a closed walk that repeats a vertex into simple cycles. */
function simpleCycles(vertices: readonly number[], rels: readonly number[]): { vertices: number[]; rels: number[] }[] {
  const at = new Map<number, number>();
  for (let i = 0; i < vertices.length; i++) {
    const first = at.get(vertices[i]!);
    if (first === undefined) {
      at.set(vertices[i]!, i);
      continue;
    }
    const inner = { vertices: vertices.slice(first, i), rels: rels.slice(first, i) };
    const outer = { vertices: [...vertices.slice(0, first), ...vertices.slice(i)], rels: [...rels.slice(0, first), ...rels.slice(i)] };
    return [...simpleCycles(inner.vertices, inner.rels), ...simpleCycles(outer.vertices, outer.rels)];
  }
  return [{ vertices: [...vertices], rels: [...rels] }];
}

/**
 * Finds the strongly connected components of the whole graph (no cycle crosses two), then in
 * each one a short witness cycle of every wanted class. For a class, the component is cut down
 * to the strongly connected pieces of the edges the class may use; within a piece, each edge of
 * the class's anchor relation (rw for the anti-dependency classes) is closed by a
 * breadth-first search back from its head to its tail over (transaction, state) pairs, where
 * the state counts rw edges and remembers what the class still requires. The shortest cycle
 * found wins. Classes implied by one already found in the component are skipped, as Elle does.
 */
export function findCycles(graph: DependencyGraph, options: CycleSearchOptions): { cycles: FoundCycle[]; timeouts: SearchTimeout[] } {
  const finder = new SccFinder(graph);
  const n = graph.vertexCount;
  const componentOf = new Int32Array(n);
  const pieceOf = new Int32Array(n);
  const localOf = new Int32Array(n);
  const tailMark = new Int32Array(n);
  const specs = CYCLE_SPECS.filter((s) => options.kinds.has(s.kind));
  let mask = 0;
  for (const spec of specs) mask |= spec.allowed | (spec.rw === "none" ? 0 : RW);
  const cycles: FoundCycle[] = [];
  const timeouts: SearchTimeout[] = [];
  if (specs.length === 0) return { cycles, timeouts };
  let pieceTag = 0;
  let tailStamp = 0;

  const components = finder.find(mask);
  for (let c = 0; c < components.length; c++) {
    const component = components[c]!;
    for (const v of component) componentOf[v] = c + 1;
    const best = new Map<string, FoundCycle>();
    const record = (vertices: readonly number[], rels: readonly number[]): string => {
      const kind = classifyCycle(rels);
      const known = best.get(kind);
      if (options.kinds.has(kind) && (!known || known.vertices.length > vertices.length)) best.set(kind, { kind, vertices, rels });
      return kind;
    };
    for (const spec of specs) {
      if (best.has(spec.kind)) continue;
      const implied = impliedAnomalies(best.keys());
      if (implied.has(spec.kind)) continue;
      const projection = spec.allowed | (spec.rw === "none" ? 0 : RW);
      const pieces = finder.find(projection, component, { of: componentOf, tag: c + 1 });
      let spent = 0;
      let exhausted = false;
      for (const piece of pieces) {
        const tag = ++pieceTag;
        for (let i = 0; i < piece.length; i++) {
          pieceOf[piece[i]!] = tag;
          localOf[piece[i]!] = i;
        }
        const result = searchPiece(graph, spec, piece, tag, pieceOf, localOf, tailMark, () => ++tailStamp, options.budget - spent, record);
        spent += result.spent;
        if (result.exhausted) exhausted = true;
        if (best.has(spec.kind) || spent >= options.budget) break;
      }
      if (!best.has(spec.kind) && exhausted) timeouts.push({ kind: spec.kind, componentSize: component.length });
    }
    cycles.push(...best.values());
  }
  return { cycles, timeouts };
}

/** Searches one strongly connected piece for the spec's class; `record` files every simple cycle found. */
function searchPiece(
  graph: DependencyGraph,
  spec: CycleSpec,
  piece: readonly number[],
  tag: number,
  pieceOf: Int32Array,
  localOf: Int32Array,
  tailMark: Int32Array,
  nextStamp: () => number,
  budget: number,
  record: (vertices: readonly number[], rels: readonly number[]) => string,
): { spent: number; exhausted: boolean } {
  const { offsets, targets, rels } = graph;
  const anchor = anchorRel(spec);
  const moves = spec.allowed | (spec.rw === "none" ? 0 : RW);
  // Anchor edges grouped by head: one search from a head serves every tail pointing at it.
  const tailsOf = new Map<number, number[]>();
  for (const u of piece) {
    for (let e = offsets[u]!; e < offsets[u + 1]!; e++) {
      const v = targets[e]!;
      if ((rels[e]! & anchor) === 0 || pieceOf[v] !== tag) continue;
      const list = tailsOf.get(v);
      if (list) list.push(u);
      else tailsOf.set(v, [u]);
    }
  }
  const size = piece.length;
  const seen = new Int32Array(size * STATES);
  const parent = new Int32Array(size * STATES);
  const parentRel = new Uint8Array(size * STATES);
  let queue = new Int32Array(Math.min(size * STATES, 1 << 16));
  let seenStamp = 0;
  let spent = 0;
  let bestLength = Infinity;
  let foundAt = -1;
  const start = step(spec, 0, anchor);

  for (const [head, tails] of tailsOf) {
    if (spent >= budget || (foundAt >= 0 && spent - foundAt > IMPROVE_BUDGET) || bestLength <= 2) break;
    const stamp = nextStamp();
    for (const u of tails) tailMark[u] = stamp;
    seenStamp++;
    const first = localOf[head]! * STATES + start;
    seen[first] = seenStamp;
    parent[first] = -1;
    queue[0] = first;
    let read = 0;
    let write = 1;
    let depth = 0;
    let levelEnd = 1;
    let done = false;
    while (read < write && !done) {
      if (read === levelEnd) {
        depth++;
        levelEnd = write;
      }
      // A path of `depth + 1` edges plus the anchor cannot beat the best cycle.
      if (depth + 2 >= bestLength) break;
      const code = queue[read++]!;
      const x = piece[(code / STATES) | 0]!;
      const state = code % STATES;
      for (let e = offsets[x]!; e < offsets[x + 1]! && !done; e++) {
        spent++;
        const y = targets[e]!;
        const edge = rels[e]! & moves;
        if (edge === 0 || pieceOf[y] !== tag || y === head) continue;
        for (let bits = edge; bits !== 0; bits &= bits - 1) {
          const rel = bits & -bits;
          const next = step(spec, state, rel);
          if (next < 0) continue;
          const to = localOf[y]! * STATES + next;
          if (seen[to] === seenStamp) continue;
          seen[to] = seenStamp;
          parent[to] = code;
          parentRel[to] = rel;
          if (tailMark[y] === stamp && accepts(spec, next)) {
            // Walk back to the head: the cycle is tail -anchor-> head -> … -> tail.
            const path: number[] = [];
            const pathRels: number[] = [];
            for (let at = to; at !== -1; at = parent[at]!) {
              path.push(piece[(at / STATES) | 0]!);
              if (parent[at] !== -1) pathRels.push(parentRel[at]!);
            }
            path.reverse();
            pathRels.reverse();
            const vertices = [y, ...path.slice(0, -1)];
            const cycleRels = [anchor, ...pathRels];
            for (const simple of simpleCycles(vertices, cycleRels)) {
              if (record(simple.vertices, simple.rels) === spec.kind && simple.vertices.length < bestLength) {
                bestLength = simple.vertices.length;
                if (foundAt < 0) foundAt = spent;
                done = true;
              }
            }
            if (done) break;
          }
          if (write === queue.length) {
            const bigger = new Int32Array(Math.min(queue.length * 2, size * STATES));
            bigger.set(queue);
            queue = bigger;
          }
          queue[write++] = to;
        }
      }
      if (spent >= budget) break;
    }
  }
  return { spent, exhausted: spent >= budget && foundAt < 0 };
}
