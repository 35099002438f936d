import type { MatcherContext, SyncExpectationResult } from "expect";
import { errorReason } from "../../common/errors";
import { asCluster } from "./cluster-receiver";

/** `await expect(cluster).toBeHealthy()`: the cluster's `healthy` probe passes now. */
export async function toBeHealthy(this: MatcherContext, received: unknown): Promise<SyncExpectationResult> {
  const cluster = asCluster("toBeHealthy", received);
  const problem = await cluster.checkHealth();
  const hint = () => this.utils.matcherHint("toBeHealthy", "cluster", "", { isNot: this.isNot, promise: this.promise });
  return {
    pass: problem === undefined,
    message: () =>
      problem === undefined
        ? `${hint()}\n\nExpected cluster "${cluster.name}" not to be healthy, but its healthy probe passed.`
        : `${hint()}\n\nExpected cluster "${cluster.name}" to be healthy; its healthy probe failed:\n  ${errorReason(problem)}\n\n${cluster.describeState()}`,
  };
}
