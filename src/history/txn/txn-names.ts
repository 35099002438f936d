import { formatAtom, formatMicroOp, type MicroOp } from "./micro-op";
import type { TxnRecord } from "./txn-history";

/** A duration in nanoseconds as people read it: `850 µs`, `12.5 ms`, `3.20 s`. */
export function formatNs(ns: number): string {
  if (ns < 1e6) return `${Math.round(ns / 1e3)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(ns < 1e8 ? 1 : 0)} ms`;
  return `${(ns / 1e9).toFixed(2)} s`;
}

/** `operation 12 (process 3, ok): [append x 1] [r y [1 2]]`, cut after `max` micro-operations. */
export function describeTxn(txn: TxnRecord, max = 8): string {
  const mops = txn.mops.slice(0, max).map(briefMicroOp).join(" ");
  const more = txn.mops.length > max ? ` … (${txn.mops.length - max} more)` : "";
  return `operation ${txn.index} (process ${txn.process}, ${txn.type}): ${mops}${more}`;
}

/** A micro-operation with a long read cut to its ends: `[r x [1 2 3 … 98 99] (99 elements)]`. */
function briefMicroOp(mop: MicroOp): string {
  const value = mop[2];
  if (!Array.isArray(value) || value.length <= 10) return formatMicroOp(mop);
  const ends = [...value.slice(0, 3).map(formatAtom), "…", ...value.slice(-3).map(formatAtom)].join(" ");
  return `[r ${formatAtom(mop[1])} [${ends}] (${value.length} elements)]`;
}
