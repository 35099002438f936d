import type { GraphBuilder } from "./dependency-graph";
import type { TxnKey } from "./micro-op";
import type { AnomalyLog } from "./txn-anomaly";
import type { TxnHistory, TxnRecord } from "./txn-history";

/** Why `b` depends on `a` through one data relation, as a clause using the names given. */
export interface StepReason {
  readonly key?: TxnKey;
  readonly why: string;
}

/**
 * What a workload's inference leaves behind once it has linked its data dependencies into the
 * graph: a way to say why any one of those edges exists. Reasons are worked out again on
 * demand, for the few edges of a witness cycle, instead of being stored for every edge.
 */
export interface DataInference {
  explain(a: TxnRecord, b: TxnRecord, rel: number, aName: string, bName: string): StepReason | undefined;
}

/** A workload's inference: reads the history, reports the anomalies it sees on the way, links edges. */
export type InferDependencies = (history: TxnHistory, builder: GraphBuilder, log: AnomalyLog) => DataInference;
