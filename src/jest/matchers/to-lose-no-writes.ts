/// <reference types="jest" />
import { checkSet, type SetCheckOptions } from "../../history/checkers/set-checker";
import { checkerMatcherResult, receivedOperations } from "./history-receiver";

/**
 * `expect(history).toLoseNoWrites()`: on a set workload (`add` then `read` of all elements),
 * every acknowledged add stays visible to every later read, and reads contain nothing that
 * was not added (Jepsen's set-full checker). `{ linearizable: true }` also rejects stale reads.
 */
export function toLoseNoWrites(this: jest.MatcherContext, received: unknown, options: SetCheckOptions = {}): jest.CustomMatcherResult {
  const ops = receivedOperations(this, "toLoseNoWrites", received);
  return checkerMatcherResult(this, "toLoseNoWrites", ops, checkSet(ops, options), "lose no acknowledged writes");
}
