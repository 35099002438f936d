import type { Operation } from "../operation";
import { isKeywordName, parseEdnForms, toEdn, type EdnValue } from "./edn";
import { operationFromRecord, parseError } from "./jsonl";

function keywordOrString(name: string): string {
  return isKeywordName(name) ? `:${name}` : JSON.stringify(name);
}

/**
 * Writes operations as Jepsen's `history.edn`: one map per line, `:type`, `:f` and a named
 * process as keywords, so Jepsen's own tools (knossos, elle) can read it.
 */
export function toEdnHistory(operations: readonly Operation[]): string {
  let out = "";
  for (const op of operations) {
    const process = typeof op.process === "number" ? String(op.process) : keywordOrString(op.process);
    let line = `{:index ${op.index}, :process ${process}, :type :${op.type}, :f ${keywordOrString(op.f)}, :value ${toEdn(op.value)}`;
    if (op.time !== undefined) line += `, :time ${Math.round(op.time)}`;
    if (op.error !== undefined) line += `, :error ${toEdn(op.error)}`;
    out += line + "}\n";
  }
  return out;
}

/**
 * Reads EDN operation maps: Jepsen's `history.edn` (one map per line, or one vector of maps)
 * and Porcupine's key-value histories, whose `:key` field is folded into the value as a
 * `[key value]` pair, the shape Jepsen's `independent` keys use and `models.kv` expects.
 */
export function parseEdnHistory(text: string, source = "EDN"): Operation[] {
  let forms = parseEdnForms(text, source);
  if (forms.length === 1 && Array.isArray(forms[0])) forms = forms[0];
  const ops: Operation[] = [];
  for (let i = 0; i < forms.length; i++) {
    const form = forms[i]!;
    const where = `${source}: operation ${i + 1}`;
    if (typeof form !== "object" || form === null || Array.isArray(form))
      throw parseError(where, "expected a map such as {:process 0, :type :invoke, :f :read, :value nil}");
    const record: { [key: string]: EdnValue } = form;
    ops.push(operationFromRecord("key" in record ? { ...record, value: [record.key!, record.value ?? null] } : record, ops.length, where));
  }
  return ops;
}
