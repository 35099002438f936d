import type { MatcherContext, SyncExpectationResult } from "expect";
import { asCluster } from "./cluster-receiver";
import { invalidMatcherOption } from "./matcher-options";

/** `await expect(cluster).toHaveLeader()` — optionally a specific one: `.toHaveLeader("n2")`. */
export async function toHaveLeader(this: MatcherContext, received: unknown, expected?: string): Promise<SyncExpectationResult> {
  const cluster = asCluster("toHaveLeader", received);
  // A name that is no node of the cluster never leads, so `.not.toHaveLeader("typo")` always passed.
  if (expected !== undefined && (typeof expected !== "string" || !cluster.nodes.some((n) => n.name === expected))) {
    throw invalidMatcherOption(
      "toHaveLeader",
      "expected",
      `a node of cluster "${cluster.name}" (${cluster.nodes.map((n) => n.name).join(", ")})`,
      expected,
      'toHaveLeader() for any leader, or toHaveLeader("n1")',
    );
  }
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
