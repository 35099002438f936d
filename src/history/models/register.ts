import { formatValue } from "../describe";
import { REJECT, accept, defineModel, sameValue, type Model, type ModelInput, type ModelOutput, type StepResult } from "./model";

/** Options of {@link register} and `casRegister`. */
export interface RegisterOptions<V> {
  /** The value before any write. Default: `null` (nil, as Jepsen's registers start). */
  initial?: V | null;
}

const READS = new Set(["read", "r", "get"]);
const WRITES = new Set(["write", "w", "put", "set"]);

/** @internal Shared by register, casRegister and kv: read and write on a single value. */
export function stepReadWrite<V>(state: V, input: ModelInput<unknown>, value: unknown, output: ModelOutput<unknown>): StepResult<V> | undefined {
  if (READS.has(input.f)) return !output.known || sameValue(output.value, state) ? accept(state) : REJECT;
  if (WRITES.has(input.f)) return accept(value as V);
  return undefined;
}

/** @internal Explains a rejected read; writes are never rejected. */
export function explainReadWrite(state: unknown, input: ModelInput<unknown>, output: ModelOutput<unknown>, what: string): string | undefined {
  if (READS.has(input.f) && output.known)
    return `read ${formatValue(output.value)}, so ${what} must hold ${formatValue(output.value)}; it holds ${formatValue(state)}`;
  return undefined;
}

/** @internal */
export function isWrite(input: ModelInput<unknown>): boolean {
  return WRITES.has(input.f);
}

/** @internal */
export function isRead(input: ModelInput<unknown>): boolean {
  return READS.has(input.f);
}

/**
 * A single read/write register. Operations: `read` (returns the value; invoke with nil),
 * `write` (invoke with the value). Aliases: `r`/`get`, `w`/`put`/`set`.
 */
export function register<V = unknown>(options: RegisterOptions<V> = {}): Model<V | null> {
  const initial = options.initial ?? null;
  return defineModel<V | null>({
    name: "register",
    init: () => initial,
    step: (state, input, output) => stepReadWrite(state, input, input.value, output) ?? REJECT,
    explain: (state, input, output) => explainReadWrite(state, input, output, "the register"),
    functions: [...READS, ...WRITES],
    readOnly: isRead,
  });
}
