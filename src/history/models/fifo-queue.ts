import { formatValue } from "../describe";
import { REJECT, accept, defineModel, sameValue, type Model } from "./model";

export const ENQUEUES: ReadonlySet<string> = new Set(["enqueue", "push", "offer"]);
export const DEQUEUES: ReadonlySet<string> = new Set(["dequeue", "pop", "poll"]);

/**
 * A first-in first-out queue. Operations: `enqueue` (invoke with the element) and `dequeue`
 * (returns the head, or nil when the queue was empty).
 */
export function fifoQueue(): Model<readonly unknown[]> {
  return defineModel<readonly unknown[]>({
    name: "fifo-queue",
    init: () => [],
    step: (state, input, output) => {
      if (ENQUEUES.has(input.f)) return accept([...state, input.value]);
      if (!DEQUEUES.has(input.f)) return REJECT;
      if (!output.known) return accept(state.length ? state.slice(1) : state);
      if (output.value === null || output.value === undefined) return state.length === 0 ? accept(state) : REJECT;
      return state.length > 0 && sameValue(state[0], output.value) ? accept(state.slice(1)) : REJECT;
    },
    explain: (state, input, output) => {
      if (!DEQUEUES.has(input.f) || !output.known) return undefined;
      return `dequeued ${formatValue(output.value)}, but the head of the queue is ${state.length ? formatValue(state[0]) : "nothing (empty)"}`;
    },
    functions: [...ENQUEUES, ...DEQUEUES],
  });
}
