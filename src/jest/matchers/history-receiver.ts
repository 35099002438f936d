/// <reference types="jest" />
import { History } from "../../history/history";
import { isOperationLike, type Operation } from "../../history/operation";
import { markReceiverError } from "./cluster-receiver";
import { formatAnomalies, type CheckResult } from "../../history/checkers/check-result";

/** A TypeError carrying faultline's code, as Jest's own matchers throw for a wrong receiver. */
function matcherTypeError(
  context: jest.MatcherContext,
  matcher: string,
  what: "received" | "expected",
  expected: string,
  value: unknown,
  hint: string,
): TypeError {
  const { utils } = context;
  const color = what === "received" ? utils.RECEIVED_COLOR : utils.EXPECTED_COLOR;
  const label = what === "received" ? "Received" : "Expected";
  const print = what === "received" ? utils.printReceived : utils.printExpected;
  const message = utils.matcherErrorMessage(
    utils.matcherHint(matcher, undefined, undefined, { isNot: context.isNot, promise: context.promise }),
    `${color(what)} value must be ${expected}`,
    `${utils.printWithType(label, value, print)}\n\nHint: ${hint}`,
  );
  return markReceiverError(new TypeError(message), `${matcher}.${what}`, hint);
}

/** The operations of a received History (from any module registry) or operation array. */
export function receivedOperations(context: jest.MatcherContext, matcher: string, received: unknown): readonly Operation[] {
  if (History.isHistory(received)) return received.operations;
  if (Array.isArray(received) && received.every(isOperationLike)) return received;
  throw matcherTypeError(
    context,
    matcher,
    "received",
    "a History or an array of operations",
    received,
    "pass cluster.history(), createHistory(), or the result of parseHistory()",
  );
}

/** Throws the Jest-style error for a wrong matcher argument. */
export function invalidArgument(context: jest.MatcherContext, matcher: string, expected: string, value: unknown, hint: string): TypeError {
  return matcherTypeError(context, matcher, "expected", expected, value, hint);
}

/**
 * The result of a matcher backed by a cheap checker: fails with the checker's message and the
 * first anomalies, each with the operations around it.
 */
export function checkerMatcherResult(
  context: jest.MatcherContext,
  matcher: string,
  operations: readonly Operation[],
  result: CheckResult,
  claim: string,
): jest.CustomMatcherResult {
  const hint = (): string => context.utils.matcherHint(matcher, "history", "", { isNot: context.isNot, promise: context.promise });
  return {
    pass: result.valid,
    message: () =>
      result.valid
        ? `${hint()}\n\nExpected the history to break "${claim}", but it does not: ${result.message}.`
        : `${hint()}\n\nExpected the history to ${claim}, but: ${result.message}.\n\n${formatAnomalies(result.anomalies, operations)}`,
  };
}
