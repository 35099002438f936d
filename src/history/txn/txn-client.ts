import { FaultlineError, describeValue } from "../../common/errors";
import type { History } from "../history";
import type { HistoryClient, InvokeOptions, InvokeResult } from "../history-client";
import { TXN_F, formatMicroOp, txnShapeError, type MicroOp, type Txn } from "./micro-op";

/**
 * Runs a transaction against the system under test. It receives the transaction with every
 * read still `null` and resolves to the same micro-operations with the reads filled in (see
 * {@link completeTxn}); a transaction without reads may resolve to nothing. Throwing records
 * the transaction `fail` or `info`, as the history's `classify` decides.
 */
// `void` so a write-only transaction can be an `async () => { await put(); }`.
// eslint-disable-next-line @typescript-eslint/no-invalid-void-type
export type TxnRunner = (txn: Txn, signal: AbortSignal) => Txn | void | Promise<Txn | void>;

/** `txn` with each read's value replaced by the next of `values`, in order. */
export function completeTxn(txn: Txn, values: readonly unknown[]): Txn {
  let next = 0;
  const done = txn.map((mop): MicroOp => (mop[0] === "r" ? ["r", mop[1], values[next++] ?? null] : mop));
  if (next !== values.length) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      option: "values",
      message: `completeTxn received ${values.length} read values for a transaction with ${next} reads: ${txn.map(formatMicroOp).join(" ")}`,
      hint: "pass one value per read micro-operation, in order",
    });
  }
  return done;
}

/** Why `result` is not `invoked` with its reads filled in, or undefined. */
function completionError(invoked: Txn, result: unknown): string | undefined {
  if (result === undefined) return invoked.some((m) => m[0] === "r") ? "it resolved to nothing, but the transaction reads" : undefined;
  const shape = txnShapeError(result);
  if (shape !== undefined) return shape;
  const done = result as Txn;
  if (done.length !== invoked.length) return `it resolved to ${done.length} micro-operations for ${invoked.length} invoked`;
  for (let i = 0; i < done.length; i++) {
    const [f, key, value] = invoked[i]!;
    const got = done[i]!;
    if (got[0] !== f || got[1] !== key || (f !== "r" && got[2] !== value))
      return `micro-operation ${i} came back as ${formatMicroOp(got)}, not ${formatMicroOp(invoked[i]!)}`;
  }
  return undefined;
}

/**
 * A client that records transactions, as Elle's checkers read them. It wraps one
 * {@link HistoryClient}, so it is one logical thread: it records the invocation with reads
 * `null`, runs the transaction, and records the completion with what the reads returned.
 *
 * ```ts
 * const client = txnClient(history, 0);
 * await client.transact([["append", "x", 1], ["r", "y", null]], async (txn) => completeTxn(txn, [await readY()]));
 * ```
 */
export class TxnClient {
  constructor(readonly client: HistoryClient) {}

  /** The process number the next transaction is recorded under. */
  get process(): number {
    return this.client.process;
  }

  /**
   * Records `txn` and runs it with `fn`. Resolves to how it ended (never rejects because `fn`
   * failed), but throws FAULTLINE_INVALID_OPTION when `txn` is malformed, and, after recording
   * the transaction as `info`, when `fn` resolves to something other than `txn` completed.
   */
  async transact(txn: Txn, fn: TxnRunner, options?: InvokeOptions): Promise<InvokeResult<Txn>> {
    const problem = txnShapeError(txn);
    if (problem !== undefined) {
      throw new FaultlineError({
        code: "FAULTLINE_INVALID_OPTION",
        option: "txn",
        message: `expected a transaction such as [["append", "x", 1], ["r", "y", null]]: ${problem}, received ${describeValue(txn)}`,
        hint: 'list-append uses ["append", key, element] and ["r", key, null]; rw-register ["w", key, value] and ["r", key, null]',
      });
    }
    if (typeof fn !== "function") {
      throw new FaultlineError({
        code: "FAULTLINE_INVALID_OPTION",
        option: "fn",
        message: `expected the function that runs the transaction, received ${describeValue(fn)}`,
      });
    }
    const invoked: Txn = txn.map((mop): MicroOp => (mop[0] === "r" ? ["r", mop[1], null] : mop));
    let misuse: FaultlineError | undefined;
    const result = await this.client.invoke(
      TXN_F,
      invoked,
      async (signal) => {
        const done = await fn(invoked, signal);
        const wrong = completionError(invoked, done);
        if (wrong !== undefined) {
          misuse = new FaultlineError({
            code: "FAULTLINE_INVALID_OPTION",
            option: "fn",
            message: `the transaction function's result is not the transaction with its reads filled in: ${wrong}`,
            hint: "resolve to completeTxn(txn, readValues), or to the transaction it received with each read's value set; the transaction was recorded as not ok",
          });
          throw misuse;
        }
        return done ?? invoked;
      },
      options,
    );
    if (misuse) throw misuse;
    return result as InvokeResult<Txn>;
  }
}

/** The transactional client for `history.client(id)`. */
export function txnClient(history: History, id: string | number): TxnClient {
  return new TxnClient(history.client(id));
}
