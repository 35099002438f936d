import { errorReason } from "../common/errors";
import { monoNowMs } from "../common/timers";
import type { Timeline } from "./timeline";
import type { ActiveFault, Fault } from "./fault";
import type { Grudge } from "./grudge";

/**
 * Applies a fault through `apply` and puts it on `timeline`: a failed apply, the apply with its
 * duration and mechanism, and later its heal. The returned fault is listed in `active` until it
 * is healed; its heal stays idempotent. Clusters and the in-process scope of a test file share it.
 */
export async function applyRecorded(
  timeline: Timeline,
  active: ActiveFault[],
  fault: Fault,
  id: string,
  apply: () => Promise<ActiveFault>,
): Promise<ActiveFault> {
  const started = monoNowMs();
  let applied: ActiveFault;
  try {
    applied = await apply();
  } catch (error) {
    timeline.record({ type: "fault", phase: "failed", id, kind: fault.kind, description: fault.describe(), targets: [], error: errorReason(error) });
    throw error;
  }
  const extra = applied as Partial<{ mechanism: string; grudge: Grudge }>;
  timeline.record({
    type: "fault",
    phase: "apply",
    id,
    kind: applied.kind,
    description: applied.description,
    targets: [...applied.targets],
    mechanism: extra.mechanism,
    grudge: extra.grudge,
    durationMs: monoNowMs() - started,
  });
  let healing: Promise<void> | undefined;
  const heal = (): Promise<void> => {
    healing ??= (async () => {
      const healStarted = monoNowMs();
      try {
        await applied.heal();
      } finally {
        const index = active.indexOf(tracked);
        if (index >= 0) active.splice(index, 1);
        timeline.record({
          type: "fault",
          phase: "heal",
          id,
          kind: applied.kind,
          description: applied.description,
          targets: [...applied.targets],
          durationMs: monoNowMs() - healStarted,
        });
      }
    })();
    return healing;
  };
  const tracked: ActiveFault = Object.create(applied, {
    heal: { value: heal },
    healed: { get: () => applied.healed },
    [Symbol.asyncDispose]: { value: heal },
  }) as ActiveFault;
  active.push(tracked);
  return tracked;
}

/** Heals every fault in `active`, newest first; continues past errors and rethrows the first. */
export async function healAllActive(active: readonly ActiveFault[]): Promise<void> {
  let first: unknown;
  for (const fault of [...active].reverse()) {
    try {
      await fault.heal();
    } catch (error) {
      first ??= error;
    }
  }
  if (first) throw first;
}
