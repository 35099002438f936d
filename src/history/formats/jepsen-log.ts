import type { Operation, OperationType, ProcessId } from "../operation";
import { readEdnPrefix } from "./edn";
import { parseError } from "./jsonl";

/**
 * `3 :invoke :cas [3 0]` as jepsen.util logs it, after `jepsen.util - ` (or a bare history
 * line). The process is a number or a keyword such as `:nemesis`.
 */
const OP_LINE = /^\s*(\d+|:[\w.-]+)\s+:(invoke|ok|fail|info)\s+(:[^\s]+|"(?:[^"\\]|\\.)*"|[^\s:][^\s]*)\s*(.*)$/;
const MARKER = "jepsen.util";

/** Completion values Jepsen logs in place of the operation's value when it could not finish. */
const INDETERMINATE_ERRORS: ReadonlySet<string> = new Set(["timed-out", "timeout"]);

/**
 * Reads the operation lines of a Jepsen log (`INFO  jepsen.util - 3	:invoke	:cas	[3 0]`),
 * ignoring every other line. Two Jepsen habits are undone so checkers see the truth:
 * a completion logged with a keyword instead of a value (`:info :write :timed-out`) keeps the
 * invoked value and records the keyword as its `error`; and `:fail … :timed-out` is recorded
 * `info`, because a timed-out operation may have happened whatever the client logged.
 */
export function parseJepsenLog(text: string, source = "Jepsen log"): Operation[] {
  const ops: Operation[] = [];
  const open = new Map<ProcessId, Operation>();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const marker = line.indexOf(MARKER);
    let body = marker >= 0 ? line.slice(marker + MARKER.length).replace(/^\s*[-:]\s*/, "") : line;
    const match = OP_LINE.exec(body);
    if (!match) {
      if (marker >= 0 && /:(invoke|ok|fail|info)\b/.test(body))
        throw parseError(`${source}:${i + 1}`, `cannot read operation line ${JSON.stringify(line.trim())}`);
      continue;
    }
    const [, processText, typeText, fText, rest] = match;
    const process: ProcessId = processText!.startsWith(":") ? processText!.slice(1) : Number(processText);
    let type = typeText as OperationType;
    const f = fText!.startsWith(":") ? fText!.slice(1) : fText!.startsWith('"') ? (JSON.parse(fText!) as string) : fText!;
    body = rest!.trim();
    let value: unknown = null;
    let error: string | undefined;
    if (body !== "") {
      const where = `${source}:${i + 1}`;
      const read = readEdnPrefix(body, where);
      value = read.value;
      const extra = read.rest.trim();
      if (extra !== "") error = extra.replace(/^:/, "");
      const invoked = open.get(process);
      if (type !== "invoke" && type !== "ok" && invoked && /^:[\w.-]+$/.test(body.split(/\s/)[0]!) && typeof value === "string") {
        error = value;
        value = invoked.value;
      }
    }
    if (type === "fail" && error !== undefined && INDETERMINATE_ERRORS.has(error)) type = "info";
    const op: { -readonly [K in keyof Operation]: Operation[K] } = { index: ops.length, process, type, f, value, time: undefined };
    if (error !== undefined) op.error = error;
    ops.push(op);
    if (type === "invoke") open.set(process, op);
    else open.delete(process);
  }
  return ops;
}
