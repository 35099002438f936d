import type { MicroOp, Operation, Txn } from "../../../../src/history";

type Type = "invoke" | "ok" | "fail" | "info";

/** Operations from `[process, type, txn]` lines; an invocation's reads are set to null. */
export function ops(lines: readonly (readonly [number, Type, Txn])[]): Operation[] {
  return lines.map(([process, type, value], index) => ({
    index,
    process,
    type,
    f: "txn",
    value: type === "invoke" ? value.map((m) => (m[0] === "r" ? ["r", m[1], null] : m)) : value,
  }));
}

/** Each transaction invoked and committed before the next begins, each by its own process. */
export function serial(...txns: Txn[]): Operation[] {
  return ops(txns.flatMap((t, i) => [[i, "invoke", t] as const, [i, "ok", t] as const]));
}

/** Every transaction invoked, then every one committed: no real-time order between them. */
export function concurrent(...txns: Txn[]): Operation[] {
  return ops([...txns.map((t, i) => [i, "invoke", t] as const), ...txns.map((t, i) => [i, "ok", t] as const)]);
}

/** Renumbers concatenated operation lists so indexes are positions. */
export function join(...parts: Operation[][]): Operation[] {
  return parts.flat().map((op, index) => ({ ...op, index }));
}

/** A serializable in-memory list store: applies a transaction atomically and fills its reads. */
/**
 * Read skew (G-single): T1 reads x empty and y = [1] while T2 appends 1 to both; then x = [1]
 * is read. Not serializable nor snapshot isolation; read committed.
 */
export function readSkewHistory(): Operation[] {
  return join(
    concurrent(
      [
        ["r", "x", []],
        ["r", "y", [1]],
      ],
      [
        ["append", "x", 1],
        ["append", "y", 1],
      ],
    ),
    serial([["r", "x", [1]]]),
  );
}

export class ListStore {
  private readonly lists = new Map<string | number, (string | number)[]>();

  apply(txn: Txn): Txn {
    return txn.map((mop): MicroOp => {
      const [f, key, value] = mop;
      const list = this.lists.get(key) ?? [];
      if (f === "append") {
        this.lists.set(key, [...list, value as number]);
        return mop;
      }
      return ["r", key, [...list]];
    });
  }
}

/** A serializable in-memory register store. */
export class RegisterStore {
  private readonly values = new Map<string | number, string | number>();

  apply(txn: Txn): Txn {
    return txn.map((mop): MicroOp => {
      const [f, key, value] = mop;
      if (f === "w") {
        this.values.set(key, value as number);
        return mop;
      }
      return ["r", key, this.values.get(key) ?? null];
    });
  }
}

/** One step of a simulated client: which process acts, and what its transaction does. */
export interface SimStep {
  process: number;
  /** Micro-operations as [isWrite, key] pairs; elements and values are chosen fresh. */
  mops: [boolean, number][];
  /** 0: commits; 1: fails before taking effect; 2: info after taking effect; 3: info without effect. */
  fate: number;
  /** Steps of other processes that interleave before this one takes effect, and before it completes. */
  applyDelay: number;
  completeDelay: number;
}

/**
 * A concurrent history of a strictly serializable store: every transaction takes effect
 * atomically between its invocation and its completion; some fail (no effect) or end `info`
 * (with or without effect). `kind` picks list-append or rw-register micro-operations.
 */
export function simulate(steps: readonly SimStep[], kind: "list-append" | "rw-register"): Operation[] {
  const store = kind === "list-append" ? new ListStore() : new RegisterStore();
  let counter = 0;
  const out: Operation[] = [];
  const record = (process: number, type: Type, value: Txn): void => {
    out.push({ index: out.length, process, type, f: "txn", value });
  };
  // Pending actions fire after a number of later steps; each process runs one transaction at a time.
  const busy = new Set<number>();
  const retired = new Set<number>();
  let queue: { at: number; run: () => void }[] = [];
  let clock = 0;
  const tick = (): void => {
    clock++;
    const due = queue.filter((q) => q.at <= clock);
    queue = queue.filter((q) => q.at > clock);
    for (const q of due) q.run();
  };
  let nextFresh = 100;
  for (const step of steps) {
    let process = step.process;
    while (busy.has(process) || retired.has(process)) process = nextFresh++;
    const txn: Txn = step.mops.map(([write, key]): MicroOp => (write ? [kind === "list-append" ? "append" : "w", key, ++counter] : ["r", key, null]));
    if (txn.length === 0) continue;
    busy.add(process);
    record(process, "invoke", txn);
    const applyAt = clock + step.applyDelay;
    const completeAt = applyAt + step.completeDelay;
    let done: Txn = txn;
    if (step.fate === 0 || step.fate === 2) queue.push({ at: applyAt, run: () => (done = store.apply(txn)) });
    queue.push({
      at: completeAt,
      run: () => {
        const type: Type = step.fate === 0 ? "ok" : step.fate === 1 ? "fail" : "info";
        record(process, type, type === "ok" ? done : txn);
        busy.delete(process);
        if (type === "info") retired.add(process);
      },
    });
    tick();
  }
  while (queue.length) tick();
  return out;
}

/**
 * A concurrent history of a snapshot-isolation list store: a transaction reads the state
 * committed when it was invoked (plus its own appends) and commits when it completes, unless a
 * transaction that committed in between wrote one of its keys (first committer wins: `fail`).
 */
export function simulateSnapshotIsolation(steps: readonly SimStep[]): Operation[] {
  const committed = new Map<number | string, readonly (string | number)[]>();
  const lastWrite = new Map<number | string, number>();
  let commits = 0;
  let counter = 0;
  const out: Operation[] = [];
  const busy = new Set<number>();
  let queue: { at: number; run: () => void }[] = [];
  let clock = 0;
  let nextFresh = 100;
  for (const step of steps) {
    let process = step.process;
    while (busy.has(process)) process = nextFresh++;
    const txn: Txn = step.mops.map(([write, key]): MicroOp => (write ? ["append", key, ++counter] : ["r", key, null]));
    busy.add(process);
    out.push({ index: out.length, process, type: "invoke", f: "txn", value: txn });
    const snapshot = new Map(committed);
    const start = commits;
    queue.push({
      at: clock + step.applyDelay + step.completeDelay,
      run: () => {
        const keys = [...new Set(txn.filter((m) => m[0] === "append").map((m) => m[1]))];
        busy.delete(process);
        if (keys.some((k) => (lastWrite.get(k) ?? 0) > start)) {
          out.push({ index: out.length, process, type: "fail", f: "txn", value: txn });
          return;
        }
        const local = new Map<number | string, (string | number)[]>();
        const done = txn.map((mop): MicroOp => {
          const [f, key, value] = mop;
          let list = local.get(key);
          if (!list) local.set(key, (list = [...(snapshot.get(key) ?? [])]));
          if (f === "append") {
            list.push(value as number);
            return mop;
          }
          return ["r", key, [...list]];
        });
        commits++;
        for (const k of keys) {
          committed.set(k, local.get(k)!);
          lastWrite.set(k, commits);
        }
        out.push({ index: out.length, process, type: "ok", f: "txn", value: done });
      },
    });
    clock++;
    const due = queue.filter((q) => q.at <= clock);
    queue = queue.filter((q) => q.at > clock);
    for (const q of due) q.run();
  }
  for (const q of queue.sort((a, b) => a.at - b.at)) q.run();
  return out;
}
