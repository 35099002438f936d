/**
 * faultline: resilience testing of distributed systems inside Jest.
 * Everything public is exported here by name; nothing else is public.
 */
import "./jest/matchers/global-types";

export { defineCluster } from "./cluster/define-cluster";
export { probes } from "./cluster/probes";
export type { HttpProbeOptions } from "./cluster/probes";
export { startCluster } from "./cluster/start-cluster";
export type { StartClusterOptions } from "./cluster/start-cluster";
export type { Cluster, ClusterSpec, ClusterDefinition, Node, NodeState, CommandContext, Probe, ProvisionerKind, StopOptions, AddressOptions } from "./cluster/types";
export { Timeline, describeEvent } from "./cluster/timeline";
export type { TimelineEvent, NodeEvent, FaultEvent, ProbeEvent, RecoveryEvent, TestEvent } from "./cluster/timeline";

export * from "./faults/index";

export { useCluster } from "./jest/use-cluster";
export { withFault, withFaults } from "./jest/with-fault";
export type { WithFaultOptions } from "./jest/with-fault";
export { matchers, registerMatchers } from "./jest/matchers/register";
export { default as globalSetup } from "./jest/global-setup";
export { default as globalTeardown } from "./jest/global-teardown";
export type { FaultlineOptions } from "./jest/file-state";

export { recipes, EtcdClient, EtcdWatch, RespClient, NatsClient, JetStream } from "./recipes/index";
export type { EtcdRecipeOptions, RedisRecipeOptions, NatsRecipeOptions, EtcdClientOptions, EtcdKv, EtcdStatus, WatchEvent, WatchOptions, RespValue, NatsMessage, StreamConfig, StreamInfo, PubAck, FetchedMessage } from "./recipes/index";

export { createHistory, History } from "./history/history";
export { models, defineModel } from "./history/index";

export { FaultlineError, isFaultlineError } from "./common/errors";
export type { ErrorCode } from "./common/errors";
export type { Duration } from "./common/duration";
