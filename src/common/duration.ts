import { FaultlineError, describeValue } from "./errors";

/** A duration: milliseconds as a number, or a string such as `"500ms"`, `"20s"`, `"2m"`. */
export type Duration = number | `${number}ms` | `${number}s` | `${number}m`;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

export interface DurationContext {
  option?: string;
  cluster?: string;
  node?: string;
}

/** Parses a {@link Duration} into milliseconds; throws FAULTLINE_INVALID_DURATION with context. */
export function toMs(value: unknown, context: DurationContext = {}): number {
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === "string") {
    const match = PATTERN.exec(value.trim());
    if (match) return Number(match[1]) * UNITS[match[2]!]!;
  }
  throw new FaultlineError({
    code: "FAULTLINE_INVALID_DURATION",
    message: `expected a duration such as "500ms", "20s", "2m" or a number of milliseconds, received ${describeValue(value)}`,
    hint: 'write the number and unit together with no space: "20s", not "20 seconds"',
    ...context,
  });
}

/** Formats milliseconds for people: 850ms, 2.4s, 1m 12s. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes}m ${Math.round((ms - minutes * 60_000) / 1000)}s`;
}
