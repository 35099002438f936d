import { formatValue } from "../describe";
import { REJECT, accept, defineModel, type Model, type StepResult } from "./model";
import { DEQUEUES, ENQUEUES } from "./fifo-queue";
import { elementKey } from "./set";

/** One possible content: element keys, sorted, duplicates kept (a multiset). */
type Bag = readonly string[];

/**
 * Every content the queue may have. A dequeue whose result is unknown removes *some* element,
 * so the model keeps all the possibilities rather than guessing one (the power-set
 * construction that turns a non-deterministic model into a deterministic one).
 */
export type UnorderedQueueState = readonly Bag[];

function without(bag: Bag, i: number): Bag {
  return [...bag.slice(0, i), ...bag.slice(i + 1)];
}

function withElement(bag: Bag, key: string): Bag {
  const i = bag.findIndex((k) => k > key);
  return i < 0 ? [...bag, key] : [...bag.slice(0, i), key, ...bag.slice(i)];
}

/** Sorted and de-duplicated, so equal possibilities make equal states. */
function normalise(bags: Bag[]): StepResult<UnorderedQueueState> {
  if (bags.length === 0) return REJECT;
  const unique = new Map<string, Bag>();
  for (const bag of bags) unique.set(bag.join("\u0000"), bag);
  return accept([...unique.keys()].sort().map((k) => unique.get(k)!));
}

function equalStates(a: UnorderedQueueState, b: UnorderedQueueState): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.length !== y.length) return false;
    for (let j = 0; j < x.length; j++) if (x[j] !== y[j]) return false;
  }
  return true;
}

/**
 * A queue that may deliver elements in any order (each at most once). Operations: `enqueue`
 * (invoke with the element) and `dequeue` (returns an element, or nil when empty).
 */
export function unorderedQueue(): Model<UnorderedQueueState> {
  return defineModel<UnorderedQueueState>({
    name: "unordered-queue",
    init: () => [[]],
    step: (state, input, output) => {
      if (ENQUEUES.has(input.f)) {
        const key = elementKey(input.value);
        return normalise(state.map((bag) => withElement(bag, key)));
      }
      if (!DEQUEUES.has(input.f)) return REJECT;
      const next: Bag[] = [];
      if (!output.known) {
        for (const bag of state) {
          if (bag.length === 0) next.push(bag);
          for (let i = 0; i < bag.length; i++) if (i === 0 || bag[i] !== bag[i - 1]) next.push(without(bag, i));
        }
      } else if (output.value === null || output.value === undefined) {
        for (const bag of state) if (bag.length === 0) next.push(bag);
      } else {
        const key = elementKey(output.value);
        for (const bag of state) {
          const i = bag.indexOf(key);
          if (i >= 0) next.push(without(bag, i));
        }
      }
      return normalise(next);
    },
    equal: equalStates,
    describe: (state) => state.map((bag) => `{${bag.join(" ")}}`).join(" or "),
    explain: (state, input, output) => {
      if (!DEQUEUES.has(input.f) || !output.known) return undefined;
      const what = output.value === null || output.value === undefined ? "found the queue empty" : `dequeued ${formatValue(output.value)}`;
      return `${what}, but the queue holds ${state.map((bag) => `{${bag.join(" ")}}`).join(" or ")}`;
    },
    functions: [...ENQUEUES, ...DEQUEUES],
  });
}
