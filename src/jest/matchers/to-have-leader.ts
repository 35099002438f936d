import type { MatcherContext, SyncExpectationResult } from "expect";
import { asCluster } from "./cluster-receiver";

/** `await expect(cluster).toHaveLeader()` — optionally a specific one: `.toHaveLeader("n2")`. */
export async function toHaveLeader(this: MatcherContext, received: unknown, expected?: string): Promise<SyncExpectationResult> {
  const cluster = asCluster("toHaveLeader", received);
  const leader = await cluster.leader();
  const pass = leader !== undefined && (expected === undefined || leader.name === expected);
  const hint = () => this.utils.matcherHint("toHaveLeader", "cluster", expected ?? "", { isNot: this.isNot, promise: this.promise });
  return {
    pass,
    message: () =>
      pass
        ? `${hint()}\n\nExpected cluster "${cluster.name}" to have no leader${expected ? ` "${expected}"` : ""}, but ${leader!.name} leads.`
        : `${hint()}\n\nExpected cluster "${cluster.name}" to have ${expected ? `leader "${expected}"` : "a leader"}; ${leader ? `${leader.name} leads` : "it has none"}.\n\n${cluster.describeState()}`,
  };
}
