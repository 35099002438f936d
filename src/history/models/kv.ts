import { formatValue } from "../describe";
import { REJECT, accept, defineModel, pairOf, sameValue, type Model, type ModelInput, type ModelOutput, type PartitionKey } from "./model";
import { explainCas, stepCas } from "./cas-register";
import { explainReadWrite, isRead, stepReadWrite } from "./register";

/** Options of {@link kv}. */
export interface KvOptions<V> {
  /**
   * The value of a key never written. Default: `null` (nil). Porcupine's key-value histories
   * read missing keys as `""`: check those with `{ initial: "" }`.
   */
  initial?: V | null;
}

type KvState = unknown;

/** Jepsen's independent values are `[key, value]`; a result may also be the bare value. */
function resultOf(key: unknown, output: ModelOutput<unknown>): ModelOutput<unknown> {
  if (!output.known) return output;
  const v = output.value;
  return Array.isArray(v) && v.length === 2 && sameValue(v[0], key) ? { known: true, value: v[1] } : output;
}

function append(state: unknown, value: unknown): unknown {
  if (state === null || state === undefined) return Array.isArray(value) ? value : typeof value === "string" ? value : [value];
  if (typeof state === "string") return state + String(value);
  if (Array.isArray(state)) return state.concat(Array.isArray(value) ? value : [value]);
  return REJECT;
}

function keyOf(input: ModelInput<unknown>): PartitionKey {
  const key = pairOf(input.value, `kv ${input.f}`)[0];
  return typeof key === "number" || typeof key === "string" ? key : JSON.stringify(key);
}

/**
 * A key-value store where every key is an independent register, checked key by key
 * (P-compositionality makes this exponentially cheaper than checking the store as one).
 * Operations are invoked with `[key, value]`: `read`/`get` (value nil; result the value or
 * `[key, value]`), `write`/`put`, `append` (string concatenation, or array concatenation),
 * and `cas` with `[key, [expected, next]]`.
 */
export function kv<V = unknown>(options: KvOptions<V> = {}): Model<KvState> {
  const initial = options.initial ?? null;
  return defineModel<KvState>({
    name: "kv",
    init: () => initial,
    partition: keyOf,
    step: (state, input, output) => {
      const [key, value] = pairOf(input.value, `kv ${input.f}`);
      const result = resultOf(key, output);
      if (input.f === "append") {
        const next = append(state, value);
        return next === REJECT ? REJECT : accept(next);
      }
      if (input.f === "cas") return stepCas(state, pairOf(value, "kv cas value"), result);
      return stepReadWrite(state, input, value, result) ?? REJECT;
    },
    explain: (state, input, output) => {
      const [key, value] = pairOf(input.value, `kv ${input.f}`);
      const what = `key ${formatValue(key)}`;
      if (input.f === "cas") return explainCas(state, pairOf(value, "kv cas value"), resultOf(key, output), what);
      if (input.f === "append") return `cannot append to ${what}, which holds ${formatValue(state)}`;
      return explainReadWrite(state, input, resultOf(key, output), what);
    },
    functions: ["read", "r", "get", "write", "w", "put", "set", "append", "cas"],
    readOnly: isRead,
  });
}
