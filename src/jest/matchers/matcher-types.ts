import type { Duration } from "../../common/duration";
import type { Cluster, Node } from "../../cluster/types";
import type { ElectOptions } from "./to-elect-leader-within";
import type { ExitExpectation } from "./to-exit-within";
import type { BackoffExpectation } from "./to-retry-with-backoff";
import type { HistoryMatchers } from "./history-matcher-types";

import type { On } from "./receiver-types";

/**
 * faultline's matchers. `T` is the received value's type: a matcher called on the wrong kind of
 * value is a type error. Cluster and node matchers are async: `await expect(cluster).toRecoverWithin("20s")`.
 */
export interface FaultlineMatchers<R, T> extends HistoryMatchers<R, T> {
  /** The cluster's healthy probe passes now. */
  toBeHealthy: On<T, Cluster, () => Promise<R>, "a cluster">;
  /** The healthy probe holds within `budget`, measured from the last heal (or the call). */
  toRecoverWithin: On<T, Cluster, (budget: Duration) => Promise<R>, "a cluster">;
  /** The healthy probe passes on every poll for `duration`. */
  toStayHealthyFor: On<T, Cluster, (duration: Duration, options?: { interval?: Duration }) => Promise<R>, "a cluster">;
  /** The cluster has a leader (optionally the named one). */
  toHaveLeader: On<T, Cluster, (expected?: string) => Promise<R>, "a cluster">;
  /** A leader (different from the one before the last fault, with `different`) within `budget`. */
  toElectLeaderWithin: On<T, Cluster, (budget: Duration, options?: ElectOptions) => Promise<R>, "a cluster">;
  /** On a node: it exits within `budget`, optionally with a code or signal. */
  toExitWithin: On<T, Node, (budget: Duration, expected?: ExitExpectation) => Promise<R>, "a node">;
  /** On a promise (or a function returning one): it settles within `budget`. */
  toCompleteWithin: On<T, PromiseLike<unknown> | (() => unknown), (budget: Duration) => Promise<R>, "a promise">;
  /** On attempt times (ms) or a fault proxy: retries back off exponentially. */
  toRetryWithBackoff: On<T, readonly number[] | { connectionAttempts: readonly number[] }, (expected?: BackoffExpectation) => R, "attempt times">;
}
