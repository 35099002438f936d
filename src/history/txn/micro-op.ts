/**
 * Transactions as Jepsen and Elle write them: a list of micro-operations, each
 * `[f, key, value]`. List-append uses `["append", k, v]` and `["r", k, list]`; rw-register uses
 * `["w", k, v]` and `["r", k, v]`. An invocation carries `null` for every read; the `ok`
 * completion carries what each read returned.
 */
export type TxnKey = string | number;

/** An element appended to a list, or a value written to a register. */
export type TxnValue = string | number;

export type AppendOp = readonly ["append", TxnKey, TxnValue];
export type WriteOp = readonly ["w", TxnKey, TxnValue];
/** A read: `null` before it runs (and in `info` completions), the value read after. */
export type ReadOp<V = unknown> = readonly ["r", TxnKey, V];

export type MicroOp = AppendOp | WriteOp | ReadOp;

/** One transaction: its micro-operations in the order the client ran them. */
export type Txn = readonly MicroOp[];

/** The `f` a transactional operation is recorded under, as in Jepsen. */
export const TXN_F = "txn";

/** True for a number or string usable as a key or a written value. */
export function isTxnAtom(value: unknown): value is TxnValue {
  return (typeof value === "number" && Number.isFinite(value)) || typeof value === "string";
}

/** Why `value` is not a transaction, or undefined when it is one. */
export function txnShapeError(value: unknown): string | undefined {
  if (!Array.isArray(value)) return 'expected an array of micro-operations such as ["append", "x", 1]';
  for (let i = 0; i < value.length; i++) {
    const mop: unknown = value[i];
    if (!Array.isArray(mop) || mop.length !== 3) return `micro-operation ${i} is not a [f, key, value] triple`;
    const [f, key, v] = mop as unknown[];
    if (f !== "append" && f !== "r" && f !== "w") return `micro-operation ${i} has f ${JSON.stringify(f)}; expected "append", "r" or "w"`;
    if (!isTxnAtom(key)) return `micro-operation ${i} has key ${JSON.stringify(key)}; expected a string or a number`;
    if (f !== "r" && !isTxnAtom(v)) return `micro-operation ${i} writes ${JSON.stringify(v)}; expected a string or a number`;
  }
  return undefined;
}

/** `[append x 1]`, `[r y [1 2]]`: how explanations print a micro-operation. */
export function formatMicroOp(mop: MicroOp): string {
  return `[${mop[0]} ${formatAtom(mop[1])} ${formatReadValue(mop[2])}]`;
}

/** A key or element as people read it: numbers bare, strings bare when they are words. */
export function formatAtom(value: unknown): string {
  if (typeof value === "string") return /^[A-Za-z_][\w-]*$/.test(value) ? value : JSON.stringify(value);
  return String(value);
}

/** A read value: `nil`, `[1 2 3]`, or an atom. */
export function formatReadValue(value: unknown): string {
  if (value === null || value === undefined) return "nil";
  if (Array.isArray(value)) return `[${value.map(formatAtom).join(" ")}]`;
  return formatAtom(value);
}
