/// <reference types="jest" />
import { checkCounter, type CounterCheckOptions } from "../../history/checkers/counter-checker";
import { checkerMatcherResult, receivedOperations } from "./history-receiver";
import { checkMatcherOptions, rules } from "./matcher-options";

/**
 * `expect(history).toHaveValidCounter()`: every read of a counter lies between the lowest and
 * highest value it could have had while the read ran.
 */
export function toHaveValidCounter(this: jest.MatcherContext, received: unknown, options: CounterCheckOptions = {}): jest.CustomMatcherResult {
  const ops = receivedOperations(this, "toHaveValidCounter", received);
  checkMatcherOptions(
    "toHaveValidCounter",
    options,
    { add: rules.names, read: rules.names, initial: rules.number("a finite number", () => true) },
    'toHaveValidCounter({ add: "incr", initial: 0 })',
  );
  return checkerMatcherResult(this, "toHaveValidCounter", ops, checkCounter(ops, options), "read the counter within its possible values");
}
