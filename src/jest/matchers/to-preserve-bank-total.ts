/// <reference types="jest" />
import { checkBank, type BankCheckOptions } from "../../history/checkers/bank-checker";
import { checkerMatcherResult, invalidArgument, receivedOperations } from "./history-receiver";
import { checkMatcherOptions, rules } from "./matcher-options";

/**
 * `expect(history).toPreserveBankTotal(100)`: every read of all balances sums to the total
 * (transfers move money, never create or destroy it) and shows no negative balance.
 */
export function toPreserveBankTotal(
  this: jest.MatcherContext,
  received: unknown,
  total: number,
  options: Omit<BankCheckOptions, "total"> = {},
): jest.CustomMatcherResult {
  const ops = receivedOperations(this, "toPreserveBankTotal", received);
  if (typeof total !== "number" || !Number.isFinite(total)) {
    throw invalidArgument(this, "toPreserveBankTotal", "the total as a number", total, "pass the sum of all starting balances: toPreserveBankTotal(100)");
  }
  checkMatcherOptions(
    "toPreserveBankTotal",
    options,
    {
      read: rules.names,
      negative: rules.boolean,
      accounts: {
        expected: "a list of account names or numbers",
        valid: (v) => Array.isArray(v) && v.every((a) => typeof a === "string" || typeof a === "number"),
      },
    },
    'toPreserveBankTotal(100, { accounts: ["a", "b"], negative: false })',
  );
  return checkerMatcherResult(this, "toPreserveBankTotal", ops, checkBank(ops, { ...options, total }), `keep the bank's total at ${total}`);
}
