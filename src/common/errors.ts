/**
 * Every error faultline throws. Each carries a stable `code` (`FAULTLINE_*`), says what failed and
 * where (cluster, node, option), and gives a `hint` saying what to do about it.
 *
 * Jest gives every test file its own module registry, so `instanceof` fails across registries:
 * use {@link isFaultlineError}, which checks a global symbol instead.
 */
const MARK = Symbol.for("faultline.error");

export type ErrorCode =
  | "FAULTLINE_INVALID_OPTION"
  | "FAULTLINE_INVALID_DURATION"
  | "FAULTLINE_UNKNOWN_CLUSTER"
  | "FAULTLINE_NO_CLUSTER"
  | "FAULTLINE_CLUSTER_MODULE"
  | "FAULTLINE_BINARY_NOT_FOUND"
  | "FAULTLINE_NODE_EXITED"
  | "FAULTLINE_READY_TIMEOUT"
  | "FAULTLINE_PORT_UNAVAILABLE"
  | "FAULTLINE_UNKNOWN_NODE"
  | "FAULTLINE_NODE_STATE"
  | "FAULTLINE_STOP_TIMEOUT"
  | "FAULTLINE_HEALTH_TIMEOUT"
  | "FAULTLINE_NOT_STEADY"
  | "FAULTLINE_FAULT_UNSUPPORTED"
  | "FAULTLINE_FAULT_FAILED"
  | "FAULTLINE_CONCURRENT_FAULTS"
  | "FAULTLINE_NO_LEADER"
  | "FAULTLINE_PERMISSION"
  | "FAULTLINE_PROXY"
  | "FAULTLINE_MATCHER_RECEIVER"
  | "FAULTLINE_HISTORY"
  | "FAULTLINE_PARSE"
  | "FAULTLINE_CHECK_BUDGET"
  | "FAULTLINE_DOCKER"
  | "FAULTLINE_FAILPOINT"
  | "FAULTLINE_REQUIREMENT_MISSING"
  | "FAULTLINE_TEARDOWN"
  | "FAULTLINE_UNSAFE_PATH"
  | "FAULTLINE_RUN_ENDED";

export interface FaultlineErrorOptions {
  code: ErrorCode;
  message: string;
  hint?: string;
  cluster?: string;
  node?: string;
  option?: string;
  cause?: unknown;
  /** Extra lines printed after the message (log tails, timeline slices). */
  details?: string;
}

export class FaultlineError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly cluster?: string;
  readonly node?: string;
  readonly option?: string;
  readonly details?: string;

  constructor(options: FaultlineErrorOptions) {
    const where = [
      options.cluster !== undefined ? `cluster "${options.cluster}"` : undefined,
      options.node !== undefined ? `node "${options.node}"` : undefined,
      options.option !== undefined ? `option "${options.option}"` : undefined,
    ]
      .filter(Boolean)
      .join(", ");
    let text = `${options.code}: ${options.message}`;
    if (where) text += ` [${where}]`;
    if (options.hint) text += `\n  Hint: ${options.hint}`;
    if (options.details) text += `\n${options.details}`;
    super(text, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = "FaultlineError";
    this.code = options.code;
    this.hint = options.hint;
    this.cluster = options.cluster;
    this.node = options.node;
    this.option = options.option;
    this.details = options.details;
    Object.defineProperty(this, MARK, { value: true });
  }
}

/** True for any error faultline threw, whichever module registry created it. */
export function isFaultlineError(error: unknown): error is FaultlineError {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[MARK] === true;
}

/** Formats a value for an "expected X, received Y" message. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return "a function";
  if (value === undefined) return "undefined";
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return String(value);
  }
}
