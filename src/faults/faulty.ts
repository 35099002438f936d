import { StringDecoder } from "node:string_decoder";
import { toMs, type Duration } from "../common/duration";
import { FaultlineError, describeValue } from "../common/errors";
import { sleep } from "../common/timers";
import type { ActiveFault, Fault, FaultContext } from "../cluster/fault";
import { nodeStyleError } from "./http-fault";

/** When an injected error or hang happens relative to the real call. */
export interface FailureTiming {
  /**
   * "before": the wrapped method is never called (the request was lost on the way).
   * "after": it runs to completion and its result is lost (the effect happened, the caller cannot
   * know: Jepsen's indeterminate `info`). Default "before".
   */
  when?: "before" | "after";
}

/** What a failing call does. */
export type FaultyFailure =
  | { readonly kind: "error"; readonly code: string; readonly when: "before" | "after" }
  | { readonly kind: "timeout"; readonly ms: number; readonly when: "before" | "after" }
  | { readonly kind: "partialRead"; readonly maxBytes: number };

/** How a {@link faulty} wrapper behaves; build one with {@link modes}. */
export type FaultyMode =
  | { readonly kind: "healthy" }
  | { readonly kind: "failEveryNth"; readonly n: number; readonly failure: FaultyFailure }
  | { readonly kind: "failAfterN"; readonly n: number; readonly failure: FaultyFailure }
  | FaultyFailure;

/** Mode factories. Counts (`Nth`, `afterN`) start from the moment the mode is set. */
export const modes = {
  /** Every call goes through untouched. */
  healthy: (): FaultyMode => ({ kind: "healthy" }),
  /** Calls n, 2n, 3n, … fail with `failure` (default an ECONNRESET error); the others go through. */
  failEveryNth: (n: number, failure: FaultyFailure = modes.error("ECONNRESET")): FaultyMode => ({
    kind: "failEveryNth",
    n: count("failEveryNth", n),
    failure,
  }),
  /** The first n calls go through; every later one fails with `failure` (default an ECONNRESET error). */
  failAfterN: (n: number, failure: FaultyFailure = modes.error("ECONNRESET")): FaultyMode => ({
    kind: "failAfterN",
    n: count("failAfterN", n, 0),
    failure,
  }),
  /** Rejects with an Error whose `code` is `code` (e.g. "ECONNRESET", "EIO"), shaped like Node's. */
  error: (code: string, timing: FailureTiming = {}): FaultyFailure => ({ kind: "error", code: errorCode(code), when: timing.when ?? "before" }),
  /**
   * The call hangs for `ms`, then rejects with an ETIMEDOUT error, as a client-side read timeout
   * would. `Infinity` hangs for good: the promise never settles, like a dependency that never
   * answers and a client with no timeout. Waits run on real timers, immune to `jest.useFakeTimers()`.
   */
  timeout: (ms: Duration, timing: FailureTiming = {}): FaultyFailure => ({
    kind: "timeout",
    ms: ms === Infinity ? Infinity : toMs(ms, { option: "timeout" }),
    when: timing.when ?? "before",
  }),
  /** The call runs; a string, Buffer, Uint8Array or ArrayBuffer result is cut to `maxBytes` (UTF-8 for strings). */
  partialRead: (maxBytes: number): FaultyFailure => ({ kind: "partialRead", maxBytes: count("partialRead", maxBytes, 0) }),
} as const;

/** Counters of a {@link faulty} wrapper. */
export interface FaultyStats {
  /** Calls of wrapped methods. */
  calls: number;
  /** Calls that got an injected error or hang. */
  failures: number;
  /** Results actually cut by partialRead. */
  truncated: number;
  byMethod: Record<string, { calls: number; failures: number }>;
}

/** The handle on a {@link faulty} wrapper, at `wrapper.faulty`. */
export interface FaultyControl<T extends object> {
  readonly mode: FaultyMode;
  /** Switches behaviour at once, restarting the mode's call count. */
  setMode(mode: FaultyMode | "healthy"): void;
  /** A snapshot of the counters. */
  readonly stats: FaultyStats;
  resetStats(): void;
  /** The wrapped object itself. */
  readonly target: T;
  /** A {@link Fault} (kind "faulty") that sets `mode` on apply and puts the previous mode back on heal. */
  fault(mode: FaultyMode): Fault;
}

/** Options of {@link faulty}. */
export interface FaultyOptions {
  /** Only these methods misbehave (and count); default: every function property. */
  methods?: readonly string[];
  /** A name for fault descriptions and the timeline. Default "object". */
  name?: string;
}

/** The wrapped object's own type plus the `faulty` control handle. */
export type Faulty<T extends object> = T & { readonly faulty: FaultyControl<T> };

const NEVER_WRAPPED = new Set<PropertyKey>(["then", "toString", "toJSON", "valueOf", "toLocaleString"]);

/**
 * Wraps an object with async methods (a storage origin, a client) so its calls fail on demand:
 *
 * ```ts
 * const storage = faulty(origin);                       // healthy
 * storage.faulty.setMode(modes.failEveryNth(3));         // every 3rd call rejects with ECONNRESET
 * await using _ = await cluster.inject(storage.faulty.fault(modes.timeout("2s")));
 * ```
 *
 * Methods run with the real object as `this` (private fields work; internal calls are not
 * counted). Failures are delivered as rejected promises, so wrap async methods only (narrow with
 * `methods` when the object also has synchronous ones).
 */
export function faulty<T extends object>(target: T, mode: FaultyMode | "healthy" = "healthy", options: FaultyOptions = {}): Faulty<T> {
  if ("faulty" in target) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: 'faulty() cannot wrap an object that already has a "faulty" property',
      hint: "wrap an object without that member, or wrap a thin adapter around it",
      option: "target",
    });
  }
  const name = options.name ?? "object";
  const allowed = options.methods ? new Set<PropertyKey>(options.methods) : undefined;
  let current = normalize(mode);
  let seen = 0;
  let stats = emptyStats();

  const invoke = (method: string, fn: (...args: unknown[]) => unknown, args: unknown[]): unknown => {
    const n = ++seen;
    const perMethod = (stats.byMethod[method] ??= { calls: 0, failures: 0 });
    stats.calls++;
    perMethod.calls++;
    const failure = pick(current, n);
    if (failure === undefined) return fn.apply(target, args);
    if (failure.kind === "partialRead") {
      const cut = (value: unknown): unknown => {
        const result = truncate(value, failure.maxBytes);
        if (result !== value) stats.truncated++;
        return result;
      };
      const result = fn.apply(target, args);
      return isThenable(result) ? Promise.resolve(result).then(cut) : cut(result);
    }
    stats.failures++;
    perMethod.failures++;
    const before = failure.when === "before" ? Promise.resolve() : Promise.resolve().then(() => fn.apply(target, args));
    return before.then(async () => {
      if (failure.kind === "timeout") await hang(failure.ms);
      throw nodeStyleError(failure.kind === "timeout" ? "ETIMEDOUT" : failure.code);
    });
  };

  const control: FaultyControl<T> = {
    get mode() {
      return current;
    },
    setMode(next) {
      current = normalize(next);
      seen = 0;
    },
    get stats() {
      return structuredClone(stats);
    },
    resetStats() {
      stats = emptyStats();
    },
    target,
    fault: (faultMode) => modeFault(control, faultMode, name),
  };

  const wrappers = new Map<PropertyKey, { fn: unknown; wrapper: unknown }>();
  return new Proxy(target, {
    get(object, property) {
      if (property === "faulty") return control;
      // The real object as receiver, so getters and private fields behave as without the proxy.
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== "function" || property === "constructor") return value;
      const cached = wrappers.get(property);
      if (cached?.fn === value) return cached.wrapper;
      const fn = value as (...args: unknown[]) => unknown;
      const misbehaves = typeof property === "string" && !NEVER_WRAPPED.has(property) && (allowed === undefined || allowed.has(property));
      // Methods left alone are still bound to the real object: called through the proxy, `this`
      // would be the proxy and private fields would throw.
      const wrapper = misbehaves ? (...args: unknown[]): unknown => invoke(property, fn, args) : fn.bind(object);
      wrappers.set(property, { fn: value, wrapper });
      return wrapper;
    },
    has(object, property) {
      return property === "faulty" || Reflect.has(object, property);
    },
  }) as Faulty<T>;
}

function modeFault<T extends object>(control: FaultyControl<T>, mode: FaultyMode, name: string): Fault {
  const description = `faulty ${name}: ${describeMode(mode)}`;
  return {
    kind: "faulty",
    describe: () => description,
    async apply(_cluster: unknown, context: FaultContext): Promise<ActiveFault> {
      const previous = control.mode;
      control.setMode(mode);
      let healed = false;
      const active: ActiveFault = {
        id: context.id,
        kind: "faulty",
        description,
        targets: [],
        get healed() {
          return healed;
        },
        async heal() {
          if (healed) return;
          healed = true;
          control.setMode(previous);
        },
        [Symbol.asyncDispose]: () => active.heal(),
      };
      return active;
    },
  };
}

/** One line for people: `fail every 3rd call with ECONNRESET`. */
export function describeMode(mode: FaultyMode): string {
  switch (mode.kind) {
    case "healthy":
      return "healthy";
    case "failEveryNth":
      return `fail ${mode.n === 1 ? "every" : `every ${ordinal(mode.n)}`} call with ${describeMode(mode.failure)}`;
    case "failAfterN":
      return `fail every call after the first ${mode.n} with ${describeMode(mode.failure)}`;
    case "error":
      return `${mode.code}${mode.when === "after" ? " after the call ran" : ""}`;
    case "timeout":
      return mode.ms === Infinity ? "a hang" : `a timeout after ${mode.ms}ms`;
    case "partialRead":
      return `results cut to ${mode.maxBytes} bytes`;
  }
}

function pick(mode: FaultyMode, n: number): FaultyFailure | undefined {
  switch (mode.kind) {
    case "healthy":
      return undefined;
    case "failEveryNth":
      return n % mode.n === 0 ? mode.failure : undefined;
    case "failAfterN":
      return n > mode.n ? mode.failure : undefined;
    default:
      return mode;
  }
}

function hang(ms: number): Promise<void> {
  // setTimeout cannot wait longer than 2^31-1 ms; anything that long is a hang for a test.
  if (ms > 2_147_483_647) return new Promise<void>(() => undefined);
  return sleep(ms);
}

function truncate(value: unknown, maxBytes: number): unknown {
  if (typeof value === "string") {
    const bytes = Buffer.from(value, "utf8");
    // StringDecoder keeps a character cut in half out of the result instead of emitting U+FFFD.
    return bytes.length > maxBytes ? new StringDecoder("utf8").write(bytes.subarray(0, maxBytes)) : value;
  }
  if (value instanceof Uint8Array) return value.length > maxBytes ? value.subarray(0, maxBytes) : value;
  if (value instanceof ArrayBuffer) return value.byteLength > maxBytes ? value.slice(0, maxBytes) : value;
  return value;
}

function normalize(mode: FaultyMode | "healthy"): FaultyMode {
  if (mode === "healthy") return modes.healthy();
  if (typeof mode !== "object" || mode === null || typeof (mode as { kind?: unknown }).kind !== "string") {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `faulty mode must come from modes.*(), received ${describeValue(mode)}`,
      hint: 'e.g. modes.failEveryNth(3), modes.timeout("2s"), modes.error("ECONNRESET")',
      option: "mode",
    });
  }
  return mode;
}

function count(option: string, value: number, min = 1): number {
  if (!Number.isInteger(value) || value < min) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `modes.${option}() needs a whole number of at least ${min}, received ${describeValue(value)}`,
      hint: "e.g. modes.failEveryNth(3), modes.failAfterN(10), modes.partialRead(512)",
      option,
    });
  }
  return value;
}

function errorCode(code: string): string {
  if (typeof code !== "string" || !/^E[A-Z0-9_]+$/.test(code)) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `modes.error() needs an error code such as "ECONNRESET", received ${describeValue(code)}`,
      hint: 'codes are upper case and start with "E": ECONNRESET, ETIMEDOUT, EIO, ENOSPC, …',
      option: "code",
    });
  }
  return code;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}

function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${n}${suffix}`;
}

function emptyStats(): FaultyStats {
  return { calls: 0, failures: 0, truncated: 0, byMethod: {} };
}
