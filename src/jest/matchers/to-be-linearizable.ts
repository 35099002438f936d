/// <reference types="jest" />
import { FaultlineError } from "../../common/errors";
import { rememberCheck } from "../../history/check-results";
import { formatMs } from "../../common/duration";
import { formatNeighbourhood } from "../../history/describe";
import { checkLinearizable, type LinearizabilityOptions } from "../../history/linearizability/check-linearizable";
import { isModel, type Model } from "../../history/models/model";
import { invalidArgument, receivedOperations } from "./history-receiver";
import { checkMatcherOptions, rules } from "./matcher-options";

/**
 * `expect(history).toBeLinearizable(models.casRegister(), { budget: "10s" })`: the history is
 * linearizable with respect to the model. Fails with the longest linearizable prefix, the
 * operation that cannot follow it and the operations around it; throws FAULTLINE_CHECK_BUDGET
 * when the budget runs out, since then neither the assertion nor its `.not` holds.
 */
export function toBeLinearizable(
  this: jest.MatcherContext,
  received: unknown,
  model: Model<unknown>,
  options: LinearizabilityOptions = {},
): jest.CustomMatcherResult {
  const ops = receivedOperations(this, "toBeLinearizable", received);
  if (!isModel(model)) {
    throw invalidArgument(
      this,
      "toBeLinearizable",
      "a model such as models.casRegister()",
      model,
      "call the factory (models.casRegister(), not models.casRegister), or build one with defineModel()",
    );
  }
  checkMatcherOptions("toBeLinearizable", options, { budget: rules.duration }, 'toBeLinearizable(models.casRegister(), { budget: "60s" })');
  const result = checkLinearizable(ops, model, options);
  if (typeof received === "object" && received !== null) rememberCheck(received, result);
  if (result.verdict === "unknown") {
    throw new FaultlineError({
      code: "FAULTLINE_CHECK_BUDGET",
      message: `toBeLinearizable could not decide within its budget of ${formatMs(result.budgetMs)} (${result.operations} operations, model ${result.model})`,
      hint: 'pass a larger budget, e.g. toBeLinearizable(model, { budget: "60s" }), or record fewer concurrent clients',
      details: result.message,
    });
  }
  const pass = result.verdict === "ok";
  const hint = (): string => this.utils.matcherHint("toBeLinearizable", "history", "model", { isNot: this.isNot, promise: this.promise });
  return {
    pass,
    message: () => {
      if (pass) return `${hint()}\n\nExpected the history not to be linearizable, but it is: ${result.message}.`;
      const explanation = result.explanation!;
      const blocked = explanation.blocked;
      const last = explanation.prefix.at(-1)?.op;
      const indexes = [blocked.invokeIndex, blocked.completeIndex, last?.completeIndex ?? last?.invokeIndex].filter((i): i is number => i !== undefined);
      return `${hint()}\n\nExpected the history to be linearizable, but it is ${result.message}\n\nWhere it is in the history (> marks the operation that cannot be placed and the last one placed):\n${formatNeighbourhood(ops, indexes, 2)}`;
    },
  };
}
