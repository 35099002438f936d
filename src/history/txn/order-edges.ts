import { PROCESS, REALTIME, type GraphBuilder } from "./dependency-graph";
import { formatNs } from "./txn-names";
import type { TxnHistory, TxnRecord } from "./txn-history";

/** Links each committed transaction to the next committed one of the same process. */
export function linkProcessOrder(history: TxnHistory, builder: GraphBuilder): void {
  const last = new Map<number, number>();
  for (const txn of history.txns) {
    if (txn.type !== "ok") continue;
    const previous = last.get(txn.process);
    if (previous !== undefined) builder.link(previous, txn.id, PROCESS);
    last.set(txn.process, txn.id);
  }
}

/**
 * Links T1 -> T2 when T1 committed before T2 was invoked, keeping only a transitive reduction
 * (Elle's method): a frontier holds the committed transactions no later commit has covered yet;
 * each invocation gets an edge from every member, and a commit removes the members that had
 * edges into it, since its own edges now carry their order. The frontier stays about as large
 * as the number of concurrent clients, so this is linear in the history.
 */
export function linkRealtimeOrder(history: TxnHistory, builder: GraphBuilder): void {
  const events = new Int32Array(history.operations.length).fill(-1);
  for (const txn of history.txns) {
    if (txn.type === "fail") continue;
    if (txn.invokeIndex >= 0) events[txn.invokeIndex] = txn.id * 2;
    if (txn.type === "ok") events[txn.index] = txn.id * 2 + 1;
  }
  const frontier = new Set<number>();
  const before = new Map<number, number[]>();
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    if (event < 0) continue;
    const id = event >> 1;
    if ((event & 1) === 0) {
      const predecessors = [...frontier];
      for (const p of predecessors) builder.link(p, id, REALTIME);
      if (history.txns[id]!.type === "ok") before.set(id, predecessors);
      continue;
    }
    for (const p of before.get(id) ?? []) frontier.delete(p);
    before.delete(id);
    frontier.add(id);
  }
}

/** Why `b` follows `a` in process or real-time order, naming them `aName` and `bName`. */
export function explainOrder(a: TxnRecord, b: TxnRecord, rel: number, aName: string, bName: string): string {
  if (rel === PROCESS) return `process ${a.process} ran ${aName} and then ${bName}`;
  const gap =
    a.completeTime !== undefined && b.invokeTime !== undefined && b.invokeTime > a.completeTime ? `, ${formatNs(b.invokeTime - a.completeTime)} later` : "";
  return `${aName} completed (operation ${a.index}) before ${bName} was invoked (operation ${b.invokeIndex})${gap}`;
}
