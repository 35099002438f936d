/// <reference types="jest" />
import { FaultlineError, isFaultlineError } from "../../common/errors";
import { rememberCheck } from "../../history/check-results";
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
  return checkConsistency(this, "toBeConsistent", received, model, options);
}

/** The matcher for one model by name: `toBeSerializable()` is `toBeConsistent("serializable")`. */
function shorthand(matcher: string, model: ConsistencyModel) {
  const named = {
    [matcher](this: jest.MatcherContext, received: unknown, options: Omit<TxnCheckOptions, "model"> = {}): jest.CustomMatcherResult {
      return checkConsistency(this, matcher, received, model, options);
    },
  };
  return named[matcher]!;
}

/** `expect(history).toBeSerializable()`: no anomaly serializability forbids (G0, G1, G2). */
export const toBeSerializable = shorthand("toBeSerializable", "serializable");
/** `expect(history).toBeStrictSerializable()`: serializable, in an order that respects real time. */
export const toBeStrictSerializable = shorthand("toBeStrictSerializable", "strict-serializable");
/** `expect(history).toBeSnapshotIsolated()`: no anomaly snapshot isolation forbids (write skew is allowed). */
export const toBeSnapshotIsolated = shorthand("toBeSnapshotIsolated", "snapshot-isolation");
/** `expect(history).toBeReadCommitted()`: no anomaly read committed forbids (G0, G1a, G1b, G1c). */
export const toBeReadCommitted = shorthand("toBeReadCommitted", "read-committed");

function checkConsistency(
  ctx: jest.MatcherContext,
  matcher: string,
  received: unknown,
  model: ConsistencyModel | readonly ConsistencyModel[],
  options: Omit<TxnCheckOptions, "model">,
): jest.CustomMatcherResult {
  const ops = receivedOperations(ctx, matcher, received);
  const models = typeof model === "string" ? [model] : model;
  if (!knownModels(models)) {
    throw invalidArgument(
      ctx,
      matcher,
      'a consistency model such as "serializable", or a list of them',
      model,
      "name the model the system promises: read-committed, snapshot-isolation, serializable, strict-serializable, …",
    );
  }
  const result = checkTransactions(ops, { ...options, model: models });
  if (typeof received === "object" && received !== null) rememberCheck(received, result);
  const name = models.join(" and ");
  if (result.valid === "unknown") {
    throw new FaultlineError({
      code: "FAULTLINE_CHECK_BUDGET",
      message: `${matcher} could not decide ${name}: ${result.message}`,
      hint: `pass a larger cycleSearchBudget, e.g. ${matcher}(${matcher === "toBeConsistent" ? "model, " : ""}{ cycleSearchBudget: 50_000_000 }), or record a shorter history`,
    });
  }
  const pass = result.valid;
  const expected = matcher === "toBeConsistent" ? JSON.stringify(name) : "";
  const hint = (): string => ctx.utils.matcherHint(matcher, "history", expected, { isNot: ctx.isNot, promise: ctx.promise });
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
