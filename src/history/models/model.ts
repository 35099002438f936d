import { FaultlineError, describeValue } from "../../common/errors";
import { formatValue } from "../describe";

/** What an operation asked for: its function and the value it was invoked with. */
export interface ModelInput<I = unknown> {
  readonly f: string;
  readonly value: I;
}

/**
 * What the operation returned. `known: false` for an indeterminate operation (`info`, or never
 * completed): it may have happened with any result, so the model applies its effect, if it
 * can have one, without checking a result.
 */
export type ModelOutput<O = unknown> = { readonly known: true; readonly value: O } | { readonly known: false };

/** The outcome of applying one operation to a state. */
export type StepResult<S> = { readonly ok: true; readonly state: S } | { readonly ok: false };

/** Partition key: operations with different keys never affect each other. */
export type PartitionKey = string | number;

/** A sequential specification of a data type, as the linearizability checker uses it. */
export interface ModelDefinition<S, I = unknown, O = unknown> {
  /** Name shown in verdicts. Default: `"model"`. */
  name?: string;
  /** The state before any operation. */
  init: () => S;
  /**
   * Applies `input` (with its result `output`) to `state`: `{ ok: true, state: next }` when the
   * result is what the data type would return, else {@link REJECT}. Must not mutate `state`.
   * Called millions of times by the search: keep it allocation-light.
   */
  step: (state: S, input: ModelInput<I>, output: ModelOutput<O>) => StepResult<S>;
  /**
   * Splits the history into independent parts checked separately (P-compositionality), e.g. by
   * key. Default: one part.
   */
  partition?: (input: ModelInput<I>) => PartitionKey;
  /** State equality for the search's cache. Default: {@link sameValue} (deep, nil-equal). */
  equal?: (a: S, b: S) => boolean;
  /**
   * State hash folded into the search's cache key; must agree with `equal` (equal states, equal
   * hashes). Default: without `equal`, a hash consistent with {@link sameValue}; with your own
   * `equal`, none, and then every state with the same operations placed is compared one by one,
   * which gets slow with many concurrent clients.
   */
  hash?: (state: S) => number;
  /** A state for people. Default: {@link formatValue}. */
  describe?: (state: S) => string;
  /**
   * Why `input`/`output` cannot follow `state`, for illegal verdicts: e.g. `needs 3, holds 4`.
   * Default: none (the verdict shows the state and the operation).
   */
  explain?: (state: S, input: ModelInput<I>, output: ModelOutput<O>) => string | undefined;
  /** Functions the model knows; others are rejected before the search. Default: any. */
  functions?: readonly string[];
  /**
   * True for operations that never change the state (reads): indeterminate ones are dropped
   * before the search because placing them can never matter. Default: none.
   */
  readOnly?: (input: ModelInput<I>) => boolean;
}

/** A model ready for the checker: {@link ModelDefinition} with its defaults filled in. */
export interface Model<S = unknown, I = unknown, O = unknown> {
  readonly name: string;
  init(): S;
  step(state: S, input: ModelInput<I>, output: ModelOutput<O>): StepResult<S>;
  // Method syntax on purpose: it keeps Model<number> assignable to Model<unknown>.
  partition?(input: ModelInput<I>): PartitionKey;
  equal(a: S, b: S): boolean;
  hash?(state: S): number;
  describe(state: S): string;
  explain?(state: S, input: ModelInput<I>, output: ModelOutput<O>): string | undefined;
  readonly functions?: readonly string[];
  readOnly?(input: ModelInput<I>): boolean;
  /** @internal The representation the search works on, where a model has a faster one. */
  readonly codec?: SearchCodec<S>;
}

/**
 * @internal How the search runs a model: its own state representation (which may differ from
 * the public one, e.g. strings kept as append chains), a step function prepared once per
 * operation, and a state hash consistent with `equal`. `toState` turns a search state back into
 * the model's public one for explanations.
 */
export interface SearchCodec<S, F = unknown> {
  init(): F;
  prepare(input: ModelInput, output: ModelOutput): (state: F) => StepResult<F>;
  equal(a: F, b: F): boolean;
  /** Undefined when the model has no hash: every state then shares one. */
  hash: ((state: F) => number) | undefined;
  toState(state: F): S;
  /**
   * For models whose states only grow under some operations (appends): whether `input` is
   * one of those, so that a state failing a read's {@link goal} fails it after the operation
   * too.
   */
  extending?(input: ModelInput): boolean;
  /**
   * For a read: a test every state must pass from which the read can still be satisfied when
   * only extending and read-only operations come before it (for an append register: the state
   * is a prefix of the value read). It may say yes wrongly, never no wrongly.
   */
  goal?(input: ModelInput, output: ModelOutput): ((state: F) => boolean) | undefined;
  /**
   * For an operation that is neither read-only nor extending: the state it leaves whatever the
   * state before (a put's value), or undefined when that depends on the state (a cas).
   */
  fixedState?(input: ModelInput, output: ModelOutput): { readonly state: F } | undefined;
  /**
   * The codec to use for one partition, knowing all its operations (e.g. which appended
   * values any read ever returns); undefined means this codec as it is.
   */
  forPartition?(inputs: readonly ModelInput[], outputs: readonly ModelOutput[]): SearchCodec<S, F>;
  /**
   * For a partition's codec: per operation, the reads that can only be satisfied with that
   * operation's effect in the state, which no operation replacing the state (a put) may
   * separate from it. For an append of a value nothing else could spell, the reads that
   * contain it. Undefined for operations with none.
   */
  readonly witnesses?: readonly (readonly number[] | undefined)[];
}

/** The one rejection object, shared so rejecting allocates nothing. */
export const REJECT: StepResult<never> = Object.freeze({ ok: false });

const MARK = Symbol.for("faultline.model");

/** Defines a model for `checkLinearizable` and `toBeLinearizable`. */
export function defineModel<S, I = unknown, O = unknown>(definition: ModelDefinition<S, I, O>): Model<S, I, O> {
  const bad = (option: string, expected: string, value: unknown): never => {
    throw new FaultlineError({ code: "FAULTLINE_INVALID_OPTION", option, message: `defineModel: expected ${expected}, received ${describeValue(value)}` });
  };
  if (typeof definition !== "object" || definition === null) bad("definition", "an object with init and step", definition);
  if (typeof definition.init !== "function") bad("init", "a function returning the initial state", definition.init);
  if (typeof definition.step !== "function") bad("step", "a function (state, input, output) => { ok, state }", definition.step);
  for (const key of ["partition", "equal", "hash", "describe", "explain", "readOnly"] as const) {
    if (definition[key] !== undefined && typeof definition[key] !== "function") bad(key, "a function", definition[key]);
  }
  const model: Model<S, I, O> = {
    name: definition.name ?? "model",
    init: definition.init,
    step: definition.step,
    partition: definition.partition,
    equal: definition.equal ?? sameValue,
    hash: definition.hash,
    describe: definition.describe ?? ((state: S) => formatValue(state)),
    explain: definition.explain,
    functions: definition.functions,
    readOnly: definition.readOnly,
  };
  Object.defineProperty(model, MARK, { value: true });
  return model;
}

/**
 * @internal The search's view of a model: its own codec, or its public functions, with
 * {@link hashValue} as the hash when states compare with the default {@link sameValue}.
 */
export function codecOf<S>(model: Model<S>): SearchCodec<S> {
  if (model.codec) return model.codec;
  const hash = model.hash ? (s: S) => model.hash!(s) : model.equal === sameValue ? hashValue : undefined;
  return {
    init: () => model.init(),
    prepare: (input, output) => (state) => model.step(state as S, input as ModelInput<never>, output as ModelOutput<never>) as StepResult<unknown>,
    equal: (a, b) => model.equal(a as S, b as S),
    hash: hash as ((state: unknown) => number) | undefined,
    toState: (state) => state as S,
  };
}

const NIL_HASH = 0x2f6b3c1d;
const NAN_HASH = 0x7ff80000;

/** @internal FNV-1a over UTF-16 code units. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

/**
 * @internal A 32-bit hash consistent with {@link sameValue}: values it calls equal hash
 * equally (nil and nil, NaN and NaN, 0 and -0, objects whatever their key order).
 */
export function hashValue(value: unknown): number {
  if (value === null || value === undefined) return NIL_HASH;
  switch (typeof value) {
    case "number":
      if (Number.isNaN(value)) return NAN_HASH;
      if (Number.isInteger(value) && Math.abs(value) < 2 ** 31) return Math.imul(value | 0, 0x9e3779b1) ^ 0x5bd1e995;
      return hashString(String(value === 0 ? 0 : value));
    case "string":
      return hashString(value);
    case "boolean":
      return value ? 0x3c6ef372 : 0x1b873593;
    case "object": {
      if (Array.isArray(value)) {
        let h = 0x6a09e667 ^ value.length;
        for (const item of value) h = (Math.imul(h, 31) + hashValue(item)) | 0;
        return h;
      }
      // Key order does not matter to sameValue, and a nil entry equals a missing one: a sum
      // over the entries that are not nil.
      let h = 0x510e527f;
      for (const [k, v] of Object.entries(value)) if (v != null) h = (h + (hashString(k) ^ Math.imul(hashValue(v), 0x85ebca6b))) | 0;
      return h;
    }
    default:
      return hashString(String(value));
  }
}

/** True for anything `defineModel` made, from any module registry. */
export function isModel(value: unknown): value is Model {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[MARK] === true;
}

/** `{ ok: true, state }`. */
export function accept<S>(state: S): StepResult<S> {
  return { ok: true, state };
}

/**
 * Value equality for results and states: nil (`null`/`undefined`) equals nil, NaN equals NaN,
 * arrays and plain objects compare by content.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || a === undefined) return b === null || b === undefined;
  if (typeof a !== "object" || typeof b !== "object" || b === null) return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (!sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  // And the other way, or { x: null } would equal { y: 5 }.
  for (const k of Object.keys(b)) if (!Object.hasOwn(a, k) && (b as Record<string, unknown>)[k] != null) return false;
  return true;
}

/** Reads `[x, y]` from an input value, or fails the check with a message naming the op. */
export function pairOf(value: unknown, what: string): readonly [unknown, unknown] {
  if (Array.isArray(value) && value.length === 2) return value as [unknown, unknown];
  throw new FaultlineError({
    code: "FAULTLINE_HISTORY",
    message: `${what} must be invoked with a pair [a, b], received ${describeValue(value)}`,
    hint: 'record cas as invoke("cas", [expected, next], …) and kv operations as [key, value]',
  });
}
