/// <reference types="jest" />
import { checkUniqueIds, type UniqueIdsCheckOptions } from "../../history/checkers/unique-ids-checker";
import { checkerMatcherResult, receivedOperations } from "./history-receiver";
import { checkMatcherOptions, rules } from "./matcher-options";

/** `expect(history).toHaveUniqueIds()`: no id generation returned an id another one returned. */
export function toHaveUniqueIds(this: jest.MatcherContext, received: unknown, options: UniqueIdsCheckOptions = {}): jest.CustomMatcherResult {
  const ops = receivedOperations(this, "toHaveUniqueIds", received);
  checkMatcherOptions("toHaveUniqueIds", options, { f: rules.names }, 'toHaveUniqueIds({ f: "generate" })');
  return checkerMatcherResult(this, "toHaveUniqueIds", ops, checkUniqueIds(ops, options), "hand out unique ids");
}
