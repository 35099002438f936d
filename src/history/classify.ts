/**
 * Deciding whether a failed operation certainly did not happen (`fail`) or may have (`info`).
 * Getting this wrong in the `fail` direction hides real bugs (the checker then assumes a write
 * that did land never happened), so anything not known to be definite is `info`.
 */
export type FailureClass = "fail" | "info";

/** Decides how an operation that threw is recorded. */
export type Classifier = (error: unknown) => FailureClass;

const DEFINITE = Symbol.for("faultline.definite");

/**
 * Error codes that mean the request never reached a server, so nothing can have happened.
 * ECONNRESET, EPIPE and timeouts are absent on purpose: the server may have acted first.
 */
const DEFINITE_CODES: ReadonlySet<string> = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"]);

/**
 * Marks an error as a definite failure, so the default classifier records `fail`: use it when
 * your client knows the operation did not take effect (a failed compare-and-set, a rejected
 * precondition, a 4xx answer before any write).
 */
export function markDefinite<E extends object>(error: E): E {
  Object.defineProperty(error, DEFINITE, { value: true, configurable: true });
  return error;
}

/** True for errors marked by {@link markDefinite} or carrying `definite: true`. */
export function isDefinite(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const record = error as Record<string | symbol, unknown>;
  return record[DEFINITE] === true || record.definite === true;
}

/**
 * The default {@link Classifier}: `fail` for errors marked definite and for connection
 * errors that happen before a request is sent (ECONNREFUSED and name lookup failures);
 * `info` for everything else, including timeouts and ECONNRESET mid-request.
 */
export function defaultClassify(error: unknown): FailureClass {
  if (isDefinite(error)) return "fail";
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === "string" && DEFINITE_CODES.has(code) ? "fail" : "info";
}

/** A short, serialisable description of an error for the `error` field of an operation. */
export function errorSummary(error: unknown): string {
  if (typeof error === "object" && error !== null) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    const text = typeof message === "string" ? message.split("\n")[0]! : "";
    if (typeof code === "string" && code !== "") return text && !text.includes(code) ? `${code}: ${text}` : text || code;
    if (text) return text;
  }
  return typeof error === "string" ? error : String(error);
}
