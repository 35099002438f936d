import type { Operation, ProcessId } from "../history/operation";

/** An operation drawn as a bar: invocation joined with its completion. */
export interface OpCall {
  process: ProcessId;
  f: string;
  value: unknown;
  /** `ok` completion's value. */
  result?: unknown;
  /** `pending` when the history ends (or the process invokes again) before a completion. */
  type: "ok" | "fail" | "info" | "pending";
  invokeIndex: number;
  completeIndex?: number;
  /** Nanoseconds since the history's origin; absent in histories without times. */
  start?: number;
  end?: number;
  error?: string;
}

/**
 * Pairs invocations with completions for drawing. Unlike the checkers' pairing it never throws:
 * a report must show a malformed history too, that is when people look at it.
 */
export function pairForDrawing(ops: readonly Operation[]): OpCall[] {
  const calls: OpCall[] = [];
  const open = new Map<ProcessId, OpCall>();
  for (const op of ops) {
    if (op.type === "invoke") {
      const call: OpCall = { process: op.process, f: op.f, value: op.value, type: "pending", invokeIndex: op.index };
      if (op.time !== undefined) call.start = op.time;
      open.set(op.process, call);
      calls.push(call);
      continue;
    }
    const call = open.get(op.process);
    if (!call) continue; // a completion with no invocation (e.g. a nemesis info line)
    open.delete(op.process);
    call.type = op.type;
    call.completeIndex = op.index;
    if (op.time !== undefined) call.end = op.time;
    if (op.type === "ok") call.result = op.value;
    if (op.error !== undefined) call.error = op.error;
  }
  return calls;
}

/** Latency in ms of a completed call with times, else undefined. */
export function latencyMs(call: OpCall): number | undefined {
  return call.start !== undefined && call.end !== undefined && call.type !== "pending" ? (call.end - call.start) / 1e6 : undefined;
}

/** Processes in a stable drawing order: numbers ascending, then names. */
export function processOrder(calls: readonly OpCall[]): ProcessId[] {
  const set = new Set(calls.map((c) => c.process));
  return [...set].sort((a, b) =>
    typeof a === "number" && typeof b === "number" ? a - b : typeof a === "number" ? -1 : typeof b === "number" ? 1 : String(a).localeCompare(String(b)),
  );
}
