/**
 * Transactional anomaly checking after Jepsen's Elle: record transactions of micro-operations,
 * infer dependencies between them (list-append or rw-register), and find the anomalies and
 * dependency cycles a consistency model forbids.
 */
export { checkTransactions, detectWorkload, TXN_WORKLOADS, type TxnCheckOptions, type TxnCheckResult, type TxnWorkload } from "./check-txn";
export { CONSISTENCY_MODELS, canonicalModel, anomaliesProhibitedBy, modelBoundary, type ConsistencyModel } from "./consistency-models";
export { TxnClient, txnClient, completeTxn, type TxnRunner } from "./txn-client";
export { parseTxnEdn, toTxnEdn } from "./txn-edn";
export { txnHistoryOf, type TxnHistory, type TxnRecord, type TxnOutcome } from "./txn-history";
export { TXN_F, type Txn, type MicroOp, type AppendOp, type WriteOp, type ReadOp, type TxnKey, type TxnValue } from "./micro-op";
export type { TxnAnomaly, CycleStep } from "./txn-anomaly";
export type { RwRegisterOptions } from "./rw-register";
