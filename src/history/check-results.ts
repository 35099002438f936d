import type { LinearizabilityResult } from "./linearizability/check-linearizable";

/**
 * The latest linearizability verdict on each recorded history, so the report can draw the
 * linearization of a history a test checked. Weak: it never keeps a history alive.
 */
const results = new WeakMap<object, LinearizabilityResult>();

export function rememberCheck(history: object, result: LinearizabilityResult): void {
  results.set(history, result);
}

export function recalledCheck(history: object): LinearizabilityResult | undefined {
  return results.get(history);
}

/** The result in the report's terms: verdict, prefix and blocking op as operation indexes. */
export function checkForReport(history: object): { verdict: string; checker: string; prefix?: number[]; culprit?: number; message: string } | undefined {
  const result = results.get(history);
  if (!result) return undefined;
  const explanation = result.explanation;
  return {
    verdict: result.verdict,
    checker: "linearizable",
    prefix: explanation?.prefix.map((step) => step.op.invokeIndex),
    culprit: explanation?.blocked.invokeIndex,
    message: explanation?.text ?? result.message,
  };
}
