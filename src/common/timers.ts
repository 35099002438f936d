/**
 * Timers taken from Node's core modules, never from globals: a user's `jest.useFakeTimers()`
 * (even with `enableGlobally`, which fakes globals before any setup file loads) replaces the
 * globals only, so a probe, a proxy or a heal can never be stalled by it.
 */
import * as coreTimers from "node:timers";
import { performance } from "node:perf_hooks";

const realSetTimeout = coreTimers.setTimeout;
const realClearTimeout = coreTimers.clearTimeout;
const realSetInterval = coreTimers.setInterval;
const realClearInterval = coreTimers.clearInterval;
const realPerformanceNow = performance.now.bind(performance);
const timeOrigin = performance.timeOrigin;
const realDateNow = (): number => Math.round(timeOrigin + realPerformanceNow());
const realHrtime = (): bigint => BigInt(Math.round(realPerformanceNow() * 1e6));

export const timers = {
  setTimeout: realSetTimeout,
  clearTimeout: realClearTimeout,
  setInterval: realSetInterval,
  clearInterval: realClearInterval,
};

/** Wall-clock milliseconds, immune to fake timers. */
export function wallNow(): number {
  return realDateNow();
}

/** Monotonic nanoseconds. */
export function monoNowNs(): bigint {
  return realHrtime();
}

/** Monotonic milliseconds (fractional). */
export function monoNowMs(): number {
  return Number(realHrtime()) / 1e6;
}

/** Sleeps with the real timer; `unref` so a forgotten sleep never keeps Node alive. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = realSetTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    timer.unref?.();
    const onAbort = (): void => {
      realClearTimeout(timer);
      resolve();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Rejects with `onTimeout()` if `promise` has not settled within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = realSetTimeout(() => reject(onTimeout()), ms);
    timer.unref?.();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    if (timer) realClearTimeout(timer);
  }
}
