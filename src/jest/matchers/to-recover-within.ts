import type { MatcherContext, SyncExpectationResult } from "expect";
import { errorReason } from "../../common/errors";
import { toMs, formatMs, type Duration } from "../../common/duration";
import { monoNowMs, sleep } from "../../common/timers";
import { asCluster } from "./cluster-receiver";

/**
 * `await expect(cluster).toRecoverWithin("20s")`: polls the `healthy` probe from the call on and
 * passes once it holds within the budget. The recovery time is measured from the last heal on
 * the timeline (when there is one since the test began), else from the call, and recorded.
 */
export async function toRecoverWithin(this: MatcherContext, received: unknown, budget: Duration): Promise<SyncExpectationResult> {
  const cluster = asCluster("toRecoverWithin", received);
  const budgetMs = toMs(budget, { option: "toRecoverWithin(budget)", cluster: cluster.name });
  const timeline = cluster.timeline;
  const called = timeline.now();
  const testStart = [...timeline.events].reverse().find((e) => e.type === "test" && e.phase === "start")?.at ?? 0;
  const heal = timeline.lastHeal();
  const from = heal && heal.at >= testStart ? heal.at : called;
  const deadline = monoNowMs() + budgetMs;
  let problem: Error | undefined;
  let probes = 0;
  for (;;) {
    probes++;
    problem = await cluster.checkHealth(Math.max(1, deadline - monoNowMs()));
    if (!problem || monoNowMs() >= deadline) break;
    await sleep(Math.min(100, Math.max(0, deadline - monoNowMs())));
  }
  const tookMs = timeline.now() - from;
  const pass = problem === undefined;
  timeline.record({ type: "recovery", ok: pass, durationMs: tookMs, budgetMs, faultId: from === called ? undefined : heal?.id, label: "toRecoverWithin" });
  const hint = () => this.utils.matcherHint("toRecoverWithin", "cluster", formatMs(budgetMs), { isNot: this.isNot, promise: this.promise });
  const reference = from === called ? "the call" : `the heal of ${heal!.kind} (${heal!.id})`;
  return {
    pass,
    message: () =>
      pass
        ? `${hint()}\n\nExpected cluster "${cluster.name}" not to recover within ${formatMs(budgetMs)}, but it was healthy ${formatMs(tookMs)} after ${reference}.`
        : `${hint()}\n\nExpected cluster "${cluster.name}" to recover within ${formatMs(budgetMs)} of ${reference}; it was still unhealthy after ${formatMs(tookMs)} (${probes} probes).\n` +
          `Last probe error: ${errorReason(problem)}\n\n${cluster.describeState()}`,
  };
}
