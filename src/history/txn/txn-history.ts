import { FaultlineError } from "../../common/errors";
import { describeOperation } from "../describe";
import { operationsOf, type HistoryInput } from "../pairing";
import type { Operation } from "../operation";
import { TXN_F, txnShapeError, type Txn } from "./micro-op";

/** How a transaction ended: `ok` committed, `fail` certainly did not, `info` may have. */
export type TxnOutcome = "ok" | "info" | "fail";

/** One transaction of a history: its invocation and completion folded together. */
export interface TxnRecord {
  /** Dense number from 0, in completion order; the vertex of the dependency graph. */
  readonly id: number;
  readonly type: TxnOutcome;
  readonly process: number;
  /** History index of the invocation; -1 when the history holds only the completion. */
  readonly invokeIndex: number;
  /** History index of the completion (of the invocation, for one the history never completes). */
  readonly index: number;
  /**
   * The micro-operations: what the completion says for `ok`; for `info` and `fail` what was
   * invoked, because their reads returned nothing anyone saw.
   */
  readonly mops: Txn;
  readonly invokeTime: number | undefined;
  readonly completeTime: number | undefined;
}

/** The transactions of a history, and the operations they came from. */
export interface TxnHistory {
  readonly txns: readonly TxnRecord[];
  readonly operations: readonly Operation[];
}

function shapeError(op: Operation, problem: string): FaultlineError {
  return new FaultlineError({
    code: "FAULTLINE_HISTORY",
    message: `operation ${op.index} is not a transaction: ${problem}: ${describeOperation(op)}`,
    hint: 'record transactions as { f: "txn", value: [["append", "x", 1], ["r", "y", null]] } (list-append) or [["w", "x", 1], ["r", "y", null]] (rw-register)',
  });
}

/**
 * Folds each client's `txn` invocation and completion into one {@link TxnRecord}. Operations of
 * other functions and of named processes (the nemesis) are skipped. A completion with no
 * invocation (histories of completions only, as in Elle's examples) stands alone; an invocation
 * never completed is an `info`: it may have happened.
 */
export function txnHistoryOf(input: HistoryInput, what = "the transactional checker"): TxnHistory {
  const operations = operationsOf(input, what);
  const open = new Map<number, Operation>();
  const drafts: { invoke: Operation | undefined; complete: Operation | undefined }[] = [];
  for (const op of operations) {
    if (typeof op.process !== "number" || op.f !== TXN_F) continue;
    const problem = txnShapeError(op.value);
    if (problem !== undefined) throw shapeError(op, problem);
    if (op.type === "invoke") {
      const previous = open.get(op.process);
      if (previous) {
        throw new FaultlineError({
          code: "FAULTLINE_HISTORY",
          message: `process ${op.process} invokes operation ${op.index} while its operation ${previous.index} is still open: ${describeOperation(op)}`,
          hint: "each process completes one transaction (ok, fail or info) before invoking the next",
        });
      }
      open.set(op.process, op);
      continue;
    }
    const invoke = open.get(op.process);
    open.delete(op.process);
    drafts.push({ invoke, complete: op });
  }
  for (const invoke of open.values()) drafts.push({ invoke, complete: undefined });
  const txns: TxnRecord[] = [];
  for (const { invoke, complete } of drafts) {
    const type: TxnOutcome = complete === undefined ? "info" : (complete.type as TxnOutcome);
    const mops = (type === "ok" ? complete!.value : (invoke ?? complete)!.value) as Txn;
    txns.push({
      id: txns.length,
      type,
      process: (complete ?? invoke)!.process as number,
      invokeIndex: invoke?.index ?? -1,
      index: complete?.index ?? invoke!.index,
      mops,
      invokeTime: invoke?.time,
      completeTime: complete?.time,
    });
  }
  return { txns, operations };
}
