import * as fc from "fast-check";
import { FaultlineError, describeValue, isFaultlineError } from "../common/errors";
import { toMs, type Duration } from "../common/duration";
import { monoNowMs } from "../common/timers";
import type { ActiveFault, Fault } from "../cluster/fault";
import type { FaultlineCluster } from "../cluster/faultline-cluster";
import { faultFrom } from "../faults/catalog";
import {
  DEFAULT_SCHEDULE_KINDS,
  SCHEDULE_CAPABILITY,
  describeSchedule,
  faultSchedules,
  scheduleCode,
  type FaultSchedulesOptions,
  type ScheduleKind,
  type ScheduleStep,
} from "../faults/schedule-arbitrary";
import { CAPABILITIES } from "../provisioners/capabilities";
import { claim, pickCluster, requireSteadyState } from "./with-fault";
import { playFaults, type TimedFault } from "./fault-timing";

/** Options of {@link testFaults}. */
export interface TestFaultsOptions {
  /** The schedules to try: an arbitrary, or options of `faultSchedules` (nodes default to the cluster's). */
  faults?: fc.Arbitrary<ScheduleStep[]> | Partial<FaultSchedulesOptions>;
  /** Schedules tried before concluding the property holds. Default 10. */
  runs?: number;
  /** Seed of the draw, printed on failure; with `path`, replays that run exactly. */
  seed?: number;
  path?: string;
  /** Shrinking stops when either is spent: runs on the cluster (all of them, with re-runs), and time. Default 40 runs, "4m". */
  budget?: { runs?: number; time?: Duration };
  /** A schedule counts as failing only if it fails again this many times in a row. Default 1. */
  confirm?: number;
  /** Which of the file's clusters (when it has several). */
  cluster?: string;
  /** Jest's timeout for the whole exploration. Default: the time budget plus a minute. */
  timeout?: Duration;
  /**
   * Runs after each schedule is healed, when the body passed: the checks that need the faults
   * gone (every acknowledged write is readable, the cluster recovered). Its failure is the
   * property's failure.
   */
  afterHeal?: (schedule: readonly ScheduleStep[]) => Promise<void>;
}

type Body = (schedule: readonly ScheduleStep[]) => Promise<void>;

/** What a failed exploration found, for the message and for tests of the runner. */
interface ShrinkReport {
  seed: number;
  path?: string;
  first: readonly ScheduleStep[];
  smallest: readonly ScheduleStep[];
  /** Runs of the body on the cluster, re-runs included. */
  runs: number;
  /** How many times the smallest schedule was run and failed. */
  smallestRuns: number;
  smallestFailures: number;
  /** The number of its last run, as the cluster's timeline marks it. */
  smallestLastRun: number;
  /** Schedules that failed once and then passed their confirmation (flaky, not counted). */
  flaky: number;
  /** Runs whose schedule could not be applied to the cluster as it was (skipped, no verdict). */
  notApplicable: number;
  error: unknown;
}

const KEYS = ["faults", "runs", "seed", "path", "budget", "confirm", "cluster", "timeout", "afterHeal"];

function invalid(option: string, expected: string, value: unknown, hint: string): FaultlineError {
  return new FaultlineError({
    code: "FAULTLINE_INVALID_OPTION",
    message: `testFaults ${option} must be ${expected}, received ${describeValue(value)}`,
    hint,
    option: `testFaults.${option}`,
  });
}

function checkOptions(options: TestFaultsOptions): void {
  if (typeof options !== "object" || options === null) throw invalid("options", "an object", options, "e.g. testFaults(name, { runs: 10 }, body)");
  const unknown = Object.keys(options).find((k) => !KEYS.includes(k));
  if (unknown !== undefined) throw invalid(unknown, `left out: testFaults takes ${KEYS.join(", ")}`, unknown, "check the option's spelling");
  const whole = (name: string, value: unknown, min: number): void => {
    if (value !== undefined && (!Number.isInteger(value) || (value as number) < min))
      throw invalid(name, `a whole number of at least ${min}`, value, `e.g. ${name}: 10`);
  };
  whole("runs", options.runs, 1);
  whole("confirm", options.confirm, 0);
  whole("budget.runs", options.budget?.runs, 1);
  if (options.seed !== undefined && !Number.isInteger(options.seed)) throw invalid("seed", "a whole number", options.seed, "use the seed a failure printed");
  if (options.budget?.time !== undefined) toMs(options.budget.time, { option: "testFaults.budget.time", positive: true });
  if (options.timeout !== undefined) toMs(options.timeout, { option: "testFaults.timeout", positive: true });
  if (options.afterHeal !== undefined && typeof options.afterHeal !== "function")
    throw invalid("afterHeal", "a function: async (schedule) => { … }", options.afterHeal, "it runs the checks that need the faults healed");
}

/**
 * Kinds the cluster's provisioner cannot apply are refused before any run, so no generated
 * schedule asks for them: by the capability table (a fallback counts), and for clock by the
 * cluster's controls, which have a clock only when the provisioner can and the spec asked.
 */
function checkKinds(cluster: FaultlineCluster, kinds: readonly ScheduleKind[]): void {
  for (const kind of kinds) {
    const capability = SCHEDULE_CAPABILITY[kind];
    const entry = CAPABILITIES[cluster.provisioner][capability];
    if (kind === "clock" ? cluster.controls.clock !== undefined : "mechanism" in entry || "fallback" in entry) continue;
    const { message, hint } = cluster.controls.unsupported(capability);
    throw new FaultlineError({
      code: "FAULTLINE_FAULT_UNSUPPORTED",
      message: `testFaults cannot draw ${kind} faults on cluster "${cluster.name}" (provisioner "${cluster.provisioner}"): ${message}`,
      hint: `${hint}; or leave "${kind}" out of faults.kinds`,
      cluster: cluster.name,
      option: "testFaults.faults.kinds",
    });
  }
}

/** The first line of what a run threw, for a timeline note. */
function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0]!;
}

/** A schedule that could not be applied to the cluster as it was: no verdict on the property. */
class NotApplicable {
  constructor(readonly error: unknown) {}
}

/** Applies a schedule in order, runs the body, heals in reverse — what `withFaults` does — then the after-heal check. */
async function runSchedule(cluster: FaultlineCluster, schedule: readonly ScheduleStep[], body: Body, afterHeal: Body | undefined): Promise<void> {
  await requireSteadyState(cluster, "30s");
  const applied: ActiveFault[] = [];
  let failure: unknown;
  const inject = (fault: Fault): Promise<ActiveFault> =>
    cluster.inject(fault).catch((error: unknown) => {
      throw new NotApplicable(error);
    });
  const steps: TimedFault[] = schedule.map(([kind, options, timing]) => ({ fault: faultFrom(kind, options), afterMs: timing?.after ?? 0, forMs: timing?.for }));
  try {
    await playFaults(steps, inject, applied, () => body(schedule));
  } catch (error) {
    failure = error;
  } finally {
    for (const fault of applied.reverse()) await fault.heal().catch((error: unknown) => (failure ??= error));
  }
  if (failure !== undefined) throw failure;
  await afterHeal?.(schedule);
}

/**
 * Explores fault schedules against a property and reduces a failure to its essence.
 *
 * Registers one test. Each run restores steady state, applies a generated schedule (in order,
 * held together), runs `body` — the workload and its assertions — and heals. When a run
 * fails, fast-check shrinks the schedule — fewer faults, simpler kinds and targets — re-running
 * each candidate on the real cluster within the budget; a candidate counts as failing only when
 * it fails `confirm` more times. The test then fails with the seed, the first and the smallest
 * failing schedule in words, the counts, and the smallest as a `withFaults` test to paste.
 */
export function testFaults(name: string, options: TestFaultsOptions, body: Body): void {
  checkOptions(options);
  if (typeof body !== "function") throw invalid("body", "the test body: async (schedule) => { … }", body, "the last argument runs the workload and asserts");
  const budgetMs = toMs(options.budget?.time ?? "4m", { option: "testFaults.budget.time" });
  const timeoutMs = options.timeout !== undefined ? toMs(options.timeout, { option: "testFaults.timeout" }) : budgetMs + 60_000;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- Jest's globals exist only inside a test file
  const { test } = require("@jest/globals") as typeof import("@jest/globals");
  test(
    name,
    async () => {
      const cluster = pickCluster(options.cluster, ["testFaults"]);
      if (!cluster) {
        throw new FaultlineError({
          code: "FAULTLINE_NO_CLUSTER",
          message: `testFaults "${name}" plays fault schedules on a cluster, and this file has none`,
          hint: "name one with the file's /** @cluster name */ docblock or useCluster()",
        });
      }
      const report = await explore(cluster, options, budgetMs, body);
      if (report) throw failureOf(name, report, options.afterHeal);
    },
    timeoutMs,
  );
}

/** Runs the exploration; undefined when the property held. */
async function explore(cluster: FaultlineCluster, options: TestFaultsOptions, budgetMs: number, body: Body): Promise<ShrinkReport | undefined> {
  const release = claim(cluster);
  try {
    const faults = options.faults;
    let arbitrary: fc.Arbitrary<ScheduleStep[]>;
    if (faults instanceof fc.Arbitrary) arbitrary = faults;
    else {
      const given = faults as Partial<FaultSchedulesOptions> | undefined;
      arbitrary = faultSchedules({ nodes: cluster.nodes.map((n) => n.name), ...given });
      checkKinds(cluster, given?.kinds ?? DEFAULT_SCHEDULE_KINDS);
    }
    const confirm = options.confirm ?? 1;
    const maxRuns = options.budget?.runs ?? 40;
    const started = monoNowMs();
    const tally = new Map<string, { runs: number; failures: number; lastRun: number }>();
    let runs = 0;
    let flaky = 0;
    let notApplicable = 0;
    let first: readonly ScheduleStep[] | undefined;
    let lastError: unknown;
    const attempt = async (schedule: readonly ScheduleStep[]): Promise<unknown> => {
      runs++;
      const key = JSON.stringify(schedule);
      const counts = tally.get(key) ?? { runs: 0, failures: 0, lastRun: 0 };
      tally.set(key, counts);
      counts.runs++;
      counts.lastRun = runs;
      // Each run is marked in the cluster's timeline, so the report shows which events belong to it.
      const note = (what: string): void => {
        cluster.timeline.record({ type: "note", message: `testFaults run ${counts.lastRun} ${what}` });
      };
      note(`starts: ${describeSchedule(schedule)}`);
      try {
        await runSchedule(cluster, schedule, body, options.afterHeal);
        note("passed");
        return undefined;
      } catch (error) {
        if (isFaultlineError(error) && error.code === "FAULTLINE_NOT_STEADY") throw error; // the cluster, not the property
        if (error instanceof NotApplicable) {
          note(`skipped: the schedule could not be applied (${errorText(error.error)})`);
          notApplicable++;
          counts.runs--;
          return error;
        }
        note(`failed: ${errorText(error)}`);
        counts.failures++;
        return error ?? new Error("the body threw undefined");
      }
    };
    const withinBudget = (): boolean => runs < maxRuns && monoNowMs() - started < budgetMs;
    /** Runs a schedule, and again `confirm` times if it fails: a verdict, or "skip" when it could not be applied. */
    const verdict = async (schedule: readonly ScheduleStep[]): Promise<"pass" | "fail" | "skip"> => {
      // fast-check may offer a candidate twice while shrinking: one that passed is not run again.
      const seen = tally.get(JSON.stringify(schedule));
      if (seen && seen.runs > 0 && seen.failures === 0) return "pass";
      const error = await attempt(schedule);
      if (error === undefined) return "pass";
      if (error instanceof NotApplicable) return "skip";
      for (let i = 0; i < confirm; i++) {
        const again = await attempt(schedule);
        if (again instanceof NotApplicable) return "skip";
        if (again === undefined) {
          flaky++;
          return "pass";
        }
      }
      lastError = error;
      return "fail";
    };
    const property = fc.asyncProperty(arbitrary, async (schedule) => {
      // Out of budget: candidates are skipped, which ends shrinking with the smallest found so far.
      fc.pre(withinBudget());
      const result = await verdict(schedule);
      fc.pre(result !== "skip");
      if (result === "pass") return true;
      first ??= schedule;
      throw lastError;
    });
    const details = await fc.check(property, {
      numRuns: options.runs ?? 10,
      seed: options.seed,
      path: options.path,
      endOnFailure: false,
      maxSkipsPerRun: 100,
    });
    if (!details.failed || !details.counterexample) return undefined;
    // fast-check shrinks a list by dropping leading items and simplifying items; it may stop with
    // a fault the failure does not need. Drop each fault in turn while the rest still fails, so
    // that without any one fault of the smallest schedule the property held (or the budget ran out).
    let smallest: readonly ScheduleStep[] = details.counterexample[0];
    let dropped = true;
    while (dropped && smallest.length > 1 && withinBudget()) {
      dropped = false;
      for (let i = 0; i < smallest.length && withinBudget(); i++) {
        const candidate = smallest.filter((_, j) => j !== i);
        if ((await verdict(candidate)) === "fail") {
          smallest = candidate;
          dropped = true;
          break;
        }
      }
    }
    const counts = tally.get(JSON.stringify(smallest)) ?? { runs: 0, failures: 0, lastRun: 0 };
    return {
      seed: details.seed,
      path: details.counterexamplePath ?? undefined,
      first: first ?? smallest,
      smallest,
      runs,
      smallestRuns: counts.runs,
      smallestFailures: counts.failures,
      smallestLastRun: counts.lastRun,
      flaky,
      notApplicable,
      error: lastError ?? details.errorInstance,
    };
  } finally {
    release();
  }
}

function failureOf(name: string, report: ShrinkReport, afterHeal: Body | undefined): Error {
  const reason = errorText(report.error);
  const title = JSON.stringify(`${name} (smallest schedule)`);
  const lines = [
    `testFaults "${name}" failed. Seed ${report.seed}${report.path ? `, path "${report.path}"` : ""} (replay: { seed: ${report.seed}${report.path ? `, path: "${report.path}"` : ""} }).`,
    `First failing schedule (${report.first.length} fault${report.first.length === 1 ? "" : "s"}): ${describeSchedule(report.first)}.`,
    `Smallest failing schedule (${report.smallest.length} fault${report.smallest.length === 1 ? "" : "s"}): ${describeSchedule(report.smallest)} — it failed ${report.smallestFailures} of ${report.smallestRuns} runs (its last is run ${report.smallestLastRun} in the report's timeline).`,
    `${report.runs} runs on the cluster in all${report.flaky ? `; ${report.flaky} schedule${report.flaky === 1 ? "" : "s"} failed once and then passed, so did not count` : ""}${report.notApplicable ? `; ${report.notApplicable} could not be applied and were skipped` : ""}.`,
    `Its failure: ${reason}`,
    "",
    "As a plain test:",
    ...(afterHeal
      ? [
          `test(${title}, async () => {`,
          `  await withFaults(${scheduleCode(report.smallest).replace(/\n/g, "\n  ")}, async () => {`,
          "    // the body of the property, with the schedule it was given",
          "  })();",
          "  // the afterHeal checks",
          "});",
        ]
      : [`test(${title}, withFaults(${scheduleCode(report.smallest)}, async () => {`, "  // the body of the property, with the schedule it was given", "}));"]),
  ];
  const error = new Error(lines.join("\n"));
  if (report.error instanceof Error && report.error.stack) error.stack = `${error.message}\n\nThe smallest schedule's failure:\n${report.error.stack}`;
  return error;
}
