/**
 * faultline: resilience testing of distributed systems inside Jest.
 * Everything public is exported here by name; nothing else is public.
 */
import "./jest/matchers/global-types";

export { defineCluster } from "./cluster/define-cluster";
export { fromCompose, type FromComposeOptions } from "./compose";
export { probes } from "./cluster/probes";
export type { HttpProbeOptions } from "./cluster/probes";
export { startCluster } from "./wiring/start-cluster";
export type { StartClusterOptions } from "./wiring/start-cluster";
export type {
  Cluster,
  ClusterSpec,
  NodeSpec,
  ClusterDefinition,
  Node,
  NodeState,
  CommandContext,
  Probe,
  ProvisionerKind,
  StopOptions,
  AddressOptions,
} from "./cluster/types";
export { Timeline, describeEvent } from "./cluster/timeline";
export type { TimelineEvent, NodeEvent, FaultEvent, ProbeEvent, RecoveryEvent, TestEvent } from "./cluster/timeline";

export { faults, faulty, grudges, faultyModes } from "./faults/index";
export type { Fault, ActiveFault, FaultContext, FaultTarget, FaultKind, FaultOptionsByKind, Grudge, NodeSelector, TargetOptions } from "./faults/index";
export type { ActiveSchedule, ScheduledStep, Faulty, FaultyMode, FaultyControl } from "./faults/index";
// The options of every fault kind.
export type { SignalFaultOptions, PartitionOptions, LinkOptions, LatencyOptions, LossOptions, BandwidthOptions, ScheduleOptions } from "./faults/index";
export type { ClockOptions } from "./faults/clock-fault";
export type { DiskOptions } from "./faults/disk-fault";
export type { ResourcesOptions } from "./faults/resources-fault";
export type { FailpointFaultOptions } from "./faults/failpoint-fault";
export type { HttpFaultOptions } from "./faults/http-fault";
export type { FaultyOptions } from "./faults/faulty";
export type { MajorityMinorityOptions } from "./faults/grudge";
export type { SlowCloseOptions, TimeoutOptions, ResetPeerOptions, SlicerOptions, LimitDataOptions, DownOptions } from "./faults/toxic-faults";
export type { HostControls, NetworkControl, DiskControl, ClockControl, LimitsControl, Capability, Applied } from "./cluster/controls";

export { useCluster } from "./jest/use-cluster";
export { withFault, withFaults } from "./jest/with-fault";
export { testFaults } from "./jest/test-faults";
export type { TestFaultsOptions } from "./jest/test-faults";
export { faultSchedules, describeSchedule } from "./faults/schedule-arbitrary";
export type { FaultSchedulesOptions, ScheduleStep, ScheduleKind, StepTiming, PartitionShape } from "./faults/schedule-arbitrary";
export type { WithFaultOptions, FaultSpec } from "./jest/with-fault";
export type { FaultTiming } from "./jest/fault-timing";
export { matchers, registerMatchers } from "./jest/matchers/register";
export { default as globalSetup } from "./jest/global-setup";
export { default as globalTeardown } from "./jest/global-teardown";
export type { FaultlineOptions } from "./jest/file-state";

export { recipes, EtcdClient, EtcdWatch, RespClient, NatsClient, JetStream } from "./recipes/index";
export type {
  EtcdRecipeOptions,
  RedisRecipeOptions,
  NatsRecipeOptions,
  EtcdClientOptions,
  EtcdKv,
  EtcdStatus,
  WatchEvent,
  WatchOptions,
  RespValue,
  NatsMessage,
  StreamConfig,
  StreamInfo,
  PubAck,
  FetchedMessage,
} from "./recipes/index";

export { createHistory, History } from "./history/history";
export { HistoryClient } from "./history/history-client";
export type { InvokeOptions, InvokeResult } from "./history/history-client";
export { models, defineModel, checkLinearizable, checkers, parseHistory, toJsonl, toEdnHistory, defaultClassify, markDefinite } from "./history/index";
export type {
  HistoryOptions,
  Operation,
  OperationType,
  Classifier,
  Model,
  ModelDefinition,
  LinearizabilityOptions,
  LinearizabilityResult,
  Verdict,
  CheckResult,
  Anomaly,
} from "./history/index";

export { checkTransactions, txnClient, completeTxn, parseTxnEdn, toTxnEdn, CONSISTENCY_MODELS } from "./history/txn/index";
export type { TxnCheckOptions, TxnCheckResult, TxnAnomaly, Txn, MicroOp, ConsistencyModel, TxnClient, TxnWorkload } from "./history/txn/index";

export { FaultProxy } from "./proxy/fault-proxy";
export type { Blackhole, FaultProxyOptions, ProxyStats } from "./proxy/index";

export type { ImageFromHostOptions, BuiltImage } from "./provisioners/docker/image-from-host";
/**
 * Builds a Docker image from host binaries and the libraries they load, with `docker import`
 * (what `faultline image from-host` does). Loaded on first use, so that importing faultline
 * never loads the Docker client.
 */
export async function buildImageFromHost(
  options: import("./provisioners/docker/image-from-host").ImageFromHostOptions,
): Promise<import("./provisioners/docker/image-from-host").BuiltImage> {
  const { buildImageFromHost: build } = await import("./provisioners/docker/image-from-host");
  return build(options);
}

export { FaultlineError, isFaultlineError } from "./common/errors";
export type { ErrorCode } from "./common/errors";
export type { Duration } from "./common/duration";
