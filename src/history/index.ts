/**
 * The history layer: record client operations, and check them offline against models
 * (linearizability) and cheaper invariants (sets, counters, queues, ids, bank totals).
 * Knows nothing of Jest, Docker or processes.
 */
export { History, createHistory, type HistoryOptions, type OperationListener } from "./history";
export { HistoryClient, type InvokeOptions, type InvokeResult } from "./history-client";
export { defaultClassify, markDefinite, isDefinite, type Classifier, type FailureClass } from "./classify";
export { isOperationType, isClientProcess, type Operation, type NewOperation, type OperationType, type ProcessId } from "./operation";
export { formatValue, describeOperation, formatNeighbourhood } from "./describe";
export { pairCalls, operationsOf, type Call, type CallStatus, type HistoryInput } from "./pairing";

export {
  models,
  defineModel,
  isModel,
  sameValue,
  REJECT,
  accept,
  type Model,
  type ModelDefinition,
  type ModelInput,
  type ModelOutput,
  type StepResult,
  type PartitionKey,
  type RegisterOptions,
  type KvOptions,
  type CounterOptions,
  type SetState,
  type UnorderedQueueState,
} from "./models";

export { checkLinearizable, DEFAULT_BUDGET, type LinearizabilityOptions, type LinearizabilityResult, type Verdict } from "./linearizability/check-linearizable";
export { describeChecked, type CheckedOperation, type IllegalExplanation, type LinearizedStep, type Candidate } from "./linearizability/explanation";

export { checkers } from "./checkers";
export { formatAnomalies, type Anomaly, type CheckResult, type LatencySummary } from "./checkers/check-result";
export { checkSet, type SetCheckOptions, type SetCheckResult, type SetElementFinding } from "./checkers/set-checker";
export { checkCounter, type CounterCheckOptions, type CounterCheckResult, type CounterReadError } from "./checkers/counter-checker";
export { checkQueue, type QueueCheckOptions, type QueueCheckResult, type QueueFinding } from "./checkers/queue-checker";
export { checkUniqueIds, type UniqueIdsCheckOptions, type UniqueIdsCheckResult, type DuplicateId } from "./checkers/unique-ids-checker";
export { checkBank, type BankCheckOptions, type BankCheckResult, type BankReadError } from "./checkers/bank-checker";

export { parseHistory, detectFormat, HISTORY_FORMATS, type HistoryFormat, type ParseHistoryOptions } from "./formats/parse-history";
export { parseJsonl, toJsonl } from "./formats/jsonl";
export { parseEdnHistory, toEdnHistory } from "./formats/edn-history";
export { parseJepsenLog } from "./formats/jepsen-log";
export { parseEdn, toEdn, type EdnValue } from "./formats/edn";

export * from "./txn/index";
