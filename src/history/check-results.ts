import type { LinearizabilityResult } from "./linearizability/check-linearizable";
import type { TxnCheckResult } from "./txn/check-txn";

/**
 * The latest verdict on each recorded history — linearizability or a transactional check — so
 * the report can draw what a test found. Weak: it never keeps a history alive.
 */
const results = new WeakMap<object, LinearizabilityResult | TxnCheckResult>();

export function rememberCheck(history: object, result: LinearizabilityResult | TxnCheckResult): void {
  results.set(history, result);
}

export function recalledCheck(history: object): LinearizabilityResult | TxnCheckResult | undefined {
  return results.get(history);
}

/** A witness cycle of a transactional anomaly, as the report draws it. */
export interface CycleForReport {
  kind: string;
  explanation?: string;
  /** Each dependency: from and to are history indexes of the two transactions' completions. */
  steps: Array<{ from: number; to: number; rel: string; why: string }>;
}

/** Witness cycles drawn per test at most: the worst kinds first, one each. */
const CYCLES_KEPT = 3;

/** The result in the report's terms: verdict, prefix and blocking op (or witness cycles) as operation indexes. */
export function checkForReport(
  history: object,
): { verdict: string; checker: string; prefix?: number[]; culprit?: number; cycles?: CycleForReport[]; message: string } | undefined {
  const result = results.get(history);
  if (!result) return undefined;
  if ("anomalyTypes" in result) {
    const cycles: CycleForReport[] = [];
    for (const kind of result.anomalyTypes) {
      const witness = result.anomalies[kind]?.find((a) => a.cycle && a.cycle.length > 0);
      if (!witness || cycles.length >= CYCLES_KEPT) continue;
      cycles.push({ kind, explanation: witness.explanation, steps: witness.cycle!.map((s) => ({ from: s.from, to: s.to, rel: s.rel, why: s.why })) });
    }
    return {
      verdict: result.valid === true ? "ok" : result.valid === false ? "illegal" : "unknown",
      checker: `transactions, ${result.models.join(" and ")}`,
      cycles: cycles.length ? cycles : undefined,
      message: result.message,
    };
  }
  const explanation = result.explanation;
  return {
    verdict: result.verdict,
    checker: "linearizable",
    prefix: explanation?.prefix.map((step) => step.op.invokeIndex),
    culprit: explanation?.blocked.invokeIndex,
    message: explanation?.text ?? result.message,
  };
}
