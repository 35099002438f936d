import type { MatcherContext, SyncExpectationResult } from "expect";
import { errorReason } from "../../common/errors";
import { toMs, formatMs, type Duration } from "../../common/duration";
import { monoNowMs, sleep } from "../../common/timers";
import { asCluster } from "./cluster-receiver";
import { checkMatcherOptions, rules } from "./matcher-options";

/** `await expect(cluster).toStayHealthyFor("5s")`: the healthy probe passes on every poll for the whole duration. */
export async function toStayHealthyFor(
  this: MatcherContext,
  received: unknown,
  duration: Duration,
  options: { interval?: Duration } = {},
): Promise<SyncExpectationResult> {
  const cluster = asCluster("toStayHealthyFor", received);
  const ms = toMs(duration, { option: "toStayHealthyFor(duration)", cluster: cluster.name });
  checkMatcherOptions("toStayHealthyFor", options, { interval: rules.duration }, 'toStayHealthyFor("5s", { interval: "200ms" })');
  // A zero interval would probe in a tight loop.
  const interval = toMs(options.interval ?? "200ms", { option: "toStayHealthyFor.interval", cluster: cluster.name, positive: true });
  const started = monoNowMs();
  let probes = 0;
  let problem: Error | undefined;
  let failedAt = 0;
  do {
    probes++;
    // A probe that hangs past the end of the window is not a healthy answer.
    problem = await cluster.checkHealth(Math.max(interval, started + ms - monoNowMs()));
    if (problem) {
      failedAt = monoNowMs() - started;
      break;
    }
    await sleep(interval);
  } while (monoNowMs() - started < ms);
  const hint = () => this.utils.matcherHint("toStayHealthyFor", "cluster", formatMs(ms), { isNot: this.isNot, promise: this.promise });
  return {
    pass: !problem,
    message: () =>
      problem
        ? `${hint()}\n\nExpected cluster "${cluster.name}" to stay healthy for ${formatMs(ms)}; probe ${probes} failed after ${formatMs(failedAt)}:\n  ${errorReason(problem)}\n\n${cluster.describeState()}`
        : `${hint()}\n\nExpected cluster "${cluster.name}" to become unhealthy within ${formatMs(ms)}, but all ${probes} probes passed.`,
  };
}
