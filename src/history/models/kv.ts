import { formatValue } from "../describe";
import { AppendChain, pieceOf, prefixHashes, type Piece } from "./append-chain";
import {
  REJECT,
  accept,
  defineModel,
  hashValue,
  pairOf,
  sameValue,
  type Model,
  type ModelInput,
  type ModelOutput,
  type PartitionKey,
  type SearchCodec,
  type StepResult,
} from "./model";
import { explainCas, stepCas } from "./cas-register";
import { explainReadWrite, isRead, isWrite, stepReadWrite } from "./register";

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
  const model = defineModel<KvState>({
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
      return explainReadWrite(state, input, resultOf(key, output), what, initial);
    },
    functions: ["read", "r", "get", "write", "w", "put", "set", "append", "cas"],
    readOnly: isRead,
  });
  return Object.assign(model, { codec: kvCodec(initial) });
}

/** A kv state in the search: strings and arrays are {@link AppendChain}s, anything else as is. */
type Fast = unknown;

const isSequence = (v: unknown): v is string | readonly unknown[] => typeof v === "string" || Array.isArray(v);
const toFast = (v: unknown): Fast => (isSequence(v) ? AppendChain.of(v) : (v ?? null));

/** A test for "the state equals `expected`", prepared once. */
function equalsTo(expected: unknown): (state: Fast) => boolean {
  if (isSequence(expected)) {
    const piece = pieceOf(expected);
    return (state) => state instanceof AppendChain && state.equalsValue(piece);
  }
  return (state) => !(state instanceof AppendChain) && sameValue(state, expected);
}

/**
 * The search's kv: each operation's key, value, result, piece hashes and state test worked out
 * once, and values built by appends kept as chains, so an append or a read of a long value
 * neither copies nor rehashes it.
 */
function kvCodec(initial: unknown): SearchCodec<KvState> {
  const identity = (state: Fast): StepResult<Fast> => accept(state);
  return {
    init: () => toFast(initial),
    prepare: (input, output): ((state: Fast) => StepResult<Fast>) => {
      const [key, value] = pairOf(input.value, `kv ${input.f}`);
      const result = resultOf(key, output);
      if (input.f === "append") {
        // Worked out on first use: most histories append to strings only, or arrays only.
        let fresh: Fast | undefined;
        let text: Piece | undefined;
        let items: Piece | undefined;
        return (state) => {
          if (state === null) return accept((fresh ??= toFast(isSequence(value) ? value : [value])));
          if (!(state instanceof AppendChain)) return REJECT;
          if (state.isString) return accept(state.append((text ??= pieceOf(String(value)))));
          return accept(state.append((items ??= pieceOf(Array.isArray(value) ? value : [value]))));
        };
      }
      if (input.f === "cas") {
        const [expected, next] = pairOf(value, "kv cas value");
        const matches = equalsTo(expected);
        const swapped = toFast(next);
        if (result.known && result.value === false) return (state) => (matches(state) ? REJECT : accept(state));
        return (state) => (matches(state) ? accept(swapped) : REJECT);
      }
      if (isRead(input)) {
        if (!result.known) return identity;
        const matches = equalsTo(result.value);
        return (state) => (matches(state) ? accept(state) : REJECT);
      }
      if (isWrite(input)) {
        const written = toFast(value);
        return () => accept(written);
      }
      return () => REJECT;
    },
    equal: (a, b) => (a instanceof AppendChain ? b instanceof AppendChain && a.equals(b) : !(b instanceof AppendChain) && sameValue(a, b)),
    hash: (state) => (state instanceof AppendChain ? state.hash : hashValue(state)),
    toState: (state) => (state instanceof AppendChain ? state.value() : state),
    extending: (input) => input.f === "append",
    fixedState: (input) => (isWrite(input) ? { state: toFast(pairOf(input.value, `kv ${input.f}`)[1]) } : undefined),
    goal: (input, output) => {
      if (!isRead(input)) return undefined;
      const result = resultOf(pairOf(input.value, `kv ${input.f}`)[0], output);
      if (!result.known || !isSequence(result.value)) return undefined;
      const isString = typeof result.value === "string";
      const read = result.value;
      let prefixes: Int32Array | undefined;
      // Appends only lengthen a value: one that is not a prefix of the read never becomes it.
      return (state) => {
        if (!(state instanceof AppendChain)) return true;
        prefixes ??= prefixHashes(read);
        return state.isString === isString && state.length < prefixes.length && state.hash === prefixes[state.length];
      };
    },
  };
}
