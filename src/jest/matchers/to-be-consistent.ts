/// <reference types="jest" />
import { FaultlineError, isFaultlineError } from "../../common/errors";
import { formatNeighbourhood } from "../../history/describe";
import { checkTransactions, type TxnCheckOptions } from "../../history/txn/check-txn";
import { canonicalModel, type ConsistencyModel } from "../../history/txn/consistency-models";
import { invalidArgument, receivedOperations } from "./history-receiver";

/** True when `models` is a non-empty list of model names checkTransactions knows. */
function knownModels(models: unknown): boolean {
  if (!Array.isArray(models) || models.length === 0) return false;
  try {
    for (const m of models) canonicalModel(m);
    return true;
  } catch (error) {
    if (isFaultlineError(error)) return false;
    throw error;
  }
}

/**
 * `expect(history).toBeConsistent("serializable")`: a history of transactions (list-append or
 * rw-register micro-operations) shows no anomaly the model forbids, as Elle checks it. Fails
 * with each forbidden anomaly's witness explained step by step and the transactions involved;
 * throws FAULTLINE_CHECK_BUDGET when the cycle search ran out of budget before deciding.
 */
export function toBeConsistent(
  this: jest.MatcherContext,
  received: unknown,
  model: ConsistencyModel | readonly ConsistencyModel[],
  options: Omit<TxnCheckOptions, "model"> = {},
): jest.CustomMatcherResult {
  const ops = receivedOperations(this, "toBeConsistent", received);
  const models = typeof model === "string" ? [model] : model;
  if (!knownModels(models)) {
    throw invalidArgument(
      this,
      "toBeConsistent",
      'a consistency model such as "serializable", or a list of them',
      model,
      "name the model the system promises: read-committed, snapshot-isolation, serializable, strict-serializable, …",
    );
  }
  const result = checkTransactions(ops, { ...options, model: models });
  const name = models.join(" and ");
  if (result.valid === "unknown") {
    throw new FaultlineError({
      code: "FAULTLINE_CHECK_BUDGET",
      message: `toBeConsistent could not decide ${name}: ${result.message}`,
      hint: "pass a larger cycleSearchBudget, e.g. toBeConsistent(model, { cycleSearchBudget: 50_000_000 }), or record a shorter history",
    });
  }
  const pass = result.valid;
  const hint = (): string => this.utils.matcherHint("toBeConsistent", "history", JSON.stringify(name), { isNot: this.isNot, promise: this.promise });
  return {
    pass,
    message: () => {
      if (pass) return `${hint()}\n\nExpected the history not to be ${name}, but it is: ${result.message}`;
      const first = result.anomalies[result.anomalyTypes[0]!]![0]!;
      const where = first.indexes.length
        ? `\n\nWhere the first one is in the history (> marks its transactions):\n${formatNeighbourhood(ops, first.indexes, 1)}`
        : "";
      return `${hint()}\n\nExpected the history to be ${name}, but it is not.\n${result.message}${where}`;
    },
  };
}
