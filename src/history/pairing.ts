import { FaultlineError } from "../common/errors";
import { History } from "./history";
import { describeOperation } from "./describe";
import { isClientProcess, isOperationLike, type Operation } from "./operation";

/** A history as checkers accept it: a {@link History} or a plain list of operations. */
export type HistoryInput = History | readonly Operation[];

/** How a call ended: `ok`, `fail`, `info`, or `pending` when the history ends first. */
export type CallStatus = "ok" | "fail" | "info" | "pending";

/** An invocation with its completion. */
export interface Call {
  readonly process: number;
  readonly f: string;
  /** The invoked value. */
  readonly value: unknown;
  readonly status: CallStatus;
  /** The `ok` completion's value; undefined otherwise. */
  readonly result: unknown;
  readonly invoke: Operation;
  readonly complete: Operation | undefined;
}

/**
 * The operations of `input`, with `index` equal to position (checkers report positions, so a
 * hand-made list whose indexes are off is renumbered rather than mis-reported).
 */
export function operationsOf(input: HistoryInput, what = "the checker"): readonly Operation[] {
  const ops = History.isHistory(input) ? input.operations : input;
  if (!Array.isArray(ops)) {
    throw new FaultlineError({
      code: "FAULTLINE_HISTORY",
      message: `${what} expected a History or an array of operations, received ${typeof input}`,
      hint: "pass cluster.history(), createHistory(), or the result of parseHistory()",
    });
  }
  let renumber = false;
  for (let i = 0; i < ops.length; i++) {
    const op: unknown = ops[i];
    if (!isOperationLike(op)) {
      throw new FaultlineError({
        code: "FAULTLINE_HISTORY",
        message: `${what}: element ${i} is not an operation (expected { process, type, f, value, index })`,
      });
    }
    if (op.index !== i) renumber = true;
  }
  return renumber ? ops.map((op, index) => ({ ...op, index })) : ops;
}

function historyError(message: string, op: Operation): FaultlineError {
  return new FaultlineError({
    code: "FAULTLINE_HISTORY",
    message: `${message}: ${describeOperation(op)}`,
    hint: "each process must complete one invocation (ok, fail or info) before its next; a process whose op ended info must not be reused",
  });
}

/**
 * Pairs each client invocation with its completion. Ops of non-client processes (the
 * nemesis) are skipped. Throws FAULTLINE_HISTORY when a process invokes twice without a
 * completion, completes nothing, or completes a different function.
 */
export function pairCalls(ops: readonly Operation[]): Call[] {
  const calls: Call[] = [];
  const open = new Map<number, number>();
  for (const op of ops) {
    if (!isClientProcess(op.process)) continue;
    if (op.type === "invoke") {
      const previous = open.get(op.process);
      if (previous !== undefined) throw historyError(`process ${op.process} invokes again while op #${calls[previous]!.invoke.index} is open`, op);
      open.set(op.process, calls.length);
      calls.push({ process: op.process, f: op.f, value: op.value, status: "pending", result: undefined, invoke: op, complete: undefined });
      continue;
    }
    const at = open.get(op.process);
    if (at === undefined) throw historyError(`process ${op.process} completes an operation it never invoked`, op);
    const call = calls[at]!;
    if (call.f !== op.f) throw historyError(`process ${op.process} invoked ${call.f} (#${call.invoke.index}) but completes ${op.f}`, op);
    open.delete(op.process);
    calls[at] = { ...call, status: op.type, result: op.type === "ok" ? op.value : undefined, complete: op };
  }
  return calls;
}
