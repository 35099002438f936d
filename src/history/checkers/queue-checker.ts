import { formatValue } from "../describe";
import { DEQUEUES, ENQUEUES } from "../models/fifo-queue";
import { elementKey } from "../models/set";
import { operationsOf, pairCalls, type HistoryInput } from "../pairing";
import { namesOf, type Anomaly, type CheckResult } from "./check-result";

/** Options of {@link checkQueue}. */
export interface QueueCheckOptions {
  /** Function name(s) that enqueue their value. Default: `["enqueue", "push", "offer"]`. */
  enqueue?: string | readonly string[];
  /** Function name(s) that dequeue (result: the element, or nil). Default: `["dequeue", "pop", "poll"]`. */
  dequeue?: string | readonly string[];
  /**
   * The workload drained the queue at the end, so every acknowledged element must have been
   * dequeued. Default: true (Jepsen's total-queue); set false to check only duplicates and
   * unexpected elements.
   */
  drained?: boolean;
}

/** One element's fate. */
export interface QueueFinding {
  readonly element: unknown;
  readonly enqueued: number;
  readonly dequeued: number;
  /** Indexes of its enqueue invocations and dequeue completions. */
  readonly indexes: readonly number[];
}

/** The verdict of {@link checkQueue} (Jepsen's total-queue). */
export interface QueueCheckResult extends CheckResult {
  readonly attempted: number;
  readonly acknowledged: number;
  readonly dequeued: number;
  /** Acknowledged but never dequeued (only when `drained`). */
  readonly lost: readonly QueueFinding[];
  /** Dequeued more often than enqueued. */
  readonly duplicated: readonly QueueFinding[];
  /** Dequeued but never enqueued, or only by enqueues that failed. */
  readonly unexpected: readonly QueueFinding[];
  /** Enqueues that ended `info` and were dequeued after all: fine, worth knowing. */
  readonly recovered: readonly QueueFinding[];
}

interface Tally {
  element: unknown;
  ok: number;
  maybe: number;
  dequeued: number;
  indexes: number[];
}

/** Checks that a queue neither loses, duplicates nor invents elements. */
export function checkQueue(history: HistoryInput, options: QueueCheckOptions = {}): QueueCheckResult {
  const enqueues = namesOf(options.enqueue, [...ENQUEUES]);
  const dequeues = namesOf(options.dequeue, [...DEQUEUES]);
  const drained = options.drained ?? true;
  const tallies = new Map<string, Tally>();
  const tally = (element: unknown): Tally => {
    const key = elementKey(element);
    let t = tallies.get(key);
    if (!t) tallies.set(key, (t = { element, ok: 0, maybe: 0, dequeued: 0, indexes: [] }));
    return t;
  };
  let attempted = 0;
  let acknowledged = 0;
  let dequeued = 0;
  for (const call of pairCalls(operationsOf(history, "checkQueue"))) {
    if (enqueues.has(call.f)) {
      attempted++;
      if (call.status === "fail") continue;
      const t = tally(call.value);
      t.indexes.push(call.invoke.index);
      if (call.status === "ok") {
        acknowledged++;
        t.ok++;
      } else t.maybe++;
    } else if (dequeues.has(call.f) && call.status === "ok" && call.result !== null && call.result !== undefined) {
      dequeued++;
      const t = tally(call.result);
      t.dequeued++;
      t.indexes.push(call.complete!.index);
    }
  }
  const lost: QueueFinding[] = [];
  const duplicated: QueueFinding[] = [];
  const unexpected: QueueFinding[] = [];
  const recovered: QueueFinding[] = [];
  for (const t of tallies.values()) {
    const finding: QueueFinding = { element: t.element, enqueued: t.ok + t.maybe, dequeued: t.dequeued, indexes: t.indexes.sort((a, b) => a - b) };
    if (t.dequeued > 0 && t.ok + t.maybe === 0) unexpected.push(finding);
    else if (t.dequeued > t.ok + t.maybe) duplicated.push(finding);
    else if (drained && t.dequeued < t.ok) lost.push(finding);
    if (t.maybe > 0 && t.dequeued > t.ok) recovered.push(finding);
  }
  const anomalies: Anomaly[] = [
    ...lost.map((f) => ({
      kind: "lost",
      description: `${formatValue(f.element)} was acknowledged ${f.enqueued}× but dequeued ${f.dequeued}×`,
      indexes: f.indexes,
    })),
    ...duplicated.map((f) => ({
      kind: "duplicated",
      description: `${formatValue(f.element)} was enqueued ${f.enqueued}× but dequeued ${f.dequeued}×`,
      indexes: f.indexes,
    })),
    ...unexpected.map((f) => ({
      kind: "unexpected",
      description: `${formatValue(f.element)} was dequeued but never (successfully) enqueued`,
      indexes: f.indexes,
    })),
  ];
  const valid = anomalies.length === 0;
  const counts = `${attempted} enqueues attempted, ${acknowledged} acknowledged, ${dequeued} dequeued, ${lost.length} lost, ${duplicated.length} duplicated, ${unexpected.length} unexpected, ${recovered.length} recovered`;
  return {
    valid,
    anomalies,
    message: valid ? `queue consistent (${counts})` : `${anomalies.length} ${anomalies.length === 1 ? "anomaly" : "anomalies"} (${counts})`,
    attempted,
    acknowledged,
    dequeued,
    lost,
    duplicated,
    unexpected,
    recovered,
  };
}
