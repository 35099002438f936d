import type { MatcherContext, SyncExpectationResult } from "expect";
import { toMs, formatMs, type Duration } from "../../common/duration";
import { monoNowMs, sleep } from "../../common/timers";
import type { FaultlineCluster } from "../../cluster/faultline-cluster";
import { FaultlineError } from "../../common/errors";
import { asCluster } from "./cluster-receiver";
import { checkMatcherOptions, invalidMatcherOption } from "./matcher-options";

export interface ElectOptions {
  /** The new leader must differ from the one before the last fault (true), or from the named node. */
  different?: boolean | string;
}

/**
 * The leader known just before the most recent fault was applied, from the timeline, looking no
 * further back than the start of the current test (an older answer may be stale).
 */
function leaderBeforeLastFault(cluster: FaultlineCluster): string | undefined {
  const events = cluster.timeline.events;
  let applyAt = Infinity;
  let testStart = -Infinity;
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (applyAt === Infinity && e.type === "fault" && e.phase === "apply") applyAt = e.at;
    if (e.type === "test" && e.phase === "start") {
      testStart = e.at;
      break;
    }
  }
  for (let i = events.length - 1; i >= 0 && events[i]!.at >= testStart; i--) {
    const e = events[i]!;
    if (e.at <= applyAt + 1 && e.type === "probe" && e.probe === "leader" && e.ok && e.node) return e.node;
  }
  return undefined;
}

/** `await expect(cluster).toElectLeaderWithin("10s", { different: true })`. */
export async function toElectLeaderWithin(
  this: MatcherContext,
  received: unknown,
  budget: Duration,
  options: ElectOptions = {},
): Promise<SyncExpectationResult> {
  const cluster = asCluster("toElectLeaderWithin", received);
  const ms = toMs(budget, { option: "toElectLeaderWithin(budget)", cluster: cluster.name });
  const example = 'toElectLeaderWithin("10s", { different: true })';
  checkMatcherOptions(
    "toElectLeaderWithin",
    options,
    { different: { expected: "true, false or a node name", valid: (v) => typeof v === "boolean" || typeof v === "string" } },
    example,
  );
  // A name that is no node of the cluster is never the leader, so any leader would pass.
  if (typeof options.different === "string" && !cluster.nodes.some((n) => n.name === options.different)) {
    throw invalidMatcherOption(
      "toElectLeaderWithin",
      "different",
      `a node of cluster "${cluster.name}" (${cluster.nodes.map((n) => n.name).join(", ")})`,
      options.different,
      example,
    );
  }
  const previous = typeof options.different === "string" ? options.different : options.different ? leaderBeforeLastFault(cluster) : undefined;
  if (options.different === true && previous === undefined) {
    // Without a known earlier leader, "a different one" would pass for the same leader.
    throw new FaultlineError({
      code: "FAULTLINE_NO_LEADER",
      message:
        "toElectLeaderWithin(…, { different: true }) found no leader recorded before the last fault in this test, so it cannot tell a new leader from the old one",
      hint: 'name the old leader: { different: oldLeader.name } (from `await cluster.leader()` before the fault), or target the fault at node: "leader"',
      cluster: cluster.name,
      option: "toElectLeaderWithin different",
    });
  }
  const started = monoNowMs();
  let leader: string | undefined;
  let seen: string | undefined;
  do {
    const found = await cluster.leader(Math.max(1, started + ms - monoNowMs()));
    seen = found?.name ?? seen;
    if (found && found.name !== previous) {
      leader = found.name;
      break;
    }
    await sleep(100);
  } while (monoNowMs() - started < ms);
  const took = monoNowMs() - started;
  const hint = () => this.utils.matcherHint("toElectLeaderWithin", "cluster", formatMs(ms), { isNot: this.isNot, promise: this.promise });
  const what = previous ? `a leader other than ${previous}` : "a leader";
  return {
    pass: leader !== undefined,
    message: () =>
      leader
        ? `${hint()}\n\nExpected cluster "${cluster.name}" not to elect ${what} within ${formatMs(ms)}, but ${leader} led after ${formatMs(took)}.`
        : `${hint()}\n\nExpected cluster "${cluster.name}" to elect ${what} within ${formatMs(ms)}; ${seen ? `only ${seen} was seen leading` : "no leader was seen"}.\n\n${cluster.describeState()}`,
  };
}
