import { FaultlineError, describeValue } from "../common/errors";
import type { Fault } from "../cluster/fault";
import { failpointFault, type FailpointFaultOptions } from "./failpoint-fault";
import { httpFault, type HttpFaultOptions } from "./http-fault";
import { bandwidth, loss, type BandwidthOptions, type LossOptions } from "./network-faults";
import { partition, type PartitionOptions } from "./partition-fault";
import { interrupt, kill, pause, restart, terminate, type SignalFaultOptions } from "./process-faults";
import { schedule, type ScheduleOptions } from "./schedule";
import { clock, type ClockOptions } from "./clock-fault";
import { disk, type DiskOptions } from "./disk-fault";
import { resources, type ResourcesOptions } from "./resources-fault";
import { checkSelector, type TargetOptions } from "./targets";
import {
  down,
  latency,
  limitData,
  resetPeer,
  slicer,
  slowClose,
  timeout,
  type DownOptions,
  type LatencyOptions,
  type LimitDataOptions,
  type ResetPeerOptions,
  type SlicerOptions,
  type SlowCloseOptions,
  type TimeoutOptions,
} from "./toxic-faults";

/** The options of each fault kind, by the names `withFault` accepts. */
export interface FaultOptionsByKind {
  partition: PartitionOptions;
  kill: SignalFaultOptions;
  terminate: SignalFaultOptions;
  interrupt: SignalFaultOptions;
  pause: TargetOptions;
  restart: TargetOptions;
  latency: LatencyOptions;
  bandwidth: BandwidthOptions;
  loss: LossOptions;
  slow_close: SlowCloseOptions;
  timeout: TimeoutOptions;
  reset_peer: ResetPeerOptions;
  slicer: SlicerOptions;
  limit_data: LimitDataOptions;
  down: DownOptions;
  failpoint: FailpointFaultOptions;
  http: HttpFaultOptions;
  clock: ClockOptions;
  disk: DiskOptions;
  resources: ResourcesOptions;
  schedule: ScheduleOptions;
}

export type FaultKind = keyof FaultOptionsByKind;

const TARGET = ["node"] as const;
const LINK = ["node", "port", "links", "direction", "toxicity"] as const;

/**
 * The options each kind accepts, for JavaScript callers and values TypeScript cannot check
 * (`test.each` rows): an unknown key is a typo that would otherwise change what is faulted
 * (`{ nod: "leader" }` would kill a random node).
 */
const OPTION_KEYS: { [K in FaultKind]: readonly (keyof FaultOptionsByKind[K])[] } = {
  partition: ["isolate", "halves", "minority", "bridge", "majoritiesRing", "groups", "between", "grudge", "oneWay", "clients"],
  kill: [...TARGET, "twice", "gap", "waitForExit"],
  terminate: [...TARGET, "twice", "gap", "waitForExit"],
  interrupt: [...TARGET, "twice", "gap", "waitForExit"],
  pause: TARGET,
  restart: TARGET,
  latency: [...LINK, "latency", "jitter"],
  bandwidth: ["node", "rate", "links"],
  loss: ["node", "probability", "links"],
  slow_close: [...LINK, "delay"],
  timeout: [...LINK, "timeout"],
  reset_peer: [...LINK, "timeout"],
  slicer: [...LINK, "averageSize", "sizeVariation", "delay"],
  limit_data: [...LINK, "bytes"],
  down: [...LINK, "cutExisting"],
  failpoint: ["node", "name", "term", "port", "timeout"],
  http: ["origin", "path", "method", "status", "body", "headers", "error", "delay", "times", "partial"],
  clock: ["node", "offset", "rate"],
  disk: ["node", "mode", "path", "bits", "truncate"],
  resources: ["node", "nofile", "nproc"],
  schedule: ["faults", "interval", "duration", "seed", "count"],
};

/** Wraps a factory so that its options are checked for unknown keys first. */
function checked<K extends FaultKind, F extends (options: FaultOptionsByKind[K]) => Fault>(kind: K, factory: F): F {
  return ((options: FaultOptionsByKind[K]) => {
    checkOptionKeys(kind, options);
    // A failpoint's node may also be a Node object; every other kind takes a selector.
    if (kind !== "failpoint") checkSelector(kind, (options as { node?: unknown } | undefined)?.node);
    return factory(options);
  }) as F;
}

function checkOptionKeys(kind: FaultKind, options: unknown): void {
  if (options === undefined || options === null) return;
  if (typeof options !== "object" || Array.isArray(options)) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `options of fault "${kind}" must be an object, received ${describeValue(options)}`,
      hint: `e.g. withFault("${kind}", { … }, fn)`,
      option: kind,
    });
  }
  const known: readonly string[] = OPTION_KEYS[kind] as readonly string[];
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const near = closest(key, known);
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `fault "${kind}" has no option ${JSON.stringify(key)}${near ? ` (did you mean ${JSON.stringify(near)}?)` : ""}`,
      hint: `its options are ${known.join(", ") || "none"}`,
      option: `${kind}.${key}`,
    });
  }
}

/** The known key nearest to `key` by edit distance, if it is a plausible typo. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length]!;
}

/** Every fault faultline has, as factories: `faults.partition({ isolate: "leader" })`. */
export const faults = {
  partition: checked("partition", partition),
  kill: checked("kill", kill),
  terminate: checked("terminate", terminate),
  interrupt: checked("interrupt", interrupt),
  pause: checked("pause", pause),
  restart: checked("restart", restart),
  latency: checked("latency", latency),
  bandwidth: checked("bandwidth", bandwidth),
  loss: checked("loss", loss),
  slowClose: checked("slow_close", slowClose),
  timeout: checked("timeout", timeout),
  resetPeer: checked("reset_peer", resetPeer),
  slicer: checked("slicer", slicer),
  limitData: checked("limit_data", limitData),
  down: checked("down", down),
  failpoint: checked("failpoint", failpointFault),
  http: checked("http", httpFault),
  clock: checked("clock", clock),
  disk: checked("disk", disk),
  resources: checked("resources", resources),
  schedule: checked("schedule", schedule),
};

/** The same faults by the names `withFault` accepts (Jepsen's and Toxiproxy's where they exist). */
const KINDS: { [K in FaultKind]: (options: FaultOptionsByKind[K]) => Fault } = {
  partition: faults.partition,
  kill: faults.kill,
  terminate: faults.terminate,
  interrupt: faults.interrupt,
  pause: faults.pause,
  restart: faults.restart,
  latency: faults.latency,
  bandwidth: faults.bandwidth,
  loss: faults.loss,
  slow_close: faults.slowClose,
  timeout: faults.timeout,
  reset_peer: faults.resetPeer,
  slicer: faults.slicer,
  limit_data: faults.limitData,
  down: faults.down,
  failpoint: faults.failpoint,
  http: faults.http,
  clock: faults.clock,
  disk: faults.disk,
  resources: faults.resources,
  schedule: faults.schedule,
};

/** `"partition", { isolate: "leader" }` -> the fault. A fault object passes through. */
export function faultFrom(kind: string | Fault, options: unknown = {}): Fault {
  if (typeof kind === "object" && kind !== null && typeof kind.apply === "function") return kind;
  const factory = typeof kind === "string" && Object.hasOwn(KINDS, kind) ? (KINDS[kind as FaultKind] as (options: unknown) => Fault) : undefined;
  if (!factory) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `unknown fault kind ${describeValue(kind)}; faults are ${Object.keys(KINDS).join(", ")}`,
      hint: 'pass one of those names, or a fault object such as faults.partition({ isolate: "leader" })',
      option: "kind",
    });
  }
  return factory(options ?? {});
}

export function faultKinds(): string[] {
  return Object.keys(KINDS);
}
