import { formatValue } from "../describe";
import { REJECT, accept, defineModel, type Model } from "./model";

/** Options of {@link counter}. */
export interface CounterOptions {
  /** The value before any increment. Default: 0. */
  initial?: number;
}

const ADDS = new Set(["add", "increment", "incr"]);

function delta(value: unknown): number {
  return value === null || value === undefined ? 1 : Number(value);
}

/**
 * A counter. Operations: `add`/`increment` (invoke with the amount, nil meaning 1; negative
 * amounts decrement) and `read` (returns the value).
 */
export function counter(options: CounterOptions = {}): Model<number> {
  const initial = options.initial ?? 0;
  return defineModel<number>({
    name: "counter",
    init: () => initial,
    step: (state, input, output) => {
      if (ADDS.has(input.f)) return accept(state + delta(input.value));
      if (input.f === "read") return !output.known || Number(output.value) === state ? accept(state) : REJECT;
      return REJECT;
    },
    equal: (a, b) => a === b,
    hash: (state) => Math.imul(state | 0, 0x9e3779b1),
    explain: (state, input, output) => (input.f === "read" && output.known ? `read ${formatValue(output.value)}, but the counter holds ${state}` : undefined),
    functions: [...ADDS, "read"],
    readOnly: (input) => input.f === "read",
  });
}
