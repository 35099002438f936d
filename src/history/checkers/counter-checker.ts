import { formatValue } from "../describe";
import { isClientProcess } from "../operation";
import { operationsOf, pairCalls, type HistoryInput } from "../pairing";
import { namesOf, type Anomaly, type CheckResult } from "./check-result";

/** Options of {@link checkCounter}. */
export interface CounterCheckOptions {
  /** Function name(s) that add their value (nil meaning 1). Default: `["add", "increment", "incr"]`. */
  add?: string | readonly string[];
  /** Function name(s) that read the counter. Default: `"read"`. */
  read?: string | readonly string[];
  /** The value before any add. Default: 0. */
  initial?: number;
}

/** A read outside the values the counter could have had while it ran. */
export interface CounterReadError {
  readonly index: number;
  readonly invokeIndex: number;
  readonly value: unknown;
  readonly lower: number;
  readonly upper: number;
}

/** The verdict of {@link checkCounter}. */
export interface CounterCheckResult extends CheckResult {
  readonly reads: number;
  readonly errors: readonly CounterReadError[];
}

/**
 * Checks a counter workload (Jepsen's counter checker): each read must lie between the lowest
 * and highest value the counter could have had while the read ran. Adds acknowledged before the
 * read began certainly count; adds invoked before it returned (and not failed) may count.
 */
export function checkCounter(history: HistoryInput, options: CounterCheckOptions = {}): CounterCheckResult {
  const adds = namesOf(options.add, ["add", "increment", "incr"]);
  const reads = namesOf(options.read, ["read"]);
  const initial = options.initial ?? 0;
  const ops = operationsOf(history, "checkCounter");
  // An add that failed never happened, even where its failure is recorded later than a read.
  const failed = new Set<number>();
  for (const call of pairCalls(ops)) if (call.status === "fail") failed.add(call.invoke.index);

  const delta = (value: unknown): number => (value === null || value === undefined ? 1 : Number(value));
  let certainPos = 0;
  let certainNeg = 0;
  let invokedPos = 0;
  let invokedNeg = 0;
  const open = new Map<number, { index: number; f: string; value: unknown; certainPos: number; certainNeg: number }>();
  const errors: CounterReadError[] = [];
  let readCount = 0;
  for (const op of ops) {
    if (!isClientProcess(op.process)) continue;
    if (op.type === "invoke") {
      open.set(op.process, { index: op.index, f: op.f, value: op.value, certainPos, certainNeg });
      if (adds.has(op.f) && !failed.has(op.index)) {
        const d = delta(op.value);
        if (d >= 0) invokedPos += d;
        else invokedNeg += d;
      }
      continue;
    }
    const invoke = open.get(op.process);
    open.delete(op.process);
    if (!invoke || op.type !== "ok") continue;
    if (adds.has(op.f)) {
      const d = delta(invoke.value);
      if (d >= 0) certainPos += d;
      else certainNeg += d;
    } else if (reads.has(op.f)) {
      readCount++;
      const lower = initial + invoke.certainPos + invokedNeg;
      const upper = initial + invokedPos + invoke.certainNeg;
      const value = Number(op.value);
      if (!(value >= lower && value <= upper)) errors.push({ index: op.index, invokeIndex: invoke.index, value: op.value, lower, upper });
    }
  }
  const anomalies: Anomaly[] = errors.map((e) => ({
    kind: "out-of-bounds",
    description: `read ${formatValue(e.value)} at #${e.index}, but the counter could only have been between ${e.lower} and ${e.upper} while the read ran (#${e.invokeIndex}–#${e.index})`,
    indexes: [e.invokeIndex, e.index],
  }));
  const valid = errors.length === 0;
  const message = valid ? `all ${readCount} reads within bounds` : `${errors.length} of ${readCount} reads out of bounds`;
  return { valid, anomalies, message, reads: readCount, errors };
}
