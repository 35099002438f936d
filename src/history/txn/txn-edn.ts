import { FaultlineError } from "../../common/errors";
import { isKeywordName, parseEdnForms, toEdn, type EdnValue } from "../formats/edn";
import { isOperationType, type Operation, type ProcessId } from "../operation";
import { TXN_F } from "./micro-op";

function parseError(where: string, message: string): FaultlineError {
  return new FaultlineError({
    code: "FAULTLINE_PARSE",
    message: `${where}: ${message}`,
    hint: "each line must be a map like {:type :ok, :process 0, :f :txn, :value [[:append :x 1] [:r :y [1 2]]]}",
  });
}

/** The micro-operation functions and keys of a transaction: how an invocation finds its completion. */
function shapeOf(value: unknown): string {
  if (!Array.isArray(value)) return "";
  return value.map((m: unknown) => (Array.isArray(m) ? `${String(m[0])} ${String(m[1])} ${m[0] === "r" ? "" : String(m[2])}` : "?")).join("|");
}

/**
 * Reads a transactional history as Elle and Jepsen write it: one EDN map per operation (or one
 * vector of them), `:type`, `:process`, `:f`, `:value [[:append :x 1] [:r :y [1 2]]]`, optional
 * `:time` and `:error`. Keywords become strings (`:x` is `"x"`). Elle's example histories leave
 * out `:f` (taken as `txn`) and sometimes `:process`: then each invocation gets a process of its
 * own, and a completion pairs with the oldest open invocation of the same micro-operations.
 */
export function parseTxnEdn(text: string, source = "EDN"): Operation[] {
  let forms = parseEdnForms(text, source);
  if (forms.length === 1 && Array.isArray(forms[0])) forms = forms[0];
  let nextProcess = 0;
  for (const form of forms) {
    const p = typeof form === "object" && form !== null && !Array.isArray(form) ? form.process : undefined;
    if (typeof p === "number" && p >= nextProcess) nextProcess = Math.floor(p) + 1;
  }
  const open: { shape: string; process: number }[] = [];
  const ops: Operation[] = [];
  for (let i = 0; i < forms.length; i++) {
    const form = forms[i]!;
    const where = `${source}: operation ${i + 1}`;
    if (typeof form !== "object" || form === null || Array.isArray(form)) throw parseError(where, "expected a map");
    const record: { [key: string]: EdnValue } = form;
    const type = record.type;
    if (!isOperationType(type)) throw parseError(where, `:type must be :invoke, :ok, :fail or :info, found ${toEdn(type)}`);
    const f = record.f ?? TXN_F;
    if (typeof f !== "string") throw parseError(where, `:f must be a keyword, found ${toEdn(f)}`);
    let process: ProcessId;
    if (typeof record.process === "number" || typeof record.process === "string") process = record.process;
    else if (record.process !== undefined && record.process !== null)
      throw parseError(where, `:process must be a number or a keyword, found ${toEdn(record.process)}`);
    else if (type === "invoke") {
      process = nextProcess++;
      open.push({ shape: shapeOf(record.value), process });
    } else {
      const shape = shapeOf(record.value);
      const at = open.findIndex((o) => o.shape === shape);
      process = at >= 0 ? open.splice(at, 1)[0]!.process : nextProcess++;
    }
    const time = record.time;
    if (time !== undefined && time !== null && (typeof time !== "number" || !Number.isFinite(time)))
      throw parseError(where, `:time must be a number of nanoseconds, found ${toEdn(time)}`);
    const op: { -readonly [K in keyof Operation]: Operation[K] } = { index: ops.length, process, type, f, value: record.value ?? null };
    if (typeof time === "number") op.time = time;
    if (record.error !== undefined && record.error !== null) op.error = typeof record.error === "string" ? record.error : toEdn(record.error);
    ops.push(op);
  }
  return ops;
}

function atom(value: unknown): string {
  if (typeof value === "string") return isKeywordName(value) ? `:${value}` : JSON.stringify(value);
  return toEdn(value);
}

function txnValue(value: unknown): string {
  if (!Array.isArray(value)) return toEdn(value);
  return `[${value
    .map((mop: unknown) => {
      if (!Array.isArray(mop)) return toEdn(mop);
      const [f, key, v] = mop as unknown[];
      const read = Array.isArray(v) ? `[${v.map(atom).join(" ")}]` : v === null || v === undefined ? "nil" : atom(v);
      return `[${atom(f)} ${atom(key)} ${read}]`;
    })
    .join(" ")}]`;
}

/**
 * Writes operations as an Elle history: one map per line, micro-operation functions, keys and
 * string elements as keywords where they can be, so `elle.list-append/check` reads it back.
 */
export function toTxnEdn(operations: readonly Operation[]): string {
  let out = "";
  for (const op of operations) {
    let line = `{:index ${op.index}, :type :${op.type}, :process ${atom(op.process)}, :f ${atom(op.f)}, :value ${op.f === TXN_F ? txnValue(op.value) : toEdn(op.value)}`;
    if (op.time !== undefined) line += `, :time ${Math.round(op.time)}`;
    if (op.error !== undefined) line += `, :error ${JSON.stringify(op.error)}`;
    out += line + "}\n";
  }
  return out;
}
