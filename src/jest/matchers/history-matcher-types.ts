import type { BankCheckOptions } from "../../history/checkers/bank-checker";
import type { CounterCheckOptions } from "../../history/checkers/counter-checker";
import type { QueueCheckOptions } from "../../history/checkers/queue-checker";
import type { SetCheckOptions } from "../../history/checkers/set-checker";
import type { UniqueIdsCheckOptions } from "../../history/checkers/unique-ids-checker";
import type { LinearizabilityOptions } from "../../history/linearizability/check-linearizable";
import type { TxnCheckOptions } from "../../history/txn/check-txn";
import type { ConsistencyModel } from "../../history/txn/consistency-models";
import type { Model } from "../../history/models/model";
import type { History } from "../../history/history";
import type { Operation } from "../../history/operation";
import type { On } from "./receiver-types";

type HistoryLike = History | readonly Operation[];

/**
 * The history matchers, on a History or an array of operations. All are synchronous.
 * Merge into `jest.Matchers<R>` and `expect`'s `Matchers<R>`.
 */
export interface HistoryMatchers<R, T = unknown> {
  /** Linearizable with respect to `model`; throws FAULTLINE_CHECK_BUDGET if `budget` (default 10s) runs out. */
  toBeLinearizable: On<T, HistoryLike, (model: Model, options?: LinearizabilityOptions) => R, "a history">;
  /** Set workload: no acknowledged add lost, nothing unexpected read (Jepsen set-full). */
  toLoseNoWrites: On<T, HistoryLike, (options?: SetCheckOptions) => R, "a history">;
  /** Counter workload: every read within the values possible while it ran. */
  toHaveValidCounter: On<T, HistoryLike, (options?: CounterCheckOptions) => R, "a history">;
  /** Id generation: no id returned twice. */
  toHaveUniqueIds: On<T, HistoryLike, (options?: UniqueIdsCheckOptions) => R, "a history">;
  /** Queue workload: nothing lost, duplicated or invented (Jepsen total-queue). */
  toDeliverQueueExactlyOnce: On<T, HistoryLike, (options?: QueueCheckOptions) => R, "a history">;
  /** Bank workload: every read sums to `total`, no negative balance. */
  toPreserveBankTotal: On<T, HistoryLike, (total: number, options?: Omit<BankCheckOptions, "total">) => R, "a history">;
  /** Transactions (list-append or rw-register) show no anomaly the model forbids, as Elle checks; e.g. toBeConsistent("serializable"). */
  toBeConsistent: On<T, HistoryLike, (model: ConsistencyModel | readonly ConsistencyModel[], options?: Omit<TxnCheckOptions, "model">) => R, "a history">;
  /** toBeConsistent("serializable"). */
  toBeSerializable: On<T, HistoryLike, (options?: Omit<TxnCheckOptions, "model">) => R, "a history">;
  /** toBeConsistent("strict-serializable"). */
  toBeStrictSerializable: On<T, HistoryLike, (options?: Omit<TxnCheckOptions, "model">) => R, "a history">;
  /** toBeConsistent("snapshot-isolation"). */
  toBeSnapshotIsolated: On<T, HistoryLike, (options?: Omit<TxnCheckOptions, "model">) => R, "a history">;
  /** toBeConsistent("read-committed"). */
  toBeReadCommitted: On<T, HistoryLike, (options?: Omit<TxnCheckOptions, "model">) => R, "a history">;
}
