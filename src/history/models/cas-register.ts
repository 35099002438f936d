import { formatValue } from "../describe";
import { REJECT, accept, defineModel, pairOf, sameValue, type Model, type ModelInput, type ModelOutput, type StepResult } from "./model";
import { explainReadWrite, isRead, stepReadWrite, type RegisterOptions } from "./register";

const CAS = "cas";

/**
 * @internal Compare-and-set on a single value. An `ok` cas whose result is `false` reports a
 * compare that did not match (no effect); any other `ok` result is a successful swap.
 * Indeterminate cas takes effect only when it would have matched: a cas that does not match
 * changes nothing, the same as never happening.
 */
export function stepCas<V>(state: V, pair: readonly [unknown, unknown], output: ModelOutput<unknown>): StepResult<V> {
  const matches = sameValue(state, pair[0]);
  if (output.known && output.value === false) return matches ? REJECT : accept(state);
  return matches ? accept(pair[1] as V) : REJECT;
}

/** @internal */
export function explainCas(state: unknown, pair: readonly [unknown, unknown], output: ModelOutput<unknown>, what: string): string {
  if (output.known && output.value === false) return `cas reported no match for ${formatValue(pair[0])}, but ${what} held exactly that`;
  return `cas ${formatValue(pair[0])} → ${formatValue(pair[1])} needs ${what} to hold ${formatValue(pair[0])}; it holds ${formatValue(state)}`;
}

function casPair(input: ModelInput<unknown>): readonly [unknown, unknown] {
  return pairOf(input.value, "cas");
}

/**
 * A compare-and-set register, Jepsen's `cas-register`. Operations: `read`, `write`, and `cas`
 * invoked with `[expected, next]`; a cas whose compare failed is recorded `fail` (Jepsen's
 * convention) or `ok` with the result `false`.
 */
export function casRegister<V = unknown>(options: RegisterOptions<V> = {}): Model<V | null> {
  const initial = options.initial ?? null;
  return defineModel<V | null>({
    name: "cas-register",
    init: () => initial,
    step: (state, input, output) => {
      if (input.f === CAS) return stepCas(state, casPair(input), output);
      return stepReadWrite(state, input, input.value, output) ?? REJECT;
    },
    explain: (state, input, output) =>
      input.f === CAS ? explainCas(state, casPair(input), output, "the register") : explainReadWrite(state, input, output, "the register", initial),
    functions: ["read", "r", "get", "write", "w", "put", "set", CAS],
    readOnly: isRead,
  });
}
