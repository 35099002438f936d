import type { ProxyToxic } from "../toxic-spec";
import { BandwidthStage } from "./bandwidth-stage";
import { LatencyStage } from "./latency-stage";
import { LimitDataStage } from "./limit-data-stage";
import { ResetPeerStage } from "./reset-peer-stage";
import { SlicerStage } from "./slicer-stage";
import { SlowCloseStage } from "./slow-close-stage";
import { TimeoutStage } from "./timeout-stage";
import type { StageContext, ToxicStage } from "./toxic-stage";

/** The stage acting for `toxic` on one direction of one connection; `down` has none. */
export function createStage(toxic: ProxyToxic, context: StageContext): ToxicStage | undefined {
  switch (toxic.type) {
    case "latency":
      return new LatencyStage(context, toxic.attributes);
    case "bandwidth":
      return new BandwidthStage(context, toxic.attributes);
    case "slow_close":
      return new SlowCloseStage(context, toxic.attributes);
    case "timeout":
      return new TimeoutStage(context, toxic.attributes);
    case "reset_peer":
      return new ResetPeerStage(context, toxic.attributes);
    case "slicer":
      return new SlicerStage(context, toxic.attributes);
    case "limit_data":
      return new LimitDataStage(context, toxic.attributes);
    case "down":
      return undefined;
  }
}
