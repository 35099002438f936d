import { formatValue } from "../describe";
import { elementKey } from "../models/set";
import { operationsOf, pairCalls, type HistoryInput } from "../pairing";
import { namesOf, type Anomaly, type CheckResult } from "./check-result";

/** Options of {@link checkUniqueIds}. */
export interface UniqueIdsCheckOptions {
  /** Function name(s) that generate an id (the `ok` result). Default: `["generate", "next-id", "id"]`. */
  f?: string | readonly string[];
}

/** An id handed out more than once. */
export interface DuplicateId {
  readonly id: unknown;
  readonly count: number;
  /** Completion indexes of the operations that returned it. */
  readonly indexes: readonly number[];
}

/** The verdict of {@link checkUniqueIds}. */
export interface UniqueIdsCheckResult extends CheckResult {
  readonly attempted: number;
  readonly acknowledged: number;
  readonly duplicated: readonly DuplicateId[];
  /** Smallest and largest id, when ids are numbers. */
  readonly range: readonly [number, number] | undefined;
}

/** Checks that every acknowledged id generation returned a distinct id. */
export function checkUniqueIds(history: HistoryInput, options: UniqueIdsCheckOptions = {}): UniqueIdsCheckResult {
  const names = namesOf(options.f, ["generate", "next-id", "id"]);
  const seen = new Map<string, { id: unknown; indexes: number[] }>();
  let attempted = 0;
  let acknowledged = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const call of pairCalls(operationsOf(history, "checkUniqueIds"))) {
    if (!names.has(call.f)) continue;
    attempted++;
    if (call.status !== "ok") continue;
    acknowledged++;
    const key = elementKey(call.result);
    const entry = seen.get(key);
    if (entry) entry.indexes.push(call.complete!.index);
    else seen.set(key, { id: call.result, indexes: [call.complete!.index] });
    if (typeof call.result === "number") {
      min = Math.min(min, call.result);
      max = Math.max(max, call.result);
    }
  }
  const duplicated = [...seen.values()].filter((e) => e.indexes.length > 1).map((e) => ({ id: e.id, count: e.indexes.length, indexes: e.indexes }));
  const anomalies: Anomaly[] = duplicated.map((d) => ({
    kind: "duplicated",
    description: `id ${formatValue(d.id)} was returned ${d.count} times (${d.indexes.map((i) => `#${i}`).join(", ")})`,
    indexes: d.indexes,
  }));
  const valid = anomalies.length === 0;
  const message = valid
    ? `all ${acknowledged} ids unique (${attempted} attempted)`
    : `${duplicated.length} ids handed out more than once (${acknowledged} acknowledged)`;
  return { valid, anomalies, message, attempted, acknowledged, duplicated, range: min <= max ? [min, max] : undefined };
}
