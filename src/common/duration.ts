import { FaultlineError, describeValue } from "./errors";

/** A duration: milliseconds as a number, or a string such as `"500ms"`, `"20s"`, `"2m"`. */
export type Duration = number | `${number}ms` | `${number}s` | `${number}m`;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/**
 * The longest duration faultline accepts: Node's timers hold at most 2^31-1 ms (about 24.8
 * days); a longer delay fires after 1 ms, so a stop timeout of 3e9 would SIGKILL at once.
 */
export const MAX_DURATION_MS = 2 ** 31 - 1;

export interface DurationContext {
  option?: string;
  cluster?: string;
  node?: string;
  /** Refuse 0: for budgets and timeouts where zero leaves no time to do anything. */
  positive?: boolean;
}

/** Parses a {@link Duration} into milliseconds; throws FAULTLINE_INVALID_DURATION with context. */
export function toMs(value: unknown, context: DurationContext = {}): number {
  const { positive, ...where } = context;
  let ms: number | undefined;
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) ms = value;
  if (typeof value === "string") {
    const match = PATTERN.exec(value.trim());
    if (match) ms = Number(match[1]) * UNITS[match[2]!]!;
  }
  if (ms === undefined) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_DURATION",
      message: `expected a duration such as "500ms", "20s", "2m" or a number of milliseconds, received ${describeValue(value)}`,
      hint: 'write the number and unit together with no space: "20s", not "20 seconds"',
      ...where,
    });
  }
  if (ms > MAX_DURATION_MS) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_DURATION",
      message: `expected a duration of at most ${MAX_DURATION_MS}ms (about 24.8 days, the longest a timer can wait), received ${describeValue(value)}${typeof value === "string" ? ` (${ms}ms)` : ""}`,
      hint: "a longer timer fires at once in Node, so this would act immediately rather than never; use a duration below 24 days",
      ...where,
    });
  }
  if (positive && ms === 0) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_DURATION",
      message: `expected a duration above zero, received ${describeValue(value)}`,
      hint: 'a zero budget leaves no time to try even once; give it time, e.g. "5s"',
      ...where,
    });
  }
  return ms;
}

/** Formats milliseconds for people: 850ms, 2.4s, 1m 12s. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes}m ${Math.round((ms - minutes * 60_000) / 1000)}s`;
}
