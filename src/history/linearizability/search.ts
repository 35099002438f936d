import { monoNowNs } from "../../common/timers";
import { codecOf, type Model, type ModelInput, type ModelOutput, type SearchCodec, type StepResult } from "../models/model";
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
  /**
   * Steps taken with the model's general codec before starting again with one that studies the
   * partition first (its `forPartition`). Default: a few per operation.
   */
  readonly quickSteps?: number;
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
/** List entries the goal check looks at past the head. */
const LOOKAHEAD = 64;
/** Puts the goal check keeps track of before it gives up on a read. */
const FIXED_KEPT = 8;

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
 *
 * A read-only operation the state allows is placed at once and never tried elsewhere: moving
 * it to the front of any order that works leaves every other step seeing the same states, so
 * if no order continues from there, none continues from the configuration before it either.
 */
export function search<S>(problem: SearchProblem<S>): SearchOutcome<S> {
  return startSearch(problem)(problem.deadlineNs);
}

/**
 * The search of {@link search}, resumable: each call runs it until `deadlineNs` and returns
 * `unknown` if it has not finished, and the next call carries on where it stopped. This lets
 * the checker share its budget between partitions in turns, so one hard partition cannot keep
 * an illegal one from being found.
 */
export function startSearch<S>(problem: Omit<SearchProblem<S>, "deadlineNs">): (deadlineNs: number) => SearchOutcome<S> {
  const general = codecOf(problem.model);
  if (!general.forPartition) return searchWith(problem, general);
  // Most partitions finish in a few steps per operation, before a codec that first studies the
  // whole partition would have paid for itself; the rest start again with that codec.
  let quick: ((deadlineNs: number, stepLimit: number) => SearchOutcome<S>) | undefined = searchWith(problem, general);
  const quickSteps = problem.quickSteps ?? QUICK_STEPS_PER_OP * problem.inputs.length + QUICK_STEPS;
  let spent = 0;
  let refined: ((deadlineNs: number) => SearchOutcome<S>) | undefined;
  return (deadlineNs) => {
    if (quick && quickSteps > 0) {
      const outcome = quick(deadlineNs, quickSteps);
      if (outcome.verdict !== "unknown" || outcome.explored < quickSteps) return outcome;
      spent = outcome.explored;
    }
    if (!refined) {
      quick = undefined; // its cache is no use to the new search
      refined = searchWith(problem, general.forPartition!(problem.inputs, problem.outputs));
    }
    const outcome = refined(deadlineNs);
    return { ...outcome, explored: outcome.explored + spent };
  };
}

const QUICK_STEPS = 1024;
const QUICK_STEPS_PER_OP = 8;

function searchWith<S>(
  problem: Omit<SearchProblem<S>, "deadlineNs">,
  codec: SearchCodec<unknown>,
): (deadlineNs: number, stepLimit?: number) => SearchOutcome<S> {
  const { model, inputs, outputs, calledAt, returnedAt } = problem;
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
  const readOnly = new Uint8Array(n);
  const steps: ((state: unknown) => StepResult<unknown>)[] = new Array(n);
  const goals: (((state: unknown) => boolean) | undefined)[] = new Array(n).fill(undefined);
  // 1 for operations that may set the state to anything (a put): reads past them prove nothing.
  const resets = new Uint8Array(n);
  const pruning = codec.goal !== undefined;
  const fixedStates: ({ readonly state: unknown } | undefined)[] = new Array(n).fill(undefined);
  for (let i = 0; i < n; i++) {
    if (returnedAt[i] !== Infinity) {
      known[i] = 1;
      mustPlace++;
    }
    if (model.readOnly?.(inputs[i] as ModelInput<never>)) readOnly[i] = 1;
    steps[i] = codec.prepare(inputs[i]!, outputs[i]!);
    const goal = codec.goal?.(inputs[i]!, outputs[i]!);
    if (goal) goals[i] = goal;
    resets[i] = readOnly[i] === 1 || codec.extending?.(inputs[i]!) ? 0 : 1;
    if (resets[i] === 1 && pruning) fixedStates[i] = codec.fixedState?.(inputs[i]!, outputs[i]!);
  }

  // Reads that must see an operation's effect with no write in between (see SearchCodec.witnesses):
  // `witnessed[r]` counts placed operations read `r` must see, `unseen` the pairs whose read is not
  // placed yet. While `unseen` is above zero no write may replace the state.
  const witnesses = codec.witnesses;
  const seenFrom: number[][] | undefined = witnesses && Array.from({ length: n }, () => []);
  if (witnesses) for (let i = 0; i < n; i++) for (const r of witnesses[i] ?? []) seenFrom![r]!.push(i);
  const witnessed = new Int32Array(n);
  const placed = new Uint8Array(n);
  let unseen = 0;
  const mark = (op: number, delta: 1 | -1): void => {
    placed[op] = delta === 1 ? 1 : 0;
    for (const r of witnesses![op] ?? []) {
      witnessed[r] += delta;
      if (placed[r] === 0) unseen += delta;
    }
    for (const w of seenFrom![op]!) if (placed[w] === 1) unseen -= delta;
  };
  const mustSee = (read: number, op: number): boolean => witnessed[read]! > 0 || (witnesses?.[op]?.includes(read) ?? false);

  /**
   * False when `state`, reached by placing `op`, can no longer satisfy a read that must come
   * soon: one whose return is reached before any operation that could set the state to just
   * anything is invoked. A put met on the way is a second way to the read: then the read's
   * value must follow from the state or from one of those puts. Looks at the next few entries
   * only: the nearest reads constrain the most.
   */
  const viable = (op: number, state: unknown): boolean => {
    // The reads that must see this operation come before any write: the state must lead to them.
    const mustLeadTo = witnesses?.[op];
    if (mustLeadTo) for (const r of mustLeadTo) if (placed[r] === 0 && goals[r] !== undefined && !goals[r](state)) return false;
    let seen = 0;
    let fixed = 0;
    for (let e = next[head]!; e !== NIL && seen < LOOKAHEAD; e = next[e]!, seen++) {
      const o = e >> 1;
      if (o === op) continue;
      if ((e & 1) === 0) {
        if (resets[o] === 0) continue;
        if (fixedStates[o] === undefined || fixed === FIXED_KEPT) return true;
        fixedSeen[fixed++] = o;
        continue;
      }
      const goal = goals[o];
      if (goal === undefined || goal(state)) continue;
      // A read that must see an operation already in the state cannot wait for a write.
      if (witnesses && mustSee(o, op)) return false;
      let reachable = false;
      for (let k = 0; k < fixed && !reachable; k++) reachable = goal(fixedStates[fixedSeen[k]!]!.state);
      if (!reachable) return false;
    }
    return true;
  };
  const fixedSeen = new Int32Array(FIXED_KEPT);

  const words = (n + 31) >>> 5;
  const bits = new Uint32Array(words);
  const zobrist = zobristWords(n);
  const stateHash = codec.hash;
  const cache = new StateCache<unknown>(words, codec.equal, Math.min(4 * n, 1024));

  const stackEntry = new Int32Array(n);
  const stackNode = new Int32Array(n);
  const stackForced = new Uint8Array(n);
  const stackStates: unknown[] = new Array<unknown>(n);
  // Parent-pointer tree of pushes, so a dead end's prefix is saved in O(1).
  let nodeOp = new Int32Array(1024);
  let nodeParent = new Int32Array(1024);
  let nodes = 0;
  let top = 0;
  let hash = 0;
  let state = codec.init();
  let entry = next[head]!;
  let explored = 0;
  let best: { node: number; depth: number; state: unknown; blocked: number } | undefined;

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
    return { prefix, state: codec.toState(best.state) as S, blocked: best.blocked, candidates, candidateCount: count };
  };

  /** Pops the top operation and resumes after its call; false when the stack is empty. */
  const backtrack = (): boolean => {
    for (;;) {
      if (top === 0) return false;
      const call = stackEntry[--top]!;
      const op = call >> 1;
      state = stackStates[top];
      stackStates[top] = undefined;
      hash ^= zobrist[op]!;
      bits[op >>> 5]! &= ~(1 << (op & 31));
      mustPlace += known[op]!;
      if (witnesses) mark(op, -1);
      // Put the return, then the call, back where they were.
      const ret = call + 1;
      next[prev[ret]!] = ret;
      if (next[ret] !== NIL) prev[next[ret]!] = ret;
      next[prev[call]!] = call;
      if (next[call] !== NIL) prev[next[call]!] = call;
      entry = next[call]!;
      // A forced read stands for every alternative at its level: those failed with it.
      if (stackForced[top] === 0) return true;
    }
  };

  let finished: SearchOutcome<S> | undefined;
  return (deadlineNs, stepLimit = Infinity) => (finished ??= resume(deadlineNs, stepLimit)) ?? { verdict: "unknown", deadEnd: deadEnd(), explored };

  function resume(deadlineNs: number, stepLimit: number): SearchOutcome<S> | undefined {
    while (mustPlace > 0) {
      if ((++explored & CLOCK_EVERY) === 0 && (explored >= stepLimit || Number(monoNowNs()) > deadlineNs)) {
        return undefined;
      }
      if ((entry & 1) === 0) {
        const op = entry >> 1;
        const result = steps[op]!(state);
        if (result.ok && (unseen === 0 || resets[op] === 0 || result.state === state) && (!pruning || readOnly[op] === 1 || viable(op, result.state))) {
          const word = op >>> 5;
          const mask = 1 << (op & 31);
          bits[word]! |= mask;
          const h = hash ^ zobrist[op]!;
          const nextState = result.state;
          const key = stateHash === undefined ? h : h ^ stateHash(nextState);
          const forced = readOnly[op]!;
          if (cache.add(key, bits, nextState)) {
            if (nodes === nodeOp.length) {
              nodeOp = grow(nodeOp);
              nodeParent = grow(nodeParent);
            }
            nodeOp[nodes] = op;
            nodeParent[nodes] = top > 0 ? stackNode[top - 1]! : NIL;
            stackNode[top] = nodes++;
            stackEntry[top] = entry;
            stackForced[top] = forced;
            stackStates[top++] = state;
            state = nextState;
            hash = h;
            mustPlace -= known[op]!;
            if (witnesses) mark(op, 1);
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
          // Placing the read here was explored already and failed, so was everything else here.
          if (forced === 1) {
            if (!backtrack()) return { verdict: "illegal", deadEnd: deadEnd()!, explored };
            continue;
          }
        }
        entry = next[entry]!;
        continue;
      }
      // A return entry: its operation had to be placed by now, and could not be.
      if (!best || top > best.depth) best = { node: top > 0 ? stackNode[top - 1]! : NIL, depth: top, state, blocked: entry >> 1 };
      if (!backtrack()) return { verdict: "illegal", deadEnd: deadEnd()!, explored };
    }
    return { verdict: "ok", order: Array.from(stackEntry.subarray(0, top), (e) => e >> 1), explored };
  }
}

function grow(array: Int32Array): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(array.length * 2);
  bigger.set(array);
  return bigger;
}
