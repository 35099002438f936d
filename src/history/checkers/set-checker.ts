import { formatValue } from "../describe";
import { elementKey } from "../models/set";
import { operationsOf, pairCalls, type Call, type HistoryInput } from "../pairing";
import { namesOf, summariseLatencies, type Anomaly, type CheckResult, type LatencySummary } from "./check-result";

/** Options of {@link checkSet}. */
export interface SetCheckOptions {
  /** Function name(s) that add one element (invoked with it). Default: `"add"`. */
  add?: string | readonly string[];
  /** Function name(s) that read the whole set (result: array or Set). Default: `"read"`. */
  read?: string | readonly string[];
  /**
   * Also count stale reads (an element missing from a read that began after the element was
   * known to exist, then seen again) as invalid. Default: false, as in Jepsen's set-full,
   * because eventually consistent reads are often acceptable.
   */
  linearizable?: boolean;
}

/** What happened to one element. */
export interface SetElementFinding {
  readonly element: unknown;
  /** Index of the add's invocation, if it was added. */
  readonly addIndex: number | undefined;
  /** Index of the read completion that shows the problem (missing or unexpected). */
  readonly readIndex: number | undefined;
  /** Index of the last read that did contain the element. */
  readonly lastSeenIndex: number | undefined;
}

/** The verdict of {@link checkSet}: Jepsen set-full's outcomes. */
export interface SetCheckResult extends CheckResult {
  /** Adds invoked. */
  readonly attempted: number;
  /** Adds that completed `ok`. */
  readonly acknowledged: number;
  /** Elements every read since they were known contains. */
  readonly stable: number;
  /** Known to exist (acknowledged, or once read), then absent from every read from some point on. */
  readonly lost: readonly SetElementFinding[];
  /** Missing from some reads that began after they were known, then present again. */
  readonly stale: readonly SetElementFinding[];
  /** Acknowledged but no read began after that: nothing can be said. */
  readonly neverRead: readonly SetElementFinding[];
  /** Read although never added, or added by an add that failed. */
  readonly unexpected: readonly SetElementFinding[];
  /** From the add's invocation to the first read of the run of reads that all contain it. */
  readonly stableLatencies: LatencySummary | undefined;
}

interface Read {
  readonly call: Call;
  readonly keys: ReadonlySet<string>;
}

interface Element {
  element: unknown;
  add: Call | undefined;
}

/**
 * Checks a grow-only set workload (Jepsen's set-full): every acknowledged add must be visible
 * to all reads that begin after it completed, and reads must contain only added elements.
 */
export function checkSet(history: HistoryInput, options: SetCheckOptions = {}): SetCheckResult {
  const adds = namesOf(options.add, ["add"]);
  const readNames = namesOf(options.read, ["read"]);
  const calls = pairCalls(operationsOf(history, "checkSet"));
  const elements = new Map<string, Element>();
  const reads: Read[] = [];
  let attempted = 0;
  let acknowledged = 0;
  for (const call of calls) {
    if (adds.has(call.f)) {
      attempted++;
      if (call.status === "ok") acknowledged++;
      const key = elementKey(call.value);
      const known = elements.get(key);
      // Keep the most informative add when an element is added more than once.
      if (!known || !known.add || rank(call) > rank(known.add)) elements.set(key, { element: call.value, add: call });
    } else if (readNames.has(call.f) && call.status === "ok") {
      const values = Array.isArray(call.result) || call.result instanceof Set ? [...(call.result as Iterable<unknown>)] : [];
      const keys = new Set<string>();
      for (const v of values) {
        const key = elementKey(v);
        keys.add(key);
        if (!elements.has(key)) elements.set(key, { element: v, add: undefined });
      }
      reads.push({ call, keys });
    }
  }

  const lost: SetElementFinding[] = [];
  const stale: SetElementFinding[] = [];
  const neverRead: SetElementFinding[] = [];
  const unexpected: SetElementFinding[] = [];
  const latencies: number[] = [];
  let stable = 0;
  for (const [key, { element, add }] of elements) {
    const containing = reads.filter((r) => r.keys.has(key));
    const lastSeen = containing.at(-1)?.call.complete!.index;
    if (!add || add.status === "fail") {
      if (containing.length) unexpected.push({ element, addIndex: add?.invoke.index, readIndex: containing[0]!.call.complete!.index, lastSeenIndex: lastSeen });
      continue;
    }
    // When the element was certainly in the set: the add's ok, or the first read showing it.
    const knownAt = Math.min(add.status === "ok" ? add.complete!.index : Infinity, containing[0]?.call.complete!.index ?? Infinity);
    if (knownAt === Infinity) continue; // an indeterminate add nobody saw: may never have happened
    const after = reads.filter((r) => r.call.invoke.index > knownAt);
    const finding = (readIndex: number | undefined): SetElementFinding => ({ element, addIndex: add.invoke.index, readIndex, lastSeenIndex: lastSeen });
    if (after.length === 0) {
      neverRead.push(finding(undefined));
      continue;
    }
    const lastAbsent = findLastIndex(after, (r) => !r.keys.has(key));
    if (lastAbsent === after.length - 1) {
      const firstOfRun = findLastIndex(after, (r) => r.keys.has(key)) + 1;
      lost.push(finding(after[firstOfRun]!.call.complete!.index));
      continue;
    }
    if (lastAbsent >= 0) stale.push(finding(after[lastAbsent]!.call.complete!.index));
    else stable++;
    const latency = stableLatency(add, reads, key);
    if (latency !== undefined) latencies.push(latency);
  }

  const anomalies: Anomaly[] = [
    ...lost.map((e) =>
      anomaly(
        "lost",
        e,
        `element ${formatValue(e.element)} was acknowledged${e.lastSeenIndex !== undefined ? ` and read (last at #${e.lastSeenIndex})` : ""}, but is missing from every read since #${e.readIndex}`,
      ),
    ),
    ...unexpected.map((e) =>
      anomaly(
        "unexpected",
        e,
        `element ${formatValue(e.element)} was read at #${e.readIndex} but ${e.addIndex === undefined ? "never added" : `its add (#${e.addIndex}) failed`}`,
      ),
    ),
    ...(options.linearizable
      ? stale.map((e) =>
          anomaly(
            "stale",
            e,
            `element ${formatValue(e.element)} was missing from the read completed at #${e.readIndex}, which began after it was known to exist`,
          ),
        )
      : []),
  ];
  const valid = anomalies.length === 0;
  const stableLatencies = summariseLatencies(latencies);
  const counts = `${attempted} adds attempted, ${acknowledged} acknowledged, ${stable} stable, ${lost.length} lost, ${stale.length} stale, ${neverRead.length} never read, ${unexpected.length} unexpected`;
  const message = valid ? `no writes lost (${counts})` : `${anomalies.length} ${anomalies.length === 1 ? "anomaly" : "anomalies"} (${counts})`;
  return { valid, anomalies, message, attempted, acknowledged, stable, lost, stale, neverRead, unexpected, stableLatencies };
}

function anomaly(kind: string, e: SetElementFinding, description: string): Anomaly {
  const indexes = [e.addIndex, e.lastSeenIndex, e.readIndex].filter((i): i is number => i !== undefined);
  return { kind, description, indexes: [...new Set(indexes)].sort((a, b) => a - b) };
}

/** ok beats info beats pending beats fail. */
function rank(call: Call): number {
  return call.status === "ok" ? 3 : call.status === "info" ? 2 : call.status === "pending" ? 1 : 0;
}

function findLastIndex<T>(items: readonly T[], test: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i]!)) return i;
  return -1;
}

/** Milliseconds from the add's invocation to the start of the final run of reads containing it. */
function stableLatency(add: Call, reads: readonly Read[], key: string): number | undefined {
  const since = reads.filter((r) => r.call.invoke.index > add.invoke.index);
  const start = findLastIndex(since, (r) => !r.keys.has(key)) + 1;
  const read = since[start];
  const from = add.invoke.time;
  const to = read?.call.invoke.time;
  if (from === undefined || to === undefined) return undefined;
  return Math.max(0, to - from) / 1e6;
}
