import { FaultlineError, describeValue } from "../common/errors";
import type { Fault } from "./fault";
import { failpointFault } from "./failpoint-fault";
import { httpFault } from "./http-fault";
import { bandwidth, loss } from "./network-faults";
import { partition } from "./partition-fault";
import { interrupt, kill, pause, restart, terminate } from "./process-faults";
import { schedule } from "./schedule";
import { clock } from "./clock-fault";
import { disk } from "./disk-fault";
import { resources } from "./resources-fault";
import { down, latency, limitData, resetPeer, slicer, slowClose, timeout } from "./toxic-faults";

/** Every fault faultline has, as factories: `faults.partition({ isolate: "leader" })`. */
export const faults = {
  partition, kill, terminate, interrupt, pause, restart,
  latency, bandwidth, loss, slowClose, timeout, resetPeer, slicer, limitData, down,
  failpoint: failpointFault, http: httpFault,
  clock, disk, resources,
  schedule,
};

/** The same faults by the names `withFault` accepts (Jepsen's and Toxiproxy's where they exist). */
const KINDS: Record<string, (options: never) => Fault> = {
  partition, kill, terminate, interrupt, pause, restart,
  latency, bandwidth, loss, slow_close: slowClose, timeout, reset_peer: resetPeer, slicer, limit_data: limitData, down,
  failpoint: failpointFault, http: httpFault, clock, disk, resources, schedule,
};

export type FaultKind = keyof typeof KINDS;

/** `"partition", { isolate: "leader" }` -> the fault. A fault object passes through. */
export function faultFrom(kind: string | Fault, options: unknown = {}): Fault {
  if (typeof kind === "object" && kind !== null && typeof kind.apply === "function") return kind;
  const factory = typeof kind === "string" ? KINDS[kind] : undefined;
  if (!factory) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `unknown fault kind ${describeValue(kind)}; faults are ${Object.keys(KINDS).join(", ")}`,
      hint: 'pass one of those names, or a fault object such as faults.partition({ isolate: "leader" })',
      option: "kind",
    });
  }
  return factory((options ?? {}) as never);
}

export function faultKinds(): string[] {
  return Object.keys(KINDS);
}
