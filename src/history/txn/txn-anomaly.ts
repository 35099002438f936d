import type { Anomaly } from "../checkers/check-result";
import type { RelName } from "./dependency-graph";
import type { TxnKey } from "./micro-op";

/** One dependency of a cycle, `from` < `to`, and why. */
export interface CycleStep {
  /** History index of the earlier transaction's completion. */
  readonly from: number;
  readonly to: number;
  readonly rel: RelName;
  /** The key the dependency is about (data dependencies only). */
  readonly key?: TxnKey;
  /** Why, as a clause naming the transactions `T1`, `T2`, …: "T2 observed T1's append of 3 to x". */
  readonly why: string;
}

/**
 * An anomaly a transactional check found. `kind` is Elle's name (`G1a`, `G-single`,
 * `incompatible-order`, …); `indexes` are the history indexes of the transactions involved
 * (their completions); a cycle anomaly carries its `cycle` and a multi-line `explanation`.
 */
export interface TxnAnomaly extends Anomaly {
  readonly key?: TxnKey;
  readonly cycle?: readonly CycleStep[];
  /** The reasoning a person can follow, one line per step. */
  readonly explanation?: string;
}

/** Collects anomalies by kind, keeping at most `limit` of each (the count is kept whole). */
export class AnomalyLog {
  readonly byKind = new Map<string, TxnAnomaly[]>();
  readonly counts = new Map<string, number>();

  constructor(private readonly limit = 32) {}

  add(anomaly: TxnAnomaly): void {
    this.counts.set(anomaly.kind, (this.counts.get(anomaly.kind) ?? 0) + 1);
    let list = this.byKind.get(anomaly.kind);
    if (!list) this.byKind.set(anomaly.kind, (list = []));
    if (list.length < this.limit) list.push(anomaly);
  }
}
