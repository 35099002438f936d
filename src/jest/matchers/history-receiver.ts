/// <reference types="jest" />
import { History } from "../../history/history";
import { isOperationLike, type Operation } from "../../history/operation";
import { matcherReceiverError } from "./receiver-error";
import type { FaultlineError } from "../../common/errors";
import { formatAnomalies, type CheckResult } from "../../history/checkers/check-result";

/** The operations of a received History (from any module registry) or operation array. */
export function receivedOperations(context: jest.MatcherContext, matcher: string, received: unknown): readonly Operation[] {
  if (History.isHistory(received)) return received.operations;
  if (Array.isArray(received) && received.every(isOperationLike)) return received;
  throw matcherReceiverError({
    context,
    matcher,
    what: "received",
    accepts: "a History or an array of operations",
    value: received,
    hint: "pass cluster.history(), createHistory(), or the result of parseHistory()",
  });
}

/** The error for a wrong matcher argument, in Jest's format. */
export function invalidArgument(context: jest.MatcherContext, matcher: string, expected: string, value: unknown, hint: string): FaultlineError {
  return matcherReceiverError({ context, matcher, what: "expected", accepts: expected, value, hint });
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
