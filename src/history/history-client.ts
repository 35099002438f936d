import { FaultlineError, describeValue } from "../common/errors";
import { formatMs, toMs, type Duration } from "../common/duration";
import { withTimeout } from "../common/timers";
import { errorSummary, type Classifier, type FailureClass } from "./classify";
import type { NewOperation, Operation } from "./operation";

/** What a client needs of its history: where operations go, process numbers, and how failures classify. */
export interface OperationRecorder {
  readonly defaultTimeoutMs: number | undefined;
  readonly classify: Classifier;
  record(op: NewOperation): Operation;
  allocateProcess(): number;
}

/** Options of one `client.invoke()`. */
export interface InvokeOptions {
  /**
   * After this long the operation is recorded `info` (it may still happen) and the signal
   * passed to the function is aborted. Default: the history's `timeout`, else none.
   */
  timeout?: Duration;
}

/** How an invocation ended; `op` is the completion recorded in the history. */
export type InvokeResult<R> =
  { readonly type: "ok"; readonly value: R; readonly op: Operation } | { readonly type: FailureClass; readonly error: unknown; readonly op: Operation };

/** Thrown inside to tell a timeout apart from the function's own errors. */
class InvokeTimeout extends Error {
  readonly code = "ETIMEDOUT";
}

/**
 * One logical client thread. It runs one operation at a time, like a Jepsen process; after an
 * operation ends `info` it continues under a fresh process number, because the old operation
 * may still be in flight and a process must never have two.
 */
export class HistoryClient {
  private current: number;
  private busy: Operation | undefined;

  /** @internal Use `history.client(id)`. */
  constructor(
    private readonly history: OperationRecorder,
    /** The id the client was asked for with `history.client(id)`. */
    readonly id: string | number,
    process: number,
  ) {
    this.current = process;
  }

  /** The process number the next operation is recorded under. */
  get process(): number {
    return this.current;
  }

  /**
   * Records an invocation of `f` with `value`, runs `fn`, and records its completion: `ok` with
   * the value `fn` resolved to (the invoked value when it resolves to `undefined`, as for most
   * writes), or `fail`/`info` as the history's `classify` decides when it throws, or `info`
   * when `timeout` passes first. Never rejects because `fn` failed: the result says how it ended.
   */
  async invoke<V, R>(f: string, value: V, fn: (signal: AbortSignal) => R | Promise<R>, options: InvokeOptions = {}): Promise<InvokeResult<R | V>> {
    if (typeof f !== "string" || f === "") {
      throw new FaultlineError({
        code: "FAULTLINE_INVALID_OPTION",
        option: "f",
        message: `expected an operation name such as "read", received ${describeValue(f)}`,
      });
    }
    if (typeof fn !== "function") {
      throw new FaultlineError({
        code: "FAULTLINE_INVALID_OPTION",
        option: "fn",
        message: `expected the function that performs "${f}", received ${describeValue(fn)}`,
      });
    }
    if (this.busy) {
      throw new FaultlineError({
        code: "FAULTLINE_HISTORY",
        message: `client ${describeValue(this.id)} invoked "${f}" while its "${this.busy.f}" (op ${this.busy.index}) was still running`,
        hint: "a client is one logical thread: await each invoke(), and use another history.client(id) for concurrency",
      });
    }
    const timeoutMs = options.timeout !== undefined ? toMs(options.timeout, { option: "timeout" }) : this.history.defaultTimeoutMs;
    const process = this.current;
    const controller = new AbortController();
    this.busy = this.history.record({ process, type: "invoke", f, value });
    try {
      const running = Promise.resolve().then(() => fn(controller.signal));
      const result =
        timeoutMs === undefined ? await running : await withTimeout(running, timeoutMs, () => new InvokeTimeout(`timed out after ${formatMs(timeoutMs)}`));
      const okValue = result === undefined ? value : result;
      const op = this.history.record({ process, type: "ok", f, value: okValue });
      return { type: "ok", value: okValue, op };
    } catch (error) {
      const timedOut = error instanceof InvokeTimeout;
      if (timedOut) controller.abort(error);
      const type = timedOut ? "info" : this.classifyError(error);
      const op = this.history.record({ process, type, f, value, error: errorSummary(error) });
      if (type === "info") this.current = this.history.allocateProcess();
      return { type, error, op };
    } finally {
      this.busy = undefined;
    }
  }

  private classifyError(error: unknown): FailureClass {
    let verdict: unknown;
    try {
      verdict = this.history.classify(error);
    } catch {
      // A classifier that breaks must not lose the operation: `info` is always safe.
      return "info";
    }
    if (verdict === "fail" || verdict === "info") return verdict;
    // Recording `info` keeps the history sound; the process is retired by the caller.
    return "info";
  }
}
