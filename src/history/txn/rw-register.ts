import { FaultlineError } from "../../common/errors";
import { RW, WR, WW, type GraphBuilder } from "./dependency-graph";
import type { DataInference, StepReason } from "./inference";
import { formatAtom, formatMicroOp, formatReadValue, type TxnKey, type TxnValue } from "./micro-op";
import type { AnomalyLog } from "./txn-anomaly";
import type { TxnHistory, TxnRecord } from "./txn-history";

/** Options of the rw-register inference. */
export interface RwRegisterOptions {
  /**
   * Assume writes follow reads within a transaction: one that read x = 1 and then wrote x = 2
   * orders version 1 before 2. True of most databases, but an assumption, so off by default
   * (as in Elle).
   */
  readonly wfrKeys?: boolean;
}

/** The first value a transaction read of each key before writing it, and the last value it wrote. */
function externals(txn: TxnRecord): { reads: Map<TxnKey, unknown>; writes: Map<TxnKey, TxnValue> } {
  const reads = new Map<TxnKey, unknown>();
  const writes = new Map<TxnKey, TxnValue>();
  for (const [f, key, value] of txn.mops) {
    if (f === "w") writes.set(key, value as TxnValue);
    else if (f === "r" && txn.type === "ok" && !writes.has(key) && !reads.has(key)) reads.set(key, value);
  }
  return { reads, writes };
}

/**
 * Elle's rw-register inference. Every key is a register, and every write puts a value no other
 * write used, so a read names the one transaction whose write it saw (write-read). The version
 * order is weaker than for lists: every key starts as nil, so a transaction that read nil comes
 * before every transaction that wrote the key (read-write); with `wfrKeys`, a transaction that
 * read x = 1 and then wrote x = 2 puts 1 before 2, ordering the writer of 1 before it
 * (write-write) and the other readers of 1 before it too (read-write).
 */
export function inferRwRegister(history: TxnHistory, builder: GraphBuilder, log: AnomalyLog, options: RwRegisterOptions = {}): DataInference {
  const { txns } = history;
  // key -> value -> writer id * 2 + 1 when the writer later overwrote it itself.
  const written = new Map<TxnKey, Map<TxnValue, number>>();
  for (const txn of txns) {
    const last = new Map<TxnKey, TxnValue>();
    for (const mop of txn.mops) {
      if (mop[0] === "append") {
        throw new FaultlineError({
          code: "FAULTLINE_HISTORY",
          message: `operation ${txn.index} appends ${formatMicroOp(mop)}, but an rw-register history holds only w and r micro-operations`,
          hint: 'check it as list-append (workload: "list-append", or --txn list-append)',
        });
      }
      if (mop[0] !== "w") continue;
      const [, key, value] = mop;
      let byValue = written.get(key);
      if (!byValue) written.set(key, (byValue = new Map()));
      const previous = byValue.get(value);
      if (previous !== undefined) {
        throw new FaultlineError({
          code: "FAULTLINE_HISTORY",
          message: `value ${formatAtom(value)} is written to key ${formatAtom(key)} twice: by operations ${txns[previous >> 1]!.index} and ${txn.index}`,
          hint: "rw-register inference needs every write to a key to use a fresh value; have the workload count per key",
        });
      }
      byValue.set(value, txn.id * 2);
      const before = last.get(key);
      if (before !== undefined) byValue.set(before, txn.id * 2 + 1);
      last.set(key, value);
    }
  }
  const writerOf = (key: TxnKey, value: unknown): TxnRecord | undefined => {
    const entry = written.get(key)?.get(value as TxnValue);
    return entry === undefined ? undefined : txns[entry >> 1];
  };

  // Committed external writes and reads, by key and value.
  const extWriter = new Map<TxnKey, Map<TxnValue, number>>();
  const extReaders = new Map<TxnKey, Map<unknown, number[]>>();
  const ext = new Map<number, ReturnType<typeof externals>>();
  const lostUpdate = new Map<string, { key: TxnKey; value: unknown; txns: TxnRecord[] }>();
  for (const txn of txns) {
    if (txn.type !== "ok") continue;
    checkCommitted(txn, written, txns, log);
    const e = externals(txn);
    ext.set(txn.id, e);
    for (const [key, value] of e.writes) {
      let byValue = extWriter.get(key);
      if (!byValue) extWriter.set(key, (byValue = new Map()));
      byValue.set(value, txn.id);
    }
    for (const [key, value] of e.reads) {
      let byValue = extReaders.get(key);
      if (!byValue) extReaders.set(key, (byValue = new Map()));
      const list = byValue.get(value ?? null);
      if (list) list.push(txn.id);
      else byValue.set(value ?? null, [txn.id]);
      if (e.writes.has(key)) {
        const group = `${typeof key}:${String(key)}\u0000${typeof value}:${String(value)}`;
        const members = lostUpdate.get(group);
        if (members) members.txns.push(txn);
        else lostUpdate.set(group, { key, value, txns: [txn] });
      }
    }
  }
  for (const { key, value, txns: group } of lostUpdate.values()) {
    if (group.length < 2) continue;
    log.add({
      kind: "lost-update",
      key,
      indexes: group.map((t) => t.index),
      description: `operations ${group.map((t) => t.index).join(", ")} all read key ${formatAtom(key)} = ${formatReadValue(value)} and all wrote it: each update is made without the others`,
    });
  }

  // Version order: nil before every value; with wfrKeys, what a transaction read before what it wrote.
  const wfr = new Map<TxnKey, Map<TxnValue, TxnValue[]>>();
  if (options.wfrKeys) {
    for (const [, e] of ext) {
      for (const [key, value] of e.reads) {
        const next = e.writes.get(key);
        if (value === null || value === undefined || next === undefined || next === value) continue;
        let edges = wfr.get(key);
        if (!edges) wfr.set(key, (edges = new Map()));
        const list = edges.get(value as TxnValue);
        if (list) list.push(next);
        else edges.set(value as TxnValue, [next]);
      }
    }
    for (const [key, edges] of wfr) {
      const cycle = findValueCycle(edges);
      if (!cycle) continue;
      log.add({
        kind: "cyclic-versions",
        key,
        indexes: cycle.map((v) => writerOf(key, v)?.index).filter((i): i is number => i !== undefined),
        description: `key ${formatAtom(key)}: reads before writes order its versions in a circle, ${[...cycle, cycle[0]!].map(formatAtom).join(" < ")}; these orders are left out`,
      });
      wfr.delete(key);
    }
  }

  for (const txn of txns) {
    if (txn.type !== "ok") continue;
    const e = ext.get(txn.id)!;
    for (const [key, value] of e.reads) {
      if (value === null || value === undefined) {
        // Read the initial state: precedes every committed write of the key.
        for (const writer of extWriter.get(key)?.values() ?? []) builder.link(txn.id, writer, RW);
        continue;
      }
      const writer = extWriter.get(key)?.get(value as TxnValue);
      if (writer !== undefined) builder.link(writer, txn.id, WR);
    }
  }
  for (const [key, edges] of wfr) {
    for (const [from, tos] of edges) {
      const w1 = extWriter.get(key)?.get(from);
      const readers = extReaders.get(key)?.get(from) ?? [];
      for (const to of tos) {
        const w2 = extWriter.get(key)?.get(to);
        if (w2 === undefined) continue;
        if (w1 !== undefined) builder.link(w1, w2, WW);
        for (const r of readers) builder.link(r, w2, RW);
      }
    }
  }

  const follows = (key: TxnKey, from: unknown, to: unknown): boolean => {
    if (from === null || from === undefined) return true;
    return (
      wfr
        .get(key)
        ?.get(from as TxnValue)
        ?.includes(to as TxnValue) ?? false
    );
  };
  const explain = (a: TxnRecord, b: TxnRecord, rel: number, aName: string, bName: string): StepReason | undefined => {
    const ea = ext.get(a.id);
    const eb = ext.get(b.id);
    if (!ea || !eb) return undefined;
    if (rel === WR) {
      for (const [key, value] of eb.reads) {
        if (ea.writes.get(key) === value) return { key, why: `${bName} read ${formatAtom(key)} = ${formatAtom(value)}, which ${aName} wrote` };
      }
    }
    for (const [key, v2] of eb.writes) {
      if (rel === WW) {
        const v1 = ea.writes.get(key);
        if (v1 !== undefined && follows(key, v1, v2)) {
          return {
            key,
            why: `${aName} wrote ${formatAtom(key)} = ${formatAtom(v1)}, and ${bName} read that and then wrote ${formatAtom(key)} = ${formatAtom(v2)}`,
          };
        }
      }
      if (rel === RW && ea.reads.has(key)) {
        const v1 = ea.reads.get(key);
        if (!follows(key, v1, v2)) continue;
        const why =
          v1 === null || v1 === undefined
            ? `${aName} read ${formatAtom(key)} = nil, its initial state, which ${bName}'s write of ${formatAtom(v2)} replaced`
            : `${aName} read ${formatAtom(key)} = ${formatAtom(v1)}, and ${bName} read that too and then overwrote it with ${formatAtom(v2)}`;
        return { key, why };
      }
    }
    return undefined;
  };
  return { explain };
}

/** Internal consistency, aborted and intermediate reads, and garbage, in one committed transaction. */
function checkCommitted(txn: TxnRecord, written: ReadonlyMap<TxnKey, ReadonlyMap<TxnValue, number>>, txns: readonly TxnRecord[], log: AnomalyLog): void {
  const state = new Map<TxnKey, unknown>();
  let internalReported = false;
  for (const mop of txn.mops) {
    const [f, key, value] = mop;
    if (f === "w") {
      state.set(key, value);
      continue;
    }
    if (f !== "r") continue;
    const k = formatAtom(key);
    if (state.has(key) && state.get(key) !== (value ?? null) && !internalReported) {
      internalReported = true;
      log.add({
        kind: "internal",
        key,
        indexes: [txn.index],
        description: `operation ${txn.index} read ${k} = ${formatReadValue(value)} but its own earlier micro-operations mean it should read ${formatReadValue(state.get(key))}: ${txn.mops.map(formatMicroOp).join(" ")}`,
      });
    }
    state.set(key, value ?? null);
    if (value === null || value === undefined) continue;
    const entry = written.get(key)?.get(value as TxnValue);
    if (entry === undefined) {
      log.add({
        kind: "garbage-read",
        key,
        indexes: [txn.index],
        description: `operation ${txn.index} read ${k} = ${formatAtom(value)}, which no transaction wrote`,
      });
      continue;
    }
    const writer = txns[entry >> 1]!;
    if (writer === txn) continue;
    if (writer.type === "fail") {
      log.add({
        kind: "G1a",
        key,
        indexes: [txn.index, writer.index],
        description: `operation ${txn.index} read ${k} = ${formatAtom(value)}, which failed operation ${writer.index} wrote (aborted read)`,
      });
    } else if (entry & 1) {
      log.add({
        kind: "G1b",
        key,
        indexes: [txn.index, writer.index],
        description: `operation ${txn.index} read ${k} = ${formatAtom(value)}, which operation ${writer.index} wrote and then overwrote itself (intermediate read)`,
      });
    }
  }
}

/** A cycle among a key's versions, or undefined (iterative depth-first search). */
function findValueCycle(edges: ReadonlyMap<TxnValue, readonly TxnValue[]>): TxnValue[] | undefined {
  const colour = new Map<TxnValue, 1 | 2>();
  for (const root of edges.keys()) {
    if (colour.has(root)) continue;
    const path: TxnValue[] = [root];
    const next: number[] = [0];
    colour.set(root, 1);
    while (path.length) {
      const v = path[path.length - 1]!;
      const outs = edges.get(v) ?? [];
      const i = next[next.length - 1]!;
      if (i >= outs.length) {
        colour.set(v, 2);
        path.pop();
        next.pop();
        continue;
      }
      next[next.length - 1] = i + 1;
      const w = outs[i]!;
      if (colour.get(w) === 1) return path.slice(path.indexOf(w));
      if (colour.has(w)) continue;
      colour.set(w, 1);
      path.push(w);
      next.push(0);
    }
  }
  return undefined;
}
