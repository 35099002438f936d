import { FaultlineError } from "../../common/errors";
import { isOperationType, type Operation, type ProcessId } from "../operation";

/** Keeps JSON.stringify from throwing on bigint values; they come back as strings. */
function replacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

/** Writes operations as JSON Lines, one object per operation, fields in a fixed order. */
export function toJsonl(operations: readonly Operation[]): string {
  let out = "";
  for (const op of operations) {
    const line: Record<string, unknown> = { index: op.index, process: op.process, type: op.type, f: op.f, value: op.value ?? null };
    if (op.time !== undefined) line.time = op.time;
    if (op.error !== undefined) line.error = op.error;
    out += JSON.stringify(line, replacer) + "\n";
  }
  return out;
}

/** Reads operations written by {@link toJsonl} (or any JSON Lines with the same fields). */
export function parseJsonl(text: string, source = "JSONL"): Operation[] {
  const ops: Operation[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    const where = `${source}:${i + 1}`;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (error) {
      throw parseError(where, `not valid JSON (${(error as Error).message})`);
    }
    ops.push(operationFromRecord(raw, ops.length, where));
  }
  return ops;
}

/**
 * Checks and normalises one decoded record into an operation; shared by the JSONL and EDN
 * readers. `index` is the operation's position, whatever the record says: checkers rely on
 * indexes being positions.
 */
export function operationFromRecord(raw: unknown, index: number, where: string): Operation {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw parseError(where, "expected an object with process, type, f and value");
  const record = raw as Record<string, unknown>;
  const type = record.type;
  if (!isOperationType(type)) throw parseError(where, `type must be invoke, ok, fail or info, found ${JSON.stringify(type)}`);
  const f = record.f;
  if (typeof f !== "string") throw parseError(where, `f must be a string, found ${JSON.stringify(f)}`);
  const process = record.process;
  if (typeof process !== "number" && typeof process !== "string")
    throw parseError(where, `process must be a number or a name, found ${JSON.stringify(process)}`);
  const time = parseTime(record.time, where);
  const op: { -readonly [K in keyof Operation]: Operation[K] } = {
    index,
    process: process as ProcessId,
    type,
    f,
    value: record.value === undefined ? null : record.value,
    time,
  };
  if (record.error !== undefined && record.error !== null) op.error = typeof record.error === "string" ? record.error : JSON.stringify(record.error);
  return op;
}

function parseTime(time: unknown, where: string): number | undefined {
  if (time === undefined || time === null) return undefined;
  if (typeof time === "number" && Number.isFinite(time)) return time;
  if (typeof time === "string" && /^\d+$/.test(time)) return Number(time);
  throw parseError(where, `time must be a number of nanoseconds, found ${JSON.stringify(time)}`);
}

/** A FAULTLINE_PARSE error naming the file and line. */
export function parseError(where: string, message: string): FaultlineError {
  return new FaultlineError({
    code: "FAULTLINE_PARSE",
    message: `${where}: ${message}`,
    hint: "check that the file is in the format it was read as: a Jepsen log, EDN maps (one per line) or JSON lines",
  });
}
