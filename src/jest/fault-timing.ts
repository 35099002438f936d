import { FaultlineError, describeValue } from "../common/errors";
import { toMs, type Duration } from "../common/duration";
import { sleep } from "../common/timers";
import type { ActiveFault, Fault } from "../cluster/fault";

/**
 * When a fault of `withFaults([...])` holds, counted from the moment the test body starts:
 * `after` it is applied (default 0: before the body, in order with the others), and `for` that
 * long it holds (default: until the body ends).
 */
export interface FaultTiming {
  after?: Duration;
  for?: Duration;
}

/** A fault with its timing in milliseconds. */
export interface TimedFault {
  fault: Fault;
  afterMs: number;
  forMs?: number;
}

const TIMING_KEYS = ["after", "for"];

/** Checks a step's timing, the third element of `[kind, options, timing]`. */
export function timingOf(value: unknown, option: string): { afterMs: number; forMs?: number } {
  const hint = 'e.g. ["kill", { node: "n1" }, { after: "500ms", for: "2s" }]: applied 500ms into the body, healed 2s later';
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `${option} must be { after?, for? }, received ${describeValue(value)}`,
      hint,
      option,
    });
  }
  const unknown = Object.keys(value).find((key) => !TIMING_KEYS.includes(key));
  if (unknown !== undefined) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `${option} has no ${JSON.stringify(unknown)}: a fault's timing is after and for`,
      hint,
      option: `${option}.${unknown}`,
    });
  }
  const timing = value as FaultTiming;
  const afterMs = timing.after === undefined ? 0 : toMs(timing.after, { option: `${option}.after` });
  const forMs = timing.for === undefined ? undefined : toMs(timing.for, { option: `${option}.for`, positive: true });
  return forMs === undefined ? { afterMs } : { afterMs, forMs };
}

/**
 * Applies the faults of a schedule and runs `body` under them, as `withFaults` and `testFaults`
 * do: faults at `afterMs` 0 are applied first, in order; the others `afterMs` after the body
 * starts, while it runs. Each applied fault is pushed on `applied`, and one with `forMs` is
 * healed (and taken off `applied`) that long after it was applied. When the body ends nothing
 * more is applied; whatever is still on `applied` is the caller's to heal, in reverse. A fault
 * that could not be applied or healed on time fails the run before the body's own failure (the
 * body did not run under the faults it was written for).
 */
export async function playFaults(
  steps: readonly TimedFault[],
  inject: (fault: Fault) => Promise<ActiveFault>,
  applied: ActiveFault[],
  body: () => unknown,
): Promise<void> {
  const holding: Array<{ active: ActiveFault; forMs?: number }> = [];
  for (const step of steps) {
    if (step.afterMs > 0) continue;
    const active = await inject(step.fault);
    applied.push(active);
    holding.push({ active, forMs: step.forMs });
  }
  const later = steps.filter((step) => step.afterMs > 0);
  const stop = new AbortController();
  const errors: unknown[] = [];
  const healAfter = async (active: ActiveFault, forMs: number): Promise<void> => {
    await sleep(forMs, stop.signal);
    if (stop.signal.aborted) return;
    await active.heal(); // on failure it stays on `applied`, for the caller's heal at the end
    applied.splice(applied.indexOf(active), 1);
  };
  const play = async ({ fault, afterMs, forMs }: TimedFault): Promise<void> => {
    await sleep(afterMs, stop.signal);
    if (stop.signal.aborted) return;
    const active = await inject(fault);
    applied.push(active);
    if (forMs !== undefined) await healAfter(active, forMs);
  };
  const players = [...later.map((step) => play(step)), ...holding.flatMap(({ active, forMs }) => (forMs === undefined ? [] : [healAfter(active, forMs)]))].map(
    (player) => player.catch((error: unknown) => void errors.push(error)),
  );
  let failure: { error: unknown } | undefined;
  try {
    await body();
  } catch (error) {
    failure = { error };
  } finally {
    stop.abort();
    await Promise.all(players);
  }
  if (errors.length > 0) throw errors[0];
  if (failure) throw failure.error;
}
