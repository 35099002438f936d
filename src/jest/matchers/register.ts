import { toBeHealthy } from "./to-be-healthy";
import { toRecoverWithin } from "./to-recover-within";
import { toStayHealthyFor } from "./to-stay-healthy-for";
import { toHaveLeader } from "./to-have-leader";
import { toElectLeaderWithin } from "./to-elect-leader-within";
import { toExitWithin } from "./to-exit-within";
import { toCompleteWithin } from "./to-complete-within";
import { toRetryWithBackoff } from "./to-retry-with-backoff";
import { toBeLinearizable } from "./to-be-linearizable";
import { toLoseNoWrites } from "./to-lose-no-writes";
import { toHaveValidCounter } from "./to-have-valid-counter";
import { toHaveUniqueIds } from "./to-have-unique-ids";
import { toDeliverQueueExactlyOnce } from "./to-deliver-queue-exactly-once";
import { toPreserveBankTotal } from "./to-preserve-bank-total";
import { toBeConsistent, toBeReadCommitted, toBeSerializable, toBeSnapshotIsolated, toBeStrictSerializable } from "./to-be-consistent";

/** Every matcher faultline adds to `expect`. */
export const matchers = {
  toBeHealthy,
  toRecoverWithin,
  toStayHealthyFor,
  toHaveLeader,
  toElectLeaderWithin,
  toExitWithin,
  toCompleteWithin,
  toRetryWithBackoff,
  toBeLinearizable,
  toLoseNoWrites,
  toHaveValidCounter,
  toHaveUniqueIds,
  toDeliverQueueExactlyOnce,
  toPreserveBankTotal,
  toBeConsistent,
  toBeSerializable,
  toBeStrictSerializable,
  toBeSnapshotIsolated,
  toBeReadCommitted,
};

/** Adds faultline's matchers to the `expect` of the current test file. */
export function registerMatchers(target: { extend(m: object): void } = (globalThis as unknown as { expect: { extend(m: object): void } }).expect): void {
  target.extend(matchers);
}
