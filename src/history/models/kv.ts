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
    return (state) => state instanceof AppendChain && !state.poisoned && state.equalsValue(piece);
  }
  return (state) => !(state instanceof AppendChain) && sameValue(state, expected);
}

/** Values read or compared against, past which looking for a piece costs more than it saves. */
const SEEN_CHARS_KEPT = 1 << 24;

/**
 * Whether an appended piece could ever be read back in this partition: some read's result, or
 * some cas's expected value, contains it (as a substring, or for arrays, holds its first
 * element). A piece nothing contains is never read back, so every state holding it fails
 * every read and compare until a write replaces it. May say yes wrongly, never no wrongly.
 */
function observability(inputs: readonly ModelInput[], outputs: readonly ModelOutput[]): (piece: string | readonly unknown[]) => boolean {
  const texts = new Set<string>();
  const items = new Set<number>();
  let chars = 0;
  const see = (value: unknown): void => {
    if (typeof value === "string") {
      if (!texts.has(value)) chars += value.length + 1;
      texts.add(value);
    } else if (Array.isArray(value)) for (const item of value) items.add(hashValue(item));
  };
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i]!;
    const [key, value] = pairOf(input.value, `kv ${input.f}`);
    if (isRead(input)) {
      const result = resultOf(key, outputs[i]!);
      if (result.known) see(result.value);
    } else if (input.f === "cas") see(pairOf(value, "kv cas value")[0]);
  }
  if (chars > SEEN_CHARS_KEPT) return () => true;
  const SEPARATOR = "\u0000";
  const seen = [...texts].join(SEPARATOR);
  return (piece) => {
    if (piece.length === 0) return true;
    if (typeof piece === "string") return piece.includes(SEPARATOR) || seen.includes(piece);
    return items.has(hashValue(piece[0]));
  };
}

const POISON_HASH = 0x5bd1e995;

/** Appended strings past which working out which reads must contain them is not tried. */
const WITNESS_PIECES_KEPT = 2048;

/**
 * For each append of a string that can occur in a value only where that append put it — no
 * other append, put, cas or the initial value contains it, has it as a prefix, or ends with a
 * beginning of it — the reads whose value contains it: each of those saw that very append,
 * with no write replacing the value in between.
 */
function witnessesOf(inputs: readonly ModelInput[], outputs: readonly ModelOutput[], initial: unknown): (readonly number[] | undefined)[] | undefined {
  const appended = new Map<string, number>();
  const others: string[] = typeof initial === "string" ? [initial] : [];
  const reads: { op: number; value: string }[] = [];
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i]!;
    const [key, value] = pairOf(input.value, `kv ${input.f}`);
    if (isRead(input)) {
      const result = resultOf(key, outputs[i]!);
      if (result.known && typeof result.value === "string") reads.push({ op: i, value: result.value });
    } else if (input.f === "append") {
      const text = isSequence(value) ? (typeof value === "string" ? value : undefined) : String(value);
      if (text === undefined) return undefined;
      if (appended.has(text)) others.push(text);
      appended.set(text, appended.has(text) ? -1 : i);
    } else if (input.f === "cas") {
      for (const v of pairOf(value, "kv cas value")) if (typeof v === "string") others.push(v);
    } else if (typeof value === "string") others.push(value);
  }
  if (appended.size > WITNESS_PIECES_KEPT || reads.length === 0) return undefined;
  const values = [...appended.keys(), ...others];
  const whole = new Set(values);
  // Only tails shorter than some appended string can begin one.
  const longest = Math.max(...[...appended.keys()].map((v) => v.length));
  const tails = new Set<string>();
  for (const v of values) for (let k = Math.max(1, v.length - longest + 1); k < v.length; k++) tails.add(v.slice(k));
  const spellable = (piece: string): boolean => {
    for (let k = 1; k < piece.length; k++) {
      const head = piece.slice(0, k);
      if (whole.has(head) || tails.has(head)) return true;
    }
    return values.some((v) => v !== piece && v.includes(piece)) || others.some((v) => v.includes(piece));
  };
  const witnesses: (readonly number[] | undefined)[] = new Array(inputs.length).fill(undefined);
  let any = false;
  for (const [piece, op] of appended) {
    if (op < 0 || piece.length === 0 || spellable(piece)) continue;
    const seenBy = reads.filter((r) => r.value.includes(piece)).map((r) => r.op);
    if (seenBy.length > 0) {
      witnesses[op] = seenBy;
      any = true;
    }
  }
  return any ? witnesses : undefined;
}

/**
 * The search's kv: each operation's key, value, result, piece hashes and state test worked out
 * once, and values built by appends kept as chains, so an append or a read of a long value
 * neither copies nor rehashes it.
 */
function kvCodec(
  initial: unknown,
  observable?: (piece: string | readonly unknown[]) => boolean,
  witnesses?: readonly (readonly number[] | undefined)[],
): SearchCodec<KvState> {
  const identity = (state: Fast): StepResult<Fast> => accept(state);
  return {
    init: () => toFast(initial),
    forPartition: (inputs, outputs) => kvCodec(initial, observability(inputs, outputs), witnessesOf(inputs, outputs, initial)),
    witnesses,
    prepare: (input, output): ((state: Fast) => StepResult<Fast>) => {
      const [key, value] = pairOf(input.value, `kv ${input.f}`);
      const result = resultOf(key, output);
      if (input.f === "append") {
        // Worked out on first use: most histories append to strings only, or arrays only.
        const unseen = (piece: Piece): boolean => observable !== undefined && !observable(piece.value);
        let fresh: Fast | undefined;
        let text: { piece: Piece; poison: boolean } | undefined;
        let items: { piece: Piece; poison: boolean } | undefined;
        const piece = (value: string | readonly unknown[]): { piece: Piece; poison: boolean } => {
          const p = pieceOf(value);
          return { piece: p, poison: unseen(p) };
        };
        return (state) => {
          if (state === null) {
            if (fresh === undefined) {
              const first = isSequence(value) ? value : [value];
              fresh = observable !== undefined && !observable(first) ? AppendChain.poisonedOf(first) : AppendChain.of(first);
            }
            return accept(fresh);
          }
          if (!(state instanceof AppendChain)) return REJECT;
          const next = state.isString ? (text ??= piece(String(value))) : (items ??= piece(Array.isArray(value) ? value : [value]));
          return accept(state.append(next.piece, next.poison));
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
    // Poisoned chains are all alike: no read or compare can tell them apart (see observability).
    equal: (a, b) =>
      a instanceof AppendChain
        ? b instanceof AppendChain && (a.poisoned || b.poisoned ? a.poisoned && b.poisoned : a.equals(b))
        : !(b instanceof AppendChain) && sameValue(a, b),
    hash: (state) => (state instanceof AppendChain ? (state.poisoned ? POISON_HASH : state.hash) : hashValue(state)),
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
        if (state.poisoned) return false;
        prefixes ??= prefixHashes(read);
        return state.isString === isString && state.length < prefixes.length && state.hash === prefixes[state.length];
      };
    },
  };
}
