/**
 * faultline: resilience testing of distributed systems inside Jest.
 * Everything public is exported here by name; nothing else is public.
 */
import "./jest/matchers/global-types";

export { defineCluster } from "./cluster/define-cluster";
export { probes } from "./cluster/probes";
export type { HttpProbeOptions } from "./cluster/probes";
export { startCluster } from "./wiring/start-cluster";
export type { StartClusterOptions } from "./wiring/start-cluster";
export type { Cluster, ClusterSpec, ClusterDefinition, Node, NodeState, CommandContext, Probe, ProvisionerKind, StopOptions, AddressOptions } from "./cluster/types";
export { Timeline, describeEvent } from "./cluster/timeline";
export type { TimelineEvent, NodeEvent, FaultEvent, ProbeEvent, RecoveryEvent, TestEvent } from "./cluster/timeline";

export * from "./faults/index";

export { useCluster } from "./jest/use-cluster";
export { withFault, withFaults } from "./jest/with-fault";
export type { WithFaultOptions, FaultSpec } from "./jest/with-fault";
export { matchers, registerMatchers } from "./jest/matchers/register";
export { default as globalSetup } from "./jest/global-setup";
export { default as globalTeardown } from "./jest/global-teardown";
export type { FaultlineOptions } from "./jest/file-state";

export { recipes, EtcdClient, EtcdWatch, RespClient, NatsClient, JetStream } from "./recipes/index";
export type { EtcdRecipeOptions, RedisRecipeOptions, NatsRecipeOptions, EtcdClientOptions, EtcdKv, EtcdStatus, WatchEvent, WatchOptions, RespValue, NatsMessage, StreamConfig, StreamInfo, PubAck, FetchedMessage } from "./recipes/index";

export { createHistory, History } from "./history/history";
export {
  models,
  defineModel,
  checkLinearizable,
  checkers,
  parseHistory,
  toJsonl,
  toEdnHistory,
  defaultClassify,
  markDefinite,
} from "./history/index";
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
export async function buildImageFromHost(options: import("./provisioners/docker/image-from-host").ImageFromHostOptions): Promise<import("./provisioners/docker/image-from-host").BuiltImage> {
  const { buildImageFromHost: build } = await import("./provisioners/docker/image-from-host");
  return build(options);
}

export { FaultlineError, isFaultlineError } from "./common/errors";
export type { ErrorCode } from "./common/errors";
export type { Duration } from "./common/duration";
