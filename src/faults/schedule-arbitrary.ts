import * as fc from "fast-check";
import { FaultlineError, describeValue } from "../common/errors";
import type { FaultKind } from "./catalog";

/** One fault of a generated schedule, as `withFaults` takes it: `[kind, options]`. */
export type ScheduleStep = readonly [FaultKind, Record<string, unknown>];

/** Kinds a generated schedule draws from: every provisioner can apply them. */
export const SCHEDULE_KINDS = ["kill", "pause", "restart", "partition"] as const satisfies readonly FaultKind[];
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];

/** Options of {@link faultSchedules}. */
export interface FaultSchedulesOptions {
  /** The nodes faults may target, simplest first (shrinking moves towards the first). */
  nodes: readonly string[];
  /** Kinds to draw, simplest first. Default: kill, pause, restart, partition. */
  kinds?: readonly ScheduleKind[];
  /** Also target "leader" (the cluster must say how to find it). Default false. */
  leader?: boolean;
  /** Longest schedule. Default 4. */
  maxFaults?: number;
}

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
 * Shrinking goes towards fewer faults, earlier kinds, the first nodes, and isolating one node
 * rather than splitting the cluster.
 */
export function faultSchedules(options: FaultSchedulesOptions): fc.Arbitrary<ScheduleStep[]> {
  const nodes = options?.nodes;
  if (!Array.isArray(nodes) || nodes.length < 2 || nodes.some((n) => typeof n !== "string" || n === ""))
    throw invalid("nodes", "the names of at least two nodes", nodes, "e.g. faultSchedules({ nodes: cluster.nodes.map((n) => n.name) })");
  const kinds = options.kinds ?? SCHEDULE_KINDS;
  if (!Array.isArray(kinds) || kinds.length === 0 || kinds.some((k) => !(SCHEDULE_KINDS as readonly string[]).includes(k)))
    throw invalid(
      "kinds",
      `a non-empty list of ${SCHEDULE_KINDS.join(", ")}`,
      kinds,
      "these kinds work on every provisioner; write other faults into the test body",
    );
  const maxFaults = options.maxFaults ?? 4;
  if (!Number.isInteger(maxFaults) || maxFaults < 1 || maxFaults > 20)
    throw invalid("maxFaults", "a whole number from 1 to 20", maxFaults, "e.g. maxFaults: 4");
  const targets = options.leader === true ? [...nodes, "leader"] : [...nodes];
  const node = fc.constantFrom(...targets);
  const step = (kind: ScheduleKind): fc.Arbitrary<ScheduleStep> =>
    kind === "partition"
      ? fc.oneof(
          node.map((target): ScheduleStep => ["partition", { isolate: target }]),
          fc.constant<ScheduleStep>(["partition", { halves: true }]),
        )
      : node.map((target): ScheduleStep => [kind, { node: target }]);
  // A node is faulted at most once per schedule: a second fault on it (pause a killed node)
  // could not be applied, which says nothing about the system.
  const target = ([kind, options]: ScheduleStep): string => (kind === "partition" ? `partition ${JSON.stringify(options)}` : String(options.node));
  return fc.uniqueArray(fc.oneof(...kinds.map(step)), { minLength: 1, maxLength: maxFaults, selector: target });
}

/** "kill n2, then partition isolating n1": a schedule for people. */
export function describeSchedule(schedule: readonly ScheduleStep[]): string {
  return schedule
    .map(([kind, options]) => {
      if (kind === "partition") return options.halves ? "partition into halves" : `partition isolating ${String(options.isolate)}`;
      return `${kind} ${String(options.node)}`;
    })
    .join(", then ");
}

/** The schedule as the first argument of `withFaults`, to paste into a test. */
export function scheduleCode(schedule: readonly ScheduleStep[]): string {
  const step = ([kind, options]: ScheduleStep): string =>
    `  ["${kind}", { ${Object.entries(options)
      .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
      .join(", ")} }],`;
  return `[\n${schedule.map(step).join("\n")}\n]`;
}
