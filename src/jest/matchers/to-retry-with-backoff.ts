import type { MatcherContext, SyncExpectationResult } from "expect";
import { toMs, formatMs, type Duration } from "../../common/duration";
import { matcherReceiverError } from "./receiver-error";
import { checkMatcherOptions, invalidMatcherOption, rules } from "./matcher-options";

export interface BackoffExpectation {
  /** At least this many attempts. Default 2. */
  attempts?: number;
  /** Ratio between consecutive gaps. Default 2. */
  factor?: number;
  /** The first gap is at least this. Default 0. */
  minDelay?: Duration;
  /** No gap exceeds this (with tolerance). Default: unbounded. */
  maxDelay?: Duration;
  /** Allowed relative deviation of each gap (jitter, scheduling). Default 0.5. */
  tolerance?: number;
}

const isTimes = (value: unknown): value is number[] => Array.isArray(value) && value.every((t) => typeof t === "number" && Number.isFinite(t));

// A NaN time made every gap comparison false, so the matcher passed: only finite numbers count.
function attemptTimes(received: unknown): number[] | undefined {
  if (isTimes(received)) return received;
  const attempts = (received as { connectionAttempts?: unknown } | null)?.connectionAttempts;
  return isTimes(attempts) ? attempts : undefined;
}

const EXAMPLE = 'toRetryWithBackoff({ attempts: 4, factor: 2, minDelay: "500ms", maxDelay: "30s", tolerance: 0.2 })';
const OPTIONS = {
  attempts: rules.number("a whole number >= 1", (n) => Number.isInteger(n) && n >= 1),
  factor: rules.number("a number >= 1 (1 is a constant delay)", (n) => n >= 1),
  minDelay: rules.duration,
  maxDelay: rules.duration,
  tolerance: rules.number("a number from 0 to 1 (0.5 allows each gap ±50%)", (n) => n >= 0 && n <= 1),
};

/**
 * `expect(attemptTimestamps).toRetryWithBackoff({ factor: 2, minDelay: "500ms", maxDelay: "30s" })`
 * on attempt times in ms (e.g. the connection attempts a node's fault proxy saw).
 */
export function toRetryWithBackoff(this: MatcherContext, received: unknown, expected: BackoffExpectation = {}): SyncExpectationResult {
  const times = attemptTimes(received);
  if (!times)
    throw matcherReceiverError({
      matcher: "toRetryWithBackoff",
      what: "received",
      accepts: "attempt times in ms (finite number[]) or an object with connectionAttempts",
      value: received,
      hint: "pass the attempt times the fault proxy saw (its connectionAttempts), each a finite number of ms",
    });
  checkMatcherOptions("toRetryWithBackoff", expected, OPTIONS, EXAMPLE);
  const attempts = expected.attempts ?? 2;
  const factor = expected.factor ?? 2;
  const tolerance = expected.tolerance ?? 0.5;
  const minDelay = toMs(expected.minDelay ?? 0, { option: "toRetryWithBackoff.minDelay" });
  const maxDelay = expected.maxDelay === undefined ? Infinity : toMs(expected.maxDelay, { option: "toRetryWithBackoff.maxDelay" });
  if (maxDelay < minDelay)
    throw invalidMatcherOption("toRetryWithBackoff", "maxDelay", `at least minDelay (${formatMs(minDelay)})`, expected.maxDelay, EXAMPLE);
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  const problems: string[] = [];
  if (times.length < attempts) problems.push(`expected at least ${attempts} attempts, saw ${times.length}`);
  if (gaps.length && gaps[0]! < minDelay * (1 - tolerance)) problems.push(`first retry after ${formatMs(gaps[0]!)}, expected at least ${formatMs(minDelay)}`);
  for (let i = 1; i < gaps.length; i++) {
    const capped = Math.min(gaps[i - 1]! * factor, maxDelay);
    const low = capped * (1 - tolerance);
    const high = capped * (1 + tolerance);
    if (gaps[i]! < low || gaps[i]! > high)
      problems.push(
        `gap ${i + 1} was ${formatMs(gaps[i]!)}, expected ${formatMs(low)}–${formatMs(high)} (gap ${i} × ${factor}${maxDelay < Infinity ? `, capped at ${formatMs(maxDelay)}` : ""})`,
      );
  }
  for (const [i, gap] of gaps.entries())
    if (gap > maxDelay * (1 + tolerance)) problems.push(`gap ${i + 1} was ${formatMs(gap)}, above maxDelay ${formatMs(maxDelay)}`);
  const pass = problems.length === 0;
  const seen = `attempt gaps: ${gaps.map((g) => formatMs(g)).join(", ") || "none"}`;
  const hint = () => this.utils.matcherHint("toRetryWithBackoff", "attempts", "", { isNot: this.isNot });
  return {
    pass,
    message: () =>
      pass
        ? `${hint()}\n\nExpected the attempts not to back off by ×${factor}, but they did (${seen}).`
        : `${hint()}\n\nExpected ${attempts}+ attempts backing off by ×${factor} (±${Math.round(tolerance * 100)}%):\n  ${problems.join("\n  ")}\n  ${seen}`,
  };
}
