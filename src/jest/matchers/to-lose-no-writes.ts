/// <reference types="jest" />
import { checkSet, type SetCheckOptions } from "../../history/checkers/set-checker";
import { checkerMatcherResult, receivedOperations } from "./history-receiver";
import { checkMatcherOptions, rules } from "./matcher-options";

/**
 * `expect(history).toLoseNoWrites()`: on a set workload (`add` then `read` of all elements),
 * every acknowledged add stays visible to every later read, and reads contain nothing that
 * was not added (Jepsen's set-full checker). `{ linearizable: true }` also rejects stale reads.
 */
export function toLoseNoWrites(this: jest.MatcherContext, received: unknown, options: SetCheckOptions = {}): jest.CustomMatcherResult {
  const ops = receivedOperations(this, "toLoseNoWrites", received);
  // A misspelt `linearizable` would skip the stale-read check and pass.
  checkMatcherOptions(
    "toLoseNoWrites",
    options,
    { add: rules.names, read: rules.names, linearizable: rules.boolean },
    'toLoseNoWrites({ add: "add", read: "read", linearizable: true })',
  );
  return checkerMatcherResult(this, "toLoseNoWrites", ops, checkSet(ops, options), "lose no acknowledged writes");
}
