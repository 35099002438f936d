import { formatNeighbourhood } from "../describe";
import type { Operation } from "../operation";

/** One thing a checker found wrong (or worth knowing), and where it is in the history. */
export interface Anomaly {
  /** `lost`, `stale`, `unexpected`, `duplicated`, `out-of-bounds`, `wrong-total`, … */
  readonly kind: string;
  /** One line for people. */
  readonly description: string;
  /** Indexes of the operations that show it: the invocation, the read that missed it, … */
  readonly indexes: readonly number[];
}

/** What every cheap checker returns, besides its own details. */
export interface CheckResult {
  readonly valid: boolean;
  /** Anomalies that make the history invalid, most telling first. */
  readonly anomalies: readonly Anomaly[];
  /** The verdict as a paragraph for people. */
  readonly message: string;
}

/** The first few anomalies, each with the operations around it, for messages. */
export function formatAnomalies(anomalies: readonly Anomaly[], operations: readonly Operation[], limit = 3, radius = 2): string {
  const lines: string[] = [];
  for (const anomaly of anomalies.slice(0, limit)) {
    lines.push(`${anomaly.kind}: ${anomaly.description}`);
    const indexes = anomaly.indexes.filter((i) => i >= 0 && i < operations.length);
    if (indexes.length) lines.push(formatNeighbourhood(operations, indexes, radius));
  }
  if (anomalies.length > limit) lines.push(`… and ${anomalies.length - limit} more anomalies`);
  return lines.join("\n");
}

/** Latency distribution in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly min: number;
  readonly median: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** Summarises latencies (ms); undefined when there are none. */
export function summariseLatencies(values: readonly number[]): LatencySummary | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { count: sorted.length, min: sorted[0]!, median: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1]! };
}

/** Accepts one function name or several. */
export function namesOf(value: string | readonly string[] | undefined, fallback: readonly string[]): ReadonlySet<string> {
  return new Set(value === undefined ? fallback : typeof value === "string" ? [value] : value);
}
