import { FaultlineError, describeValue } from "../../common/errors";
import { formatValue } from "../describe";
import { operationsOf, pairCalls, type HistoryInput } from "../pairing";
import { namesOf, type Anomaly, type CheckResult } from "./check-result";

/** Options of {@link checkBank}. */
export interface BankCheckOptions {
  /** The sum every read must show: transfers move money, never make or destroy it. */
  total: number;
  /** Function name(s) that read all balances (result: `{ account: balance }` or an array). Default: `"read"`. */
  read?: string | readonly string[];
  /** Allow negative balances. Default: false. */
  negative?: boolean;
  /** The accounts every read must show, exactly. Default: not checked. */
  accounts?: readonly (string | number)[];
}

/** A read that breaks the bank's invariants. */
export interface BankReadError {
  readonly index: number;
  readonly kind: "wrong-total" | "negative-balance" | "wrong-accounts" | "unreadable";
  readonly total?: number;
  readonly balances: unknown;
}

/** The verdict of {@link checkBank}. */
export interface BankCheckResult extends CheckResult {
  readonly reads: number;
  readonly errors: readonly BankReadError[];
}

function balancesOf(value: unknown): Map<string, number> | undefined {
  if (Array.isArray(value)) return new Map(value.map((v, i) => [String(i), Number(v)]));
  if (typeof value === "object" && value !== null) return new Map(Object.entries(value).map(([k, v]) => [k, Number(v)]));
  return undefined;
}

/** Checks a bank workload (Jepsen's bank test): every read of all balances sums to `total`. */
export function checkBank(history: HistoryInput, options: BankCheckOptions): BankCheckResult {
  if (typeof options?.total !== "number" || !Number.isFinite(options.total)) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      option: "total",
      message: `checkBank expected { total: number }, received ${describeValue(options?.total)}`,
    });
  }
  const names = namesOf(options.read, ["read"]);
  const expectedAccounts = options.accounts?.map(String).sort().join(",");
  const errors: BankReadError[] = [];
  let reads = 0;
  for (const call of pairCalls(operationsOf(history, "checkBank"))) {
    if (!names.has(call.f) || call.status !== "ok") continue;
    reads++;
    const index = call.complete!.index;
    const balances = balancesOf(call.result);
    if (!balances) {
      errors.push({ index, kind: "unreadable", balances: call.result });
      continue;
    }
    const total = [...balances.values()].reduce((a, b) => a + b, 0);
    if (Math.abs(total - options.total) > 1e-9 * Math.max(1, Math.abs(options.total)))
      errors.push({ index, kind: "wrong-total", total, balances: call.result });
    if (!options.negative && [...balances.values()].some((b) => b < 0)) errors.push({ index, kind: "negative-balance", total, balances: call.result });
    if (expectedAccounts !== undefined && [...balances.keys()].sort().join(",") !== expectedAccounts)
      errors.push({ index, kind: "wrong-accounts", total, balances: call.result });
  }
  const anomalies: Anomaly[] = errors.map((e) => ({
    kind: e.kind,
    description:
      e.kind === "wrong-total"
        ? `read at #${e.index} sums to ${e.total}, not ${options.total}: ${formatValue(e.balances, 120)}`
        : e.kind === "negative-balance"
          ? `read at #${e.index} shows a negative balance: ${formatValue(e.balances, 120)}`
          : e.kind === "wrong-accounts"
            ? `read at #${e.index} shows accounts other than ${options.accounts!.join(", ")}: ${formatValue(e.balances, 120)}`
            : `read at #${e.index} is not a map or array of balances: ${formatValue(e.balances)}`,
    indexes: [e.index],
  }));
  const valid = errors.length === 0;
  return { valid, anomalies, message: valid ? `all ${reads} reads sum to ${options.total}` : `${errors.length} bad reads of ${reads}`, reads, errors };
}
