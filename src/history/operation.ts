/**
 * Operations follow Jepsen's model: a client invokes an operation, then exactly one completion
 * follows for the same process: `ok` (it took effect), `fail` (it certainly did not) or `info`
 * (it may have, at any time after the invocation, or never).
 */
export type OperationType = "invoke" | "ok" | "fail" | "info";

/**
 * A logical thread of a client. Numbers are client processes; strings (such as `"nemesis"` in
 * imported Jepsen logs) are kept in the history but ignored by checkers.
 */
export type ProcessId = number | string;

/** One event of a history. */
export interface Operation<V = unknown> {
  /** Position in the history, from 0; the order of events in real time. */
  readonly index: number;
  readonly process: ProcessId;
  readonly type: OperationType;
  /** The function called: `"read"`, `"write"`, `"cas"`, `"add"`, … */
  readonly f: string;
  /** Invocations carry the argument; `ok` completions the result. */
  readonly value: V;
  /**
   * Monotonic nanoseconds since the history began (see `History.origin`). Absent in imported
   * histories that carry no times (Jepsen logs, Porcupine's kv files).
   */
  readonly time?: number;
  /** Why a `fail` or `info` completion ended the way it did (an error code or message). */
  readonly error?: string;
}

/** An operation before the history gives it an index (and, if absent, a time). */
export interface NewOperation<V = unknown> {
  process: ProcessId;
  type: OperationType;
  f: string;
  value: V;
  time?: number;
  error?: string;
}

const TYPES: ReadonlySet<string> = new Set(["invoke", "ok", "fail", "info"]);

/** True for `"invoke" | "ok" | "fail" | "info"`. */
export function isOperationType(value: unknown): value is OperationType {
  return typeof value === "string" && TYPES.has(value);
}

/** True when `process` belongs to a client (checkers ignore the nemesis and other actors). */
export function isClientProcess(process: ProcessId): process is number {
  return typeof process === "number";
}

/** Duck-typed check, because a History from another Jest module registry is not `instanceof`. */
export function isOperationLike(value: unknown): value is Operation {
  if (typeof value !== "object" || value === null) return false;
  const op = value as Record<string, unknown>;
  return (
    isOperationType(op.type) && typeof op.f === "string" && (typeof op.process === "number" || typeof op.process === "string") && typeof op.index === "number"
  );
}
