import * as fc from "fast-check";
import { FaultlineError, describeValue } from "../common/errors";
import { formatMs, toMs, type Duration } from "../common/duration";
import type { Capability } from "../cluster/controls";
import type { FaultKind } from "./catalog";

/** When a step holds, in milliseconds from the start of the body (as `withFaults` takes it). */
export interface StepTiming {
  after: number;
  for?: number;
}

/**
 * One fault of a generated schedule, as `withFaults` takes it: `[kind, options]`, held for the
 * whole body, or `[kind, options, { after, for }]`.
 */
export type ScheduleStep = readonly [FaultKind, Record<string, unknown>] | readonly [FaultKind, Record<string, unknown>, StepTiming];

/** Kinds a generated schedule can draw, simplest first. */
export const SCHEDULE_KINDS = ["kill", "pause", "restart", "partition", "loss", "clock"] as const satisfies readonly FaultKind[];
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];
/** Kinds drawn unless told otherwise: every provisioner applies them. */
export const DEFAULT_SCHEDULE_KINDS: readonly ScheduleKind[] = ["kill", "pause", "restart", "partition"];
/** What each kind asks of the provisioner (its row in the capability table). */
export const SCHEDULE_CAPABILITY: Record<ScheduleKind, Capability> = {
  kill: "kill",
  restart: "kill",
  pause: "pause",
  partition: "partition",
  loss: "loss",
  clock: "clock",
};

/** Options of {@link faultSchedules}. */
export interface FaultSchedulesOptions {
  /** The nodes faults may target, simplest first (shrinking moves towards the first). */
  nodes: readonly string[];
  /**
   * Kinds to draw, simplest first. Default: kill, pause, restart, partition. Also: loss (half
   * the packets of a node) and clock (a node's clock 30s off; the cluster needs `clock: true`).
   */
  kinds?: readonly ScheduleKind[];
  /** Also target "leader" (the cluster must say how to find it), first: shrinking moves towards it. Default false. */
  leader?: boolean;
  /** Also target "minority" (several nodes at once) with kill, pause, restart, loss and clock. Default false. */
  minority?: boolean;
  /**
   * Partition shapes to draw, simplest first: "isolate" (one node, or the leader), "halves",
   * "minority" (a minority cut from the majority, with the leader in it when drawn),
   * "bridge" (two sides joined through one node), "majoritiesRing" (each node sees a different
   * majority). Default ["isolate", "halves"].
   */
  partitions?: readonly PartitionShape[];
  /** Longest schedule. Default 4. */
  maxFaults?: number;
  /**
   * Also draw when each fault starts and how long it holds, within this much of the body's
   * start (e.g. "2s"), in steps of 50ms. Shrinking moves towards faults that hold the whole
   * body, then earlier and shorter. Default: every fault holds for the whole body.
   */
  window?: Duration;
}

export const PARTITION_SHAPES = ["isolate", "halves", "minority", "bridge", "majoritiesRing"] as const;
export type PartitionShape = (typeof PARTITION_SHAPES)[number];

/** Timings are drawn in steps of this many milliseconds, so a schedule reads well. */
const TICK_MS = 50;

function invalid(option: string, expected: string, value: unknown, hint: string): FaultlineError {
  return new FaultlineError({
    code: "FAULTLINE_INVALID_OPTION",
    message: `faultSchedules ${option} must be ${expected}, received ${describeValue(value)}`,
    hint,
    option: `faultSchedules.${option}`,
  });
}

/**
 * Fault schedules as generated values (fast-check): lists of faults applied in order and held
 * together, exactly what `withFaults([...])` does, so a failing schedule replays as a plain test.
 * Each node is the target of at most one fault of a schedule.
 * Shrinking goes towards fewer faults, earlier kinds, the leader (when drawn) and then the first nodes, and isolating one node
 * rather than splitting the cluster.
 */
export function faultSchedules(options: FaultSchedulesOptions): fc.Arbitrary<ScheduleStep[]> {
  const nodes = options?.nodes;
  if (!Array.isArray(nodes) || nodes.length < 2 || nodes.some((n) => typeof n !== "string" || n === ""))
    throw invalid("nodes", "the names of at least two nodes", nodes, "e.g. faultSchedules({ nodes: cluster.nodes.map((n) => n.name) })");
  const kinds = options.kinds ?? DEFAULT_SCHEDULE_KINDS;
  if (!Array.isArray(kinds) || kinds.length === 0 || kinds.some((k) => !(SCHEDULE_KINDS as readonly string[]).includes(k)))
    throw invalid(
      "kinds",
      `a non-empty list of ${SCHEDULE_KINDS.join(", ")}`,
      kinds,
      "write other faults into the test body, or pass your own arbitrary as testFaults' faults",
    );
  const maxFaults = options.maxFaults ?? 4;
  if (!Number.isInteger(maxFaults) || maxFaults < 1 || maxFaults > 20)
    throw invalid("maxFaults", "a whole number from 1 to 20", maxFaults, "e.g. maxFaults: 4");
  const windowMs = options.window === undefined ? undefined : toMs(options.window, { option: "faultSchedules.window", positive: true });
  if (windowMs !== undefined && windowMs < 2 * TICK_MS) throw invalid("window", `at least ${2 * TICK_MS}ms`, options.window, 'e.g. window: "2s"');
  const given: unknown = options.partitions ?? ["isolate", "halves"];
  if (!Array.isArray(given) || given.length === 0 || given.some((p) => !(PARTITION_SHAPES as readonly unknown[]).includes(p)))
    throw invalid("partitions", `a non-empty list of ${PARTITION_SHAPES.join(", ")}`, given, 'e.g. partitions: ["isolate", "majoritiesRing"]');
  const shapes = given as readonly PartitionShape[];
  // The leader first: shrinking moves towards it, and a fault on "leader" keeps its meaning as roles move.
  const targets = [...(options.leader === true ? ["leader"] : []), ...nodes, ...(options.minority === true ? ["minority"] : [])];
  const node = fc.constantFrom(...targets);
  const partition: Record<PartitionShape, fc.Arbitrary<Record<string, unknown>>> = {
    isolate: fc.constantFrom(...targets.filter((t) => t !== "minority")).map((target) => ({ isolate: target })),
    halves: fc.constant({ halves: true }),
    minority: fc.constant(options.leader === true ? { minority: "leader" } : { minority: true }),
    bridge: fc.constant({ bridge: true }),
    majoritiesRing: fc.constant({ majoritiesRing: true }),
  };
  const untimed = (kind: ScheduleKind): fc.Arbitrary<readonly [FaultKind, Record<string, unknown>]> => {
    if (kind === "partition") return fc.oneof(...shapes.map((shape) => partition[shape])).map((shape) => ["partition", shape] as const);
    if (kind === "loss") return node.map((target) => ["loss", { node: target, probability: 0.5 }] as const);
    if (kind === "clock") return fc.tuple(node, fc.constantFrom("30s", "-30s")).map(([target, offset]) => ["clock", { node: target, offset }] as const);
    return node.map((target) => [kind, { node: target }] as const);
  };
  const timed = (ticks: number): fc.Arbitrary<StepTiming> =>
    fc
      .tuple(fc.integer({ min: 0, max: ticks - 1 }), fc.option(fc.integer({ min: 1, max: ticks }), { nil: undefined }))
      .map(([after, hold]) => (hold === undefined ? { after: after * TICK_MS } : { after: after * TICK_MS, for: hold * TICK_MS }));
  const step = (kind: ScheduleKind): fc.Arbitrary<ScheduleStep> =>
    windowMs === undefined
      ? untimed(kind)
      : fc
          .tuple(untimed(kind), fc.option(timed(Math.floor(windowMs / TICK_MS)), { nil: undefined }))
          .map(([[k, o], t]): ScheduleStep => (t === undefined ? [k, o] : [k, o, t]));
  // A node is faulted at most once per schedule: a second fault on it (pause a killed node)
  // could not be applied, which says nothing about the system.
  const target = ([kind, options]: ScheduleStep): string => (kind === "partition" ? `partition ${JSON.stringify(options)}` : String(options.node));
  return fc.uniqueArray(fc.oneof(...kinds.map(step)), { minLength: 1, maxLength: maxFaults, selector: target });
}

function describeStep(kind: FaultKind, options: Record<string, unknown>): string {
  if (kind === "partition") {
    if (options.isolate !== undefined) return `partition isolating ${String(options.isolate)}`;
    if (options.minority !== undefined)
      return options.minority === true ? "partition cutting a minority" : `partition cutting a minority with ${String(options.minority)}`;
    if (options.bridge) return "partition into two sides bridged by one node";
    if (options.majoritiesRing) return "partition into a ring of majorities";
    return "partition into halves";
  }
  const target = options.node === "minority" ? "a minority" : String(options.node);
  if (kind === "loss") return `loss of ${Number(options.probability) * 100}% at ${target}`;
  if (kind === "clock") return `clock of ${target} off by ${String(options.offset)}`;
  return `${kind} ${target}`;
}

/** "kill n2, then partition isolating n1 from 300ms for 1.20s": a schedule for people. */
export function describeSchedule(schedule: readonly ScheduleStep[]): string {
  return schedule
    .map(([kind, options, timing]) => {
      const what = describeStep(kind, options);
      if (timing === undefined) return what;
      const from = timing.after > 0 ? `from ${formatMs(timing.after)}` : "from the start";
      return timing.for === undefined ? `${what} ${from} to the end` : `${what} ${from} for ${formatMs(timing.for)}`;
    })
    .join(", then ");
}

/** The schedule as the first argument of `withFaults`, to paste into a test. */
export function scheduleCode(schedule: readonly ScheduleStep[]): string {
  const object = (entries: Array<[string, unknown]>): string => `{ ${entries.map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(", ")} }`;
  const step = ([kind, options, timing]: ScheduleStep): string => {
    const when = timing === undefined ? "" : `, ${object(Object.entries(timing).map(([k, ms]) => [k, `${ms as number}ms`]))}`;
    return `  ["${kind}", ${object(Object.entries(options))}${when}],`;
  };
  return `[\n${schedule.map(step).join("\n")}\n]`;
}
