import type { MatcherContext, SyncExpectationResult } from "expect";
import { toMs, formatMs, type Duration } from "../../common/duration";
import { asNode } from "./cluster-receiver";
import { checkMatcherOptions, rules } from "./matcher-options";

export interface ExitExpectation {
  code?: number;
  signal?: NodeJS.Signals;
}

/** `await expect(cluster.node("n1")).toExitWithin("5s", { code: 0 })`. */
export async function toExitWithin(this: MatcherContext, received: unknown, budget: Duration, expected: ExitExpectation = {}): Promise<SyncExpectationResult> {
  const node = asNode("toExitWithin", received);
  const ms = toMs(budget, { option: "toExitWithin(budget)", node: node.name });
  // `{ code: "0" }` never matched, so `.not` passed whatever the node did; `{ sigal: … }` was ignored.
  checkMatcherOptions(
    "toExitWithin",
    expected,
    {
      code: { expected: "an exit code (a whole number from 0 to 255)", valid: (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 255 },
      signal: rules.signal,
    },
    'toExitWithin("5s", { code: 0 }) or { signal: "SIGKILL" }',
  );
  let status: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let timedOut = false;
  try {
    status = await node.waitForExit(ms);
  } catch {
    timedOut = true;
  }
  const codeOk = expected.code === undefined || status?.code === expected.code;
  const signalOk = expected.signal === undefined || status?.signal === expected.signal;
  const pass = !timedOut && codeOk && signalOk;
  const want = [expected.code !== undefined ? `code ${expected.code}` : "", expected.signal ? `signal ${expected.signal}` : ""].filter(Boolean).join(" and ");
  const got = status ? (status.signal ? `signal ${status.signal}` : `code ${status.code}`) : "still running";
  const hint = () => this.utils.matcherHint("toExitWithin", "node", formatMs(ms), { isNot: this.isNot, promise: this.promise });
  return {
    pass,
    message: () =>
      pass
        ? `${hint()}\n\nExpected node ${node.name} not to exit${want ? ` with ${want}` : ""} within ${formatMs(ms)}, but it exited with ${got}.`
        : `${hint()}\n\nExpected node ${node.name} to exit${want ? ` with ${want}` : ""} within ${formatMs(ms)}; ${timedOut ? "it was still running" : `it exited with ${got}`}.\n\n${node.logSection(15)}`,
  };
}
