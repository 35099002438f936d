import type { MatcherContext, SyncExpectationResult } from "expect";
import { toMs, formatMs, type Duration } from "../../common/duration";
import { monoNowMs, sleep } from "../../common/timers";
import { matcherReceiverError } from "./receiver-error";

/**
 * `await expect(promise).toCompleteWithin("2s")`: the promise settles (resolves or rejects)
 * within the budget — no hang, no deadlock. Pass a function to time a fresh call.
 */
export async function toCompleteWithin(this: MatcherContext, received: unknown, budget: Duration): Promise<SyncExpectationResult> {
  const promise = typeof received === "function" ? Promise.resolve().then(received as () => unknown) : received;
  if (!promise || typeof (promise as Promise<unknown>).then !== "function")
    throw matcherReceiverError({
      matcher: "toCompleteWithin",
      what: "received",
      accepts: "a promise or a function returning one",
      value: received,
      hint: 'pass the call\'s promise: await expect(client.get("k")).toCompleteWithin("2s")',
    });
  const ms = toMs(budget, { option: "toCompleteWithin(budget)" });
  const started = monoNowMs();
  let outcome: "resolved" | "rejected" | undefined;
  let reason: unknown;
  const settled = (promise as Promise<unknown>).then(
    () => (outcome = "resolved"),
    (error) => {
      outcome = "rejected";
      reason = error;
    },
  );
  await Promise.race([settled, sleep(ms)]);
  const took = monoNowMs() - started;
  const pass = outcome !== undefined;
  const hint = () => this.utils.matcherHint("toCompleteWithin", "promise", formatMs(ms), { isNot: this.isNot, promise: this.promise });
  return {
    pass,
    message: () =>
      pass
        ? `${hint()}\n\nExpected the promise not to settle within ${formatMs(ms)}, but it ${outcome} after ${formatMs(took)}${reason ? `: ${(reason as Error).message}` : ""}.`
        : `${hint()}\n\nExpected the promise to settle within ${formatMs(ms)}; it was still pending after ${formatMs(took)} (a hang or a deadlock).`,
  };
}
