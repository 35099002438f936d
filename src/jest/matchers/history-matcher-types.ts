import type { BankCheckOptions } from "../../history/checkers/bank-checker";
import type { CounterCheckOptions } from "../../history/checkers/counter-checker";
import type { QueueCheckOptions } from "../../history/checkers/queue-checker";
import type { SetCheckOptions } from "../../history/checkers/set-checker";
import type { UniqueIdsCheckOptions } from "../../history/checkers/unique-ids-checker";
import type { LinearizabilityOptions } from "../../history/linearizability/check-linearizable";
import type { Model } from "../../history/models/model";

/**
 * The history matchers, on a History or an array of operations. All are synchronous.
 * Merge into `jest.Matchers<R>` and `expect`'s `Matchers<R>`.
 */
export interface HistoryMatchers<R> {
  /** Linearizable with respect to `model`; throws FAULTLINE_CHECK_BUDGET if `budget` (default 10s) runs out. */
  toBeLinearizable(model: Model, options?: LinearizabilityOptions): R;
  /** Set workload: no acknowledged add lost, nothing unexpected read (Jepsen set-full). */
  toLoseNoWrites(options?: SetCheckOptions): R;
  /** Counter workload: every read within the values possible while it ran. */
  toHaveValidCounter(options?: CounterCheckOptions): R;
  /** Id generation: no id returned twice. */
  toHaveUniqueIds(options?: UniqueIdsCheckOptions): R;
  /** Queue workload: nothing lost, duplicated or invented (Jepsen total-queue). */
  toDeliverQueueExactlyOnce(options?: QueueCheckOptions): R;
  /** Bank workload: every read sums to `total`, no negative balance. */
  toPreserveBankTotal(total: number, options?: Omit<BankCheckOptions, "total">): R;
}
