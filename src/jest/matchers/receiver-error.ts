/// <reference types="jest" />
import { FaultlineError, describeValue } from "../../common/errors";

/** A matcher given a value it cannot read: the receiver of `expect()`, or its own argument. */
export interface ReceiverProblem {
  matcher: string;
  /** Which value was wrong: `expect(received)` or the matcher's `expected` argument. */
  what: "received" | "expected";
  /** What the matcher accepts there, e.g. "a cluster". */
  accepts: string;
  value: unknown;
  /** What to pass instead; the catalogue's default hint when absent. */
  hint?: string;
  /** Jest's matcher context: when given, the message shows Jest's matcher hint and the value with its type. */
  context?: Pick<jest.MatcherContext, "utils" | "isNot" | "promise">;
}

/** How a wrong value is named in a message: its kind, and what it is when that is short. */
function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  const kind = typeof value;
  return kind === "string" || kind === "number" || kind === "boolean" ? `${kind} ${describeValue(value)}` : kind;
}

/**
 * The one FAULTLINE_MATCHER_RECEIVER error every matcher throws for a value of the wrong kind:
 * says which matcher, what it accepts, what it got, and what to pass; `option` is
 * `matcher.received` or `matcher.expected`.
 */
export function matcherReceiverError(problem: ReceiverProblem): FaultlineError {
  const { matcher, what, accepts, value, hint, context } = problem;
  const option = `${matcher}.${what}`;
  if (!context) {
    return new FaultlineError({
      code: "FAULTLINE_MATCHER_RECEIVER",
      message: `${matcher}() expects ${accepts} as its ${what} value, received ${kindOf(value)}`,
      option,
      hint,
    });
  }
  const { utils } = context;
  const color = what === "received" ? utils.RECEIVED_COLOR : utils.EXPECTED_COLOR;
  const label = what === "received" ? "Received" : "Expected";
  const print = what === "received" ? utils.printReceived : utils.printExpected;
  const shape = utils.matcherHint(matcher, undefined, undefined, { isNot: context.isNot, promise: context.promise });
  return new FaultlineError({
    code: "FAULTLINE_MATCHER_RECEIVER",
    message: `${shape}\n\n${color(what)} value must be ${accepts}`,
    option,
    hint,
    details: `\n${utils.printWithType(label, value, print)}`,
  });
}
