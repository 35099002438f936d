export { FaultProxy } from "./fault-proxy";
export type { Blackhole, FaultProxyOptions, ProxyStats } from "./fault-proxy";
export type { ProxyUpstream } from "./check-address";
export { resolveToxic } from "./resolve-toxic";
export type {
  BandwidthToxicSpec,
  DownToxicSpec,
  LatencyToxicSpec,
  LimitDataToxicSpec,
  ProxyToxic,
  ResetPeerToxicSpec,
  SlicerToxicSpec,
  SlowCloseToxicSpec,
  TimeoutToxicSpec,
  ToxicCommon,
  ToxicDirection,
  ToxicSpec,
  ToxicType,
} from "./toxic-spec";
