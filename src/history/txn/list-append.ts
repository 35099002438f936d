import { FaultlineError } from "../../common/errors";
import { RW, WR, WW, type GraphBuilder } from "./dependency-graph";
import type { DataInference, StepReason } from "./inference";
import { formatAtom, formatMicroOp, formatReadValue, type MicroOp, type TxnKey, type TxnValue } from "./micro-op";
import type { AnomalyLog } from "./txn-anomaly";
import type { TxnHistory, TxnRecord } from "./txn-history";

/** The empty list every key starts as: what an append to a fresh key comes after. */
const INIT = Symbol("initial state");
type Element = TxnValue | typeof INIT;

/** A key's version order: the elements of its longest committed read, in order. */
interface VersionOrder {
  readonly values: readonly TxnValue[];
  readonly position: ReadonlyMap<TxnValue, number>;
  /** Positions in the longest read of elements nobody appended, or a failed transaction did; ascending. */
  readonly bad: readonly number[];
  /** Position in the longest read of the first element seen twice; Infinity when none is. */
  readonly firstDuplicate: number;
}

/** A read's list; `null` from a committed transaction means the list was empty. */
function readList(value: unknown): readonly TxnValue[] {
  return Array.isArray(value) ? (value as TxnValue[]) : [];
}

function isPrefix(a: readonly TxnValue[], b: readonly TxnValue[]): boolean {
  if (a.length > b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `[1 2 3]`, or `[… 7 8 9]` for long lists: explanations stay one line. */
function shortList(list: readonly TxnValue[]): string {
  return list.length <= 6 ? formatReadValue(list) : `[… ${list.slice(-3).map(formatAtom).join(" ")}]`;
}

/**
 * Elle's list-append inference. Every key is a list; transactions append unique elements and
 * read whole lists. Because a read of `[1 2 3]` spells out the order in which 1, 2 and 3 were
 * appended, the longest committed read of a key gives its version order, and from it:
 * - write-write: the transaction that appended an element depends on the one that appended
 *   the element just before it;
 * - write-read: a reader depends on whoever appended the last element it saw;
 * - read-write: whoever appended the next element depends on every reader of the state before
 *   it (they did not see it). An append no read shows came after every element that was read.
 *
 * On the way it reports what needs no cycle: aborted reads (G1a), intermediate reads (G1b),
 * internal inconsistency, future reads, duplicate elements, incompatible orders, dirty
 * updates, lost updates, and garbage reads (elements nobody appended).
 */
export function inferListAppend(history: TxnHistory, builder: GraphBuilder, log: AnomalyLog): DataInference {
  const { txns } = history;
  // key -> element -> appending transaction id * 2 + 1 when it is not that txn's last append to the key.
  const appends = new Map<TxnKey, Map<TxnValue, number>>();
  for (const txn of txns) {
    const mops = txn.mops;
    // Long transactions index their last append per key instead of scanning ahead from each.
    let lastAppend: Map<TxnKey, number> | undefined;
    if (mops.length > 32) {
      lastAppend = new Map();
      for (let i = 0; i < mops.length; i++) if (mops[i]![0] === "append") lastAppend.set(mops[i]![1], i);
    }
    for (let i = 0; i < mops.length; i++) {
      const mop = mops[i]!;
      if (mop[0] === "w") {
        throw new FaultlineError({
          code: "FAULTLINE_HISTORY",
          message: `operation ${txn.index} writes ${formatMicroOp(mop)}, but a list-append history holds only append and r micro-operations`,
          hint: 'check it as rw-register (workload: "rw-register", or --txn rw-register), or record appends',
        });
      }
      if (mop[0] !== "append") continue;
      const [, key, element] = mop;
      let byElement = appends.get(key);
      if (!byElement) appends.set(key, (byElement = new Map()));
      const previous = byElement.get(element);
      if (previous !== undefined) {
        throw new FaultlineError({
          code: "FAULTLINE_HISTORY",
          message: `element ${formatAtom(element)} is appended to key ${formatAtom(key)} twice: by operations ${txns[previous >> 1]!.index} and ${txn.index}`,
          hint: "list-append inference needs every element appended to a key once; have the workload pick fresh elements (a counter per key)",
        });
      }
      const again = lastAppend ? lastAppend.get(key) !== i : appendsAgain(mops, i);
      byElement.set(element, txn.id * 2 + (again ? 1 : 0));
    }
  }
  const appenderOf = (key: TxnKey, element: TxnValue): TxnRecord | undefined => {
    const entry = appends.get(key)?.get(element);
    return entry === undefined ? undefined : txns[entry >> 1];
  };

  const longest = new Map<TxnKey, readonly TxnValue[]>();
  const longestBy = new Map<TxnKey, TxnRecord>();
  for (const txn of txns) {
    if (txn.type !== "ok") continue;
    for (const mop of txn.mops) {
      if (mop[0] !== "r") continue;
      const list = readList(mop[2]);
      const current = longest.get(mop[1]);
      if (current === undefined || list.length > current.length) {
        longest.set(mop[1], list);
        longestBy.set(mop[1], txn);
      }
    }
  }

  // Version orders, and where in each longest read trouble starts, so a read that is a prefix
  // of it is checked without looking up each of its elements.
  const orders = new Map<TxnKey, VersionOrder>();
  for (const [key, list] of longest) {
    const position = new Map<TxnValue, number>();
    const values: TxnValue[] = [];
    const bad: number[] = [];
    let firstDuplicate = Infinity;
    const byElement = appends.get(key);
    for (let i = 0; i < list.length; i++) {
      const element = list[i]!;
      if (position.has(element)) {
        if (firstDuplicate === Infinity) firstDuplicate = i;
        continue;
      }
      position.set(element, values.length);
      values.push(element);
      const entry = byElement?.get(element);
      if (entry === undefined || txns[entry >> 1]!.type === "fail") bad.push(i);
    }
    orders.set(key, { values, position, bad, firstDuplicate });
    reportDirtyUpdates(key, values, appenderOf, log);
  }

  const lostUpdate = new Map<TxnKey, Map<Element, TxnRecord[]>>();
  const incompatible = new Set<TxnKey>();
  for (const txn of txns) {
    if (txn.type !== "ok") continue;
    for (let m = 0; m < txn.mops.length; m++) {
      const mop = txn.mops[m]!;
      if (mop[0] !== "r") continue;
      const key = mop[1];
      const list = readList(mop[2]);
      const full = longest.get(key)!;
      if (isPrefix(list, full)) {
        checkPrefixRead(txn, m, list, orders.get(key)!, full, appends, txns, log);
        continue;
      }
      // Every committed read must be a prefix of the longest; if so the longest orders them all.
      if (!incompatible.has(key)) {
        incompatible.add(key);
        const other = longestBy.get(key)!;
        log.add({
          kind: "incompatible-order",
          key,
          indexes: [txn.index, other.index],
          description: `key ${formatAtom(key)}: operation ${txn.index} read ${formatReadValue(list)} but operation ${other.index} read ${formatReadValue(full)}; no single order of appends gives both`,
        });
      }
      checkReadElements(txn, m, list, appends, txns, log);
    }
    if (touchesAKeyTwice(txn.mops)) checkWithinTxn(txn, log, lostUpdate);
  }
  for (const [key, byRead] of lostUpdate) {
    for (const [read, group] of byRead) {
      if (group.length < 2) continue;
      log.add({
        kind: "lost-update",
        key,
        indexes: group.map((t) => t.index),
        description: `operations ${group.map((t) => t.index).join(", ")} all read key ${formatAtom(key)} ${read === INIT ? "as empty" : `ending in ${formatAtom(read)}`} and all appended to it: each update is made without the others`,
      });
    }
  }

  /** The element appended just before `element` to `key`: INIT for the first. */
  const previousElement = (key: TxnKey, element: TxnValue): Element => {
    const order = orders.get(key);
    if (!order) return INIT;
    const at = order.position.get(element);
    if (at === undefined) return order.values.length > 0 ? order.values[order.values.length - 1]! : INIT;
    return at > 0 ? order.values[at - 1]! : INIT;
  };

  // Who read each state, named by its last element (INIT for the empty list).
  const readers = new Map<TxnKey, Map<Element, number[]>>();
  for (const txn of txns) {
    if (txn.type !== "ok") continue;
    for (const mop of txn.mops) {
      if (mop[0] !== "r") continue;
      const list = readList(mop[2]);
      const last: Element = list.length ? list[list.length - 1]! : INIT;
      let byElement = readers.get(mop[1]);
      if (!byElement) readers.set(mop[1], (byElement = new Map()));
      const ids = byElement.get(last);
      if (ids) {
        if (ids[ids.length - 1] !== txn.id) ids.push(txn.id);
      } else byElement.set(last, [txn.id]);
    }
  }

  const committedWriter = (key: TxnKey, element: Element): TxnRecord | undefined => {
    if (element === INIT) return undefined;
    const writer = appenderOf(key, element);
    return writer && writer.type !== "fail" ? writer : undefined;
  };

  for (const txn of txns) {
    if (txn.type === "fail") continue;
    for (const mop of txn.mops) {
      const key = mop[1];
      if (mop[0] === "r") {
        if (txn.type !== "ok") continue;
        const list = readList(mop[2]);
        if (list.length === 0) continue;
        const writer = committedWriter(key, list[list.length - 1]!);
        if (writer) builder.link(writer.id, txn.id, WR);
        continue;
      }
      const previous = previousElement(key, mop[2] as TxnValue);
      const writer = committedWriter(key, previous);
      if (writer) builder.link(writer.id, txn.id, WW);
      for (const reader of readers.get(key)?.get(previous) ?? []) builder.link(reader, txn.id, RW);
    }
  }

  const explain = (a: TxnRecord, b: TxnRecord, rel: number, aName: string, bName: string): StepReason | undefined => {
    for (const mop of b.mops) {
      const key = mop[1];
      const k = formatAtom(key);
      if (rel === WR && mop[0] === "r") {
        const list = readList(mop[2]);
        if (list.length && committedWriter(key, list[list.length - 1]!) === a) {
          return { key, why: `${bName} read ${k} = ${shortList(list)}, which ends with ${aName}'s append of ${formatAtom(list[list.length - 1])}` };
        }
      }
      if (mop[0] !== "append") continue;
      const element = mop[2] as TxnValue;
      const previous = previousElement(key, element);
      const unseen = !orders.get(key)?.position.has(element);
      const after = unseen ? `, which no read shows, so it came after every element read` : "";
      if (rel === WW && committedWriter(key, previous) === a) {
        const p = formatAtom(previous as TxnValue);
        const why = unseen
          ? `${bName} appended ${formatAtom(element)} to ${k}, which no read shows, so it came after ${p}, the last element read, which ${aName} appended`
          : `${bName} appended ${formatAtom(element)} to ${k} right after ${aName}'s append of ${p}`;
        return { key, why };
      }
      if (rel === RW && a.type === "ok") {
        for (const read of a.mops) {
          if (read[0] !== "r" || read[1] !== key) continue;
          const list = readList(read[2]);
          const last: Element = list.length ? list[list.length - 1]! : INIT;
          if (last !== previous) continue;
          const state = list.length ? `read ${k} = ${shortList(list)}` : `read ${k} as empty`;
          const next = unseen ? after : previous === INIT ? `, the first element of ${k}` : `, the element right after ${formatAtom(previous)}`;
          return { key, why: `${aName} ${state} and did not see ${bName}'s append of ${formatAtom(element)}${next}` };
        }
      }
    }
    return undefined;
  };
  return { explain };
}

/** Whether the transaction appends to the key of `mops[at]` again after it. */
function appendsAgain(mops: readonly MicroOp[], at: number): boolean {
  const key = mops[at]![1];
  for (let j = at + 1; j < mops.length; j++) if (mops[j]![0] === "append" && mops[j]![1] === key) return true;
  return false;
}

/** Whether a transaction's micro-operations name some key more than once (only then can it be internally inconsistent). */
function touchesAKeyTwice(mops: readonly MicroOp[]): boolean {
  if (mops.length > 16) return new Set(mops.map((m) => m[1])).size < mops.length;
  for (let i = 1; i < mops.length; i++) for (let j = 0; j < i; j++) if (mops[i]![1] === mops[j]![1]) return true;
  return false;
}

/** Internal consistency of one committed transaction, and its part in lost updates. */
function checkWithinTxn(txn: TxnRecord, log: AnomalyLog, lostUpdate: Map<TxnKey, Map<Element, TxnRecord[]>>): void {
  // What this transaction expects each key to hold: a whole list, or only its tail when it
  // appended without reading first. A read's own list is shared until an append copies it.
  const expected = new Map<TxnKey, { known: boolean; list: readonly TxnValue[] }>();
  const firstRead = new Map<TxnKey, Element>();
  const appended = new Set<TxnKey>();
  let internalReported = false;
  for (const mop of txn.mops) {
    const key = mop[1];
    if (mop[0] === "append") {
      const element = mop[2] as TxnValue;
      const state = expected.get(key);
      expected.set(key, state ? { known: state.known, list: [...state.list, element] } : { known: false, list: [element] });
      if (!appended.has(key)) {
        appended.add(key);
        const read = firstRead.get(key);
        if (read !== undefined) {
          let byRead = lostUpdate.get(key);
          if (!byRead) lostUpdate.set(key, (byRead = new Map()));
          const group = byRead.get(read);
          if (group) group.push(txn);
          else byRead.set(read, [txn]);
        }
      }
      continue;
    }
    if (mop[0] !== "r") continue;
    const list = readList(mop[2]);
    if (!appended.has(key) && !firstRead.has(key)) firstRead.set(key, list.length ? list[list.length - 1]! : INIT);
    const state = expected.get(key);
    if (state && !internalReported) {
      const consistent = state.known
        ? state.list.length === list.length && isPrefix(state.list, list)
        : list.length >= state.list.length && isPrefix(state.list, list.slice(list.length - state.list.length));
      if (!consistent) {
        internalReported = true;
        const want = state.known ? formatReadValue(state.list) : `[… ${state.list.map(formatAtom).join(" ")}]`;
        log.add({
          kind: "internal",
          key,
          indexes: [txn.index],
          description: `operation ${txn.index} read ${formatAtom(key)} = ${formatReadValue(list)} but its own earlier micro-operations mean it should read ${want}: ${txn.mops.map(formatMicroOp).join(" ")}`,
        });
      }
    }
    expected.set(key, { known: true, list });
  }
}

/**
 * The checks on a committed read that is a prefix of its key's longest read: which of its
 * elements are aborted or garbage, and whether it holds duplicates, is known from where those
 * start in the longest read; only its last element and the transaction's own later appends
 * need looking up.
 */
function checkPrefixRead(
  txn: TxnRecord,
  at: number,
  list: readonly TxnValue[],
  order: VersionOrder,
  full: readonly TxnValue[],
  appends: ReadonlyMap<TxnKey, ReadonlyMap<TxnValue, number>>,
  txns: readonly TxnRecord[],
  log: AnomalyLog,
): void {
  if (list.length === 0) return;
  const key = txn.mops[at]![1];
  if ((order.bad.length && order.bad[0]! < list.length) || order.firstDuplicate < list.length) {
    checkReadElements(txn, at, list, appends, txns, log);
    return;
  }
  const k = formatAtom(key);
  const last = list[list.length - 1]!;
  const entry = appends.get(key)!.get(last)!;
  const writer = txns[entry >> 1]!;
  if (entry & 1 && writer !== txn) {
    log.add({
      kind: "G1b",
      key,
      indexes: [txn.index, writer.index],
      description: `operation ${txn.index} read ${k} = ${shortList(list)}, ending in ${formatAtom(last)}, which operation ${writer.index} appended but then appended more to ${k} (intermediate read)`,
    });
  }
  for (let j = at + 1; j < txn.mops.length; j++) {
    const later = txn.mops[j]!;
    if (later[0] !== "append" || later[1] !== key) continue;
    const p = order.position.get(later[2] as TxnValue);
    if (p !== undefined && p < list.length && full[p] === later[2]) {
      log.add({
        kind: "future-read",
        key,
        indexes: [txn.index],
        description: `operation ${txn.index} read ${k} = ${shortList(list)}, including ${formatAtom(later[2])}, which it appends itself only later: ${txn.mops.map(formatMicroOp).join(" ")}`,
      });
    }
  }
}

/** Aborted reads, intermediate reads, garbage and duplicates in one committed read. */
function checkReadElements(
  txn: TxnRecord,
  at: number,
  list: readonly TxnValue[],
  appends: ReadonlyMap<TxnKey, ReadonlyMap<TxnValue, number>>,
  txns: readonly TxnRecord[],
  log: AnomalyLog,
): void {
  const key = txn.mops[at]![1];
  const byElement = appends.get(key);
  const k = formatAtom(key);
  let dupes: TxnValue[] | undefined;
  const inList = list.length > 1 ? new Set<TxnValue>() : undefined;
  for (let i = 0; i < list.length; i++) {
    const element = list[i]!;
    if (inList) {
      if (inList.has(element)) (dupes ??= []).push(element);
      inList.add(element);
    }
    const entry = byElement?.get(element);
    if (entry === undefined) {
      log.add({
        kind: "garbage-read",
        key,
        indexes: [txn.index],
        description: `operation ${txn.index} read ${k} = ${shortList(list)}, but no transaction appended ${formatAtom(element)} to ${k}`,
      });
      continue;
    }
    const writer = txns[entry >> 1]!;
    if (writer === txn && !appendedBefore(txn.mops, at, key, element)) {
      log.add({
        kind: "future-read",
        key,
        indexes: [txn.index],
        description: `operation ${txn.index} read ${k} = ${shortList(list)}, including ${formatAtom(element)}, which it appends itself only later: ${txn.mops.map(formatMicroOp).join(" ")}`,
      });
    }
    if (writer.type === "fail") {
      log.add({
        kind: "G1a",
        key,
        indexes: [txn.index, writer.index],
        description: `operation ${txn.index} read ${k} = ${shortList(list)}, including ${formatAtom(element)}, which failed operation ${writer.index} appended (aborted read)`,
      });
    }
    if (i === list.length - 1 && entry & 1 && writer !== txn) {
      log.add({
        kind: "G1b",
        key,
        indexes: [txn.index, writer.index],
        description: `operation ${txn.index} read ${k} = ${shortList(list)}, ending in ${formatAtom(element)}, which operation ${writer.index} appended but then appended more to ${k} (intermediate read)`,
      });
    }
  }
  if (dupes) {
    log.add({
      kind: "duplicate-elements",
      key,
      indexes: [txn.index],
      description: `operation ${txn.index} read ${k} = ${shortList(list)}, with ${dupes.map(formatAtom).join(", ")} more than once, though each was appended once`,
    });
  }
}

function appendedBefore(mops: readonly MicroOp[], at: number, key: TxnKey, element: TxnValue): boolean {
  for (let i = 0; i < at; i++) {
    const mop = mops[i]!;
    if (mop[0] === "append" && mop[1] === key && mop[2] === element) return true;
  }
  return false;
}

/** A failed transaction's append, followed in the version order by a committed one's. */
function reportDirtyUpdates(
  key: TxnKey,
  values: readonly TxnValue[],
  appenderOf: (key: TxnKey, element: TxnValue) => TxnRecord | undefined,
  log: AnomalyLog,
): void {
  let anchor: { type: string; index: number } = { type: "ok", index: -1 };
  let span: TxnValue[] = [];
  for (const element of values) {
    const writer = appenderOf(key, element);
    if (!writer) continue;
    if (writer.type === "info") {
      span.push(element);
      continue;
    }
    if (writer.type === "ok" && anchor.type === "fail") {
      log.add({
        kind: "dirty-update",
        key,
        indexes: [anchor.index, writer.index],
        description: `key ${formatAtom(key)}: failed operation ${anchor.index} appended ${span.map(formatAtom).join(", ")}, and committed operation ${writer.index} appended ${formatAtom(element)} on top of it`,
      });
    }
    if (writer.type === "fail" && anchor.type === "fail") {
      span.push(element);
      continue;
    }
    anchor = writer;
    span = [element];
  }
}
