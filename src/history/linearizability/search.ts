import { monoNowNs } from "../../common/timers";
import type { Model, ModelInput, ModelOutput } from "../models/model";
import { StateCache } from "./state-cache";

/**
 * One independent part of a history, ready for the search: operation `i` is invoked with
 * `inputs[i]`, returned `outputs[i]`, and occupies positions `calledAt[i]` to `returnedAt[i]`
 * (Infinity for an indeterminate operation, which may take effect at any later time or never).
 */
export interface SearchProblem<S> {
  readonly model: Model<S>;
  readonly inputs: readonly ModelInput[];
  readonly outputs: readonly ModelOutput[];
  readonly calledAt: readonly number[];
  readonly returnedAt: readonly number[];
  /** Deadline in monotonic nanoseconds (`monoNowNs()` as a number). */
  readonly deadlineNs: number;
}

/** Where the search got furthest before it had to backtrack for good. */
export interface DeadEnd<S> {
  /** Operations linearized, in order. */
  readonly prefix: readonly number[];
  /** The model's state after them. */
  readonly state: S;
  /** The operation whose return was reached before it could be placed. */
  readonly blocked: number;
  /** Operations that could have gone next (pending at that point), first few. */
  readonly candidates: readonly number[];
  readonly candidateCount: number;
}

export type SearchOutcome<S> =
  | { readonly verdict: "ok"; readonly order: readonly number[]; readonly explored: number }
  | { readonly verdict: "illegal"; readonly deadEnd: DeadEnd<S>; readonly explored: number }
  | { readonly verdict: "unknown"; readonly deadEnd: DeadEnd<S> | undefined; readonly explored: number };

const NIL = -1;
const CANDIDATES_KEPT = 6;
/** How many loop turns between clock reads: a read costs ~50ns, a turn ~20ns. */
const CLOCK_EVERY = 0x3ff;

/** Deterministic per-operation random words for Zobrist hashing of the linearized set. */
function zobristWords(n: number): Int32Array {
  const words = new Int32Array(n);
  let x = 0x9e3779b9 | 0;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
  return words;
}

/**
 * Wing & Gong's search with Lowe's memoisation, over a doubly linked list of call and return
 * entries (Porcupine's layout). Entry `2i` is the call of operation `i`, entry `2i + 1` its
 * return; the list lives in typed arrays and the search is a loop with an explicit stack.
 *
 * The search repeatedly takes the first pending call whose step the model accepts and whose
 * (linearized set, state) pair has not been seen, removes it from the list and pushes it;
 * reaching a return entry means that operation should already have happened, so it
 * backtracks. The history is linearizable once every operation with a known return is placed:
 * indeterminate ones left over simply never took effect.
 */
export function search<S>(problem: SearchProblem<S>): SearchOutcome<S> {
  const { model, inputs, outputs, calledAt, returnedAt, deadlineNs } = problem;
  const n = inputs.length;
  const head = 2 * n;
  const next = new Int32Array(2 * n + 1);
  const prev = new Int32Array(2 * n + 1);

  // Entries in real-time order; indeterminate returns (at Infinity) land at the end.
  const order = new Int32Array(2 * n);
  for (let i = 0; i < 2 * n; i++) order[i] = i;
  const at = (e: number): number => ((e & 1) === 0 ? calledAt[e >> 1]! : returnedAt[e >> 1]!);
  order.sort((a, b) => at(a) - at(b) || (a & 1) - (b & 1));
  let last = head;
  for (let i = 0; i < 2 * n; i++) {
    const e = order[i]!;
    next[last] = e;
    prev[e] = last;
    last = e;
  }
  next[last] = NIL;

  let mustPlace = 0;
  const known = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (returnedAt[i] !== Infinity) {
      known[i] = 1;
      mustPlace++;
    }
  }

  const words = (n + 31) >>> 5;
  const bits = new Uint32Array(words);
  const zobrist = zobristWords(n);
  const hashesState = model.hash !== undefined;
  const cache = new StateCache<S>(words, model.equal);

  const stackEntry = new Int32Array(n);
  const stackNode = new Int32Array(n);
  const stackStates: S[] = new Array<S>(n);
  // Parent-pointer tree of pushes, so a dead end's prefix is saved in O(1).
  let nodeOp = new Int32Array(1024);
  let nodeParent = new Int32Array(1024);
  let nodes = 0;
  let top = 0;
  let hash = 0;
  let state = model.init();
  let entry = next[head]!;
  let explored = 0;
  let best: { node: number; depth: number; state: S; blocked: number } | undefined;

  const deadEnd = (): DeadEnd<S> | undefined => {
    if (!best) return undefined;
    const prefix: number[] = new Array<number>(best.depth);
    for (let k = best.depth - 1, node = best.node; k >= 0; k--, node = nodeParent[node]!) prefix[k] = nodeOp[node]!;
    // Calls still pending when the blocked return was reached: everything not in the prefix
    // that was invoked before it returned.
    const placed = new Set(prefix);
    const candidates: number[] = [];
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (i === best.blocked || placed.has(i) || calledAt[i]! > returnedAt[best.blocked]!) continue;
      if (count++ < CANDIDATES_KEPT) candidates.push(i);
    }
    return { prefix, state: best.state, blocked: best.blocked, candidates, candidateCount: count };
  };

  while (mustPlace > 0) {
    if ((++explored & CLOCK_EVERY) === 0 && Number(monoNowNs()) > deadlineNs) {
      return { verdict: "unknown", deadEnd: deadEnd(), explored };
    }
    if ((entry & 1) === 0) {
      const op = entry >> 1;
      const result = model.step(state, inputs[op]!, outputs[op]!);
      if (result.ok) {
        const word = op >>> 5;
        const mask = 1 << (op & 31);
        bits[word]! |= mask;
        const h = hash ^ zobrist[op]!;
        const key = hashesState ? h ^ model.hash!(result.state) : h;
        const nextState = result.state;
        if (cache.add(key, bits, nextState)) {
          if (nodes === nodeOp.length) {
            nodeOp = grow(nodeOp);
            nodeParent = grow(nodeParent);
          }
          nodeOp[nodes] = op;
          nodeParent[nodes] = top > 0 ? stackNode[top - 1]! : NIL;
          stackNode[top] = nodes++;
          stackEntry[top] = entry;
          stackStates[top++] = state;
          state = nextState;
          hash = h;
          mustPlace -= known[op]!;
          // Lift the call and its return out of the list.
          const ret = entry + 1;
          next[prev[entry]!] = next[entry]!;
          if (next[entry] !== NIL) prev[next[entry]!] = prev[entry]!;
          next[prev[ret]!] = next[ret]!;
          if (next[ret] !== NIL) prev[next[ret]!] = prev[ret]!;
          entry = next[head]!;
          continue;
        }
        bits[word]! &= ~mask;
      }
      entry = next[entry]!;
      continue;
    }
    // A return entry: its operation had to be placed by now, and could not be.
    if (!best || top > best.depth) best = { node: top > 0 ? stackNode[top - 1]! : NIL, depth: top, state, blocked: entry >> 1 };
    if (top === 0) return { verdict: "illegal", deadEnd: deadEnd()!, explored };
    const call = stackEntry[--top]!;
    const op = call >> 1;
    state = stackStates[top]!;
    stackStates[top] = undefined as S;
    hash ^= zobrist[op]!;
    bits[op >>> 5]! &= ~(1 << (op & 31));
    mustPlace += known[op]!;
    // Put the return, then the call, back where they were.
    const ret = call + 1;
    next[prev[ret]!] = ret;
    if (next[ret] !== NIL) prev[next[ret]!] = ret;
    next[prev[call]!] = call;
    if (next[call] !== NIL) prev[next[call]!] = call;
    entry = next[call]!;
  }
  return { verdict: "ok", order: Array.from(stackEntry.subarray(0, top), (e) => e >> 1), explored };
}

function grow(array: Int32Array): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(array.length * 2);
  bigger.set(array);
  return bigger;
}
