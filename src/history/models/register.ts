import { formatValue } from "../describe";
import { toEdn } from "../formats/edn";
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

/** Values a store commonly returns for something never written. */
function looksInitial(value: unknown): boolean {
  return value === null || value === undefined || value === "" || value === 0 || (Array.isArray(value) && value.length === 0);
}

/**
 * @internal Explains a rejected read; writes are never rejected. A read of what looks like an
 * unwritten value, other than the model's initial one, may be a wrong initial value rather
 * than a bug: the explanation says so.
 */
export function explainReadWrite(
  state: unknown,
  input: ModelInput<unknown>,
  output: ModelOutput<unknown>,
  what: string,
  initial: unknown = null,
): string | undefined {
  if (!READS.has(input.f) || !output.known) return undefined;
  const read = output.value;
  let text = `read ${formatValue(read)}, so ${what} must hold ${formatValue(read)}; it holds ${formatValue(state)}`;
  if (looksInitial(read) && !sameValue(read, initial)) {
    text +=
      `. This verdict depends on the initial value, ${formatValue(initial)}: if the store reads a value never written as ${formatValue(read)},` +
      ` check with { initial: ${formatValue(read)} } (faultline check --initial '${toEdn(read)}')`;
  }
  return text;
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
    explain: (state, input, output) => explainReadWrite(state, input, output, "the register", initial),
    functions: [...READS, ...WRITES],
    readOnly: isRead,
  });
}
