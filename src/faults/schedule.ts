import { toMs, type Duration } from "../common/duration";
import { FaultlineError, describeValue } from "../common/errors";
import { newSeed, seededRandom } from "../common/random";
import { monoNowMs, sleep } from "../common/timers";
import type { ActiveFault, Fault } from "../cluster/fault";

export interface ScheduleOptions {
  /** Faults to draw from. */
  faults: Fault[];
  /** Time from the start of one fault to the start of the next. Default "2s". */
  interval?: Duration;
  /** How long each fault lasts before it is healed. Default: half the interval. */
  duration?: Duration;
  /** Seed of the draw; the same seed replays the same sequence of faults and targets. Default: random, printed on failure. */
  seed?: number;
  /** Stop after this many faults. Default: until healed. */
  count?: number;
}

export interface ScheduledStep {
  index: number;
  kind: string;
  description: string;
  targets: readonly string[];
}

/** A running schedule, as `withFault` and tests see it. */
export interface ActiveSchedule extends ActiveFault {
  readonly seed: number;
  /** What was applied so far, in order. */
  readonly steps: readonly ScheduledStep[];
}

/**
 * A fault that, while active, applies faults drawn at random from a list — one at a time, each
 * healed before the next — from a seeded source, so a failure can be replayed from its seed.
 */
export function schedule(options: ScheduleOptions): Fault {
  if (!Array.isArray(options.faults) || options.faults.length === 0 || options.faults.some((f) => typeof f?.apply !== "function")) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `schedule needs a non-empty list of faults (from faults.*), received ${describeValue(options.faults)}`,
      hint: 'e.g. faults.schedule({ faults: [faults.kill(), faults.pause()], interval: "2s" })',
      option: "schedule.faults",
    });
  }
  // A zero interval would apply faults back to back in a tight loop.
  const interval = toMs(options.interval ?? "2s", { option: "schedule.interval", positive: true });
  const duration = toMs(options.duration ?? interval / 2, { option: "schedule.duration" });
  // A count below 1 applied nothing, and a seed that is not a whole number was cast to some
  // other seed (NaN to 0), so the printed seed would not replay the run.
  if (options.count !== undefined && !(Number.isInteger(options.count) && options.count >= 1)) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `schedule.count must be a whole number >= 1, received ${describeValue(options.count)}`,
      hint: "leave it out to run until the fault is healed, or e.g. { count: 3 }",
      option: "schedule.count",
    });
  }
  if (options.seed !== undefined && !(Number.isInteger(options.seed) && options.seed >= 0 && options.seed <= 0xffffffff)) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `schedule.seed must be a whole number from 0 to 4294967295, received ${describeValue(options.seed)}`,
      hint: "pass the seed a failed run printed, e.g. { seed: 1234567 }",
      option: "schedule.seed",
    });
  }
  const seed = options.seed ?? newSeed();
  return {
    kind: "schedule",
    describe: () => `schedule of ${options.faults.map((f) => f.kind).join("/")} every ${interval}ms (seed ${seed})`,
    async apply(cluster, context) {
      const random = seededRandom(seed);
      const steps: ScheduledStep[] = [];
      const stop = new AbortController();
      let current: ActiveFault | undefined;
      let failure: unknown;
      const inject = (fault: Fault): Promise<ActiveFault> =>
        cluster
          ? cluster.inject(
              Object.assign(Object.create(fault) as Fault, { apply: (c: typeof cluster, ctx: typeof context) => fault.apply(c, { ...ctx, random }) }),
            )
          : fault.apply(undefined, { id: `${context.id}.${steps.length}`, random });
      const loop = (async () => {
        for (let i = 0; !stop.signal.aborted && (options.count === undefined || i < options.count); i++) {
          const fault = options.faults[Math.floor(random() * options.faults.length)]!;
          const started = monoNowMs();
          try {
            current = await inject(fault);
            steps.push({ index: i, kind: current.kind, description: current.description, targets: current.targets });
            await sleep(duration, stop.signal);
            await current.heal();
          } catch (error) {
            failure = error;
            return;
          } finally {
            current = undefined;
          }
          await sleep(Math.max(0, interval - (monoNowMs() - started)), stop.signal);
        }
      })();
      let healed = false;
      const heal = async (): Promise<void> => {
        stop.abort();
        await loop;
        await current?.heal();
        healed = true;
        if (failure) {
          throw new FaultlineError({
            code: "FAULTLINE_FAULT_FAILED",
            message: `schedule (seed ${seed}) could not apply a fault: ${(failure as Error).message}`,
            hint: `replay with seed: ${seed}`,
            cause: failure,
          });
        }
      };
      const active: ActiveSchedule = {
        id: context.id,
        kind: "schedule",
        description: `schedule (seed ${seed})`,
        targets: [],
        seed,
        steps,
        get healed() {
          return healed;
        },
        heal,
        [Symbol.asyncDispose]: heal,
      };
      return active;
    },
  };
}
