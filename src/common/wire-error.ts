import { FaultlineError, isFaultlineError, type ErrorCode } from "./errors";

/**
 * An error as it crosses a process or thread boundary (the keeper's socket, the proxy thread):
 * a faultline error keeps its code, place and hint.
 */
export interface WireError {
  message: string;
  code?: ErrorCode;
  what?: string;
  hint?: string;
  cluster?: string;
  node?: string;
  option?: string;
  details?: string;
}

export function toWireError(error: unknown): WireError {
  if (isFaultlineError(error)) {
    const { code, what, hint, cluster, node, option, details } = error;
    return { message: error.message, code, what, hint, cluster, node, option, details };
  }
  return { message: String((error as Error)?.message ?? error) };
}

export function fromWireError(error: WireError): Error {
  if (error.code && error.what !== undefined) {
    const { code, what, hint, cluster, node, option, details } = error;
    return new FaultlineError({ code, message: what, hint, cluster, node, option, details });
  }
  return new Error(error.message);
}
