/**
 * Histories of a simulated key-value store with many concurrent clients, in the shape of
 * Porcupine's key-value test data (`get`/`put`/`append` on string values, a missing key reads
 * `""`). The store is linearizable by construction: every operation takes effect at one
 * instant between its invocation and its return. An anomaly can be injected that makes the
 * history provably not linearizable, or one that may or may not (for property tests).
 *
 * Self-contained on purpose: the benchmark loads it through ts-node next to the built dist/.
 */

export type KvFunction = "get" | "put" | "append";

/**
 * - `stale-read`: a get returns the value its key had before a write that returned before the
 *   get was invoked (provably not linearizable, see {@link GeneratedKvHistory.linearizable}).
 * - `lost-append`: an append returns ok but its effect is missing from every later read
 *   (provably not linearizable).
 * - `random-read`: a get returns some value its key had at another time; the verdict depends
 *   on the timing (for comparing checkers, not for a known verdict).
 */
export type KvAnomaly = "stale-read" | "lost-append" | "random-read";

export interface KvHistoryOptions {
  /** Concurrent clients (processes). */
  clients: number;
  /** Keys, named "0", "1", …. */
  keys: number;
  /** Operations invoked in total (crashed clients end early, so a few may be missing). */
  operations: number;
  /** Seed of the pseudo-random generator: the same options give the same history. */
  seed: number;
  /** Relative weights of the functions. Default: Porcupine's mix, 46% get, 5% put, 49% append. */
  mix?: { get: number; put: number; append: number };
  /** Each half of an operation (invoke → effect, effect → return) takes up to this long. Default: 1. */
  latency?: number;
  /** A client waits up to this long between operations. Default: 0.2. */
  think?: number;
  /** Clients that crash: their last operation never returns (it took effect or not). Default: 0. */
  crashed?: number;
  anomaly?: KvAnomaly;
  /**
   * Values to put and append, drawn at random, instead of unique framed tokens: short ones
   * that repeat and spell each other ("a", "ab", …) make values ambiguous, which a checker's
   * shortcuts must survive. An injected anomaly then gives no known verdict.
   */
  tokens?: readonly string[];
}

/** An operation in faultline's (Jepsen's) shape; kv values are `[key, value]` pairs. */
export interface KvOperation {
  readonly index: number;
  readonly process: number;
  readonly type: "invoke" | "ok";
  readonly f: KvFunction;
  readonly value: readonly [string, string | null];
  readonly time: number;
}

export interface GeneratedKvHistory {
  readonly operations: KvOperation[];
  /**
   * `true` without an anomaly, `false` when `stale-read` or `lost-append` was injected (the
   * injection is only made where no linearization can explain it), `undefined` for
   * `random-read` or when no place for the anomaly was found.
   */
  readonly linearizable: boolean | undefined;
  /** What was injected, for people reading a failure. */
  readonly anomaly?: string;
}

interface SimOp {
  client: number;
  process: number;
  f: KvFunction;
  key: string;
  arg: string | null;
  call: number;
  at: number;
  ret: number; // Infinity when the client crashed during it
  applied: boolean;
  result: string | null;
}

/** mulberry32: small, fast, good enough for test data. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function schedule(options: KvHistoryOptions, rand: () => number): SimOp[] {
  const { clients, keys, operations } = options;
  const mix = options.mix ?? { get: 0.46, put: 0.05, append: 0.49 };
  const total = mix.get + mix.put + mix.append;
  const latency = options.latency ?? 1;
  const think = options.think ?? 0.2;
  const nextCall = Array.from({ length: clients }, () => rand() * think);
  const seq = new Array<number>(clients).fill(0);
  const ops: SimOp[] = [];
  for (let n = 0; n < operations; n++) {
    let client = 0;
    for (let c = 1; c < clients; c++) if (nextCall[c]! < nextCall[client]!) client = c;
    const pick = rand() * total;
    const f: KvFunction = pick < mix.get ? "get" : pick < mix.get + mix.put ? "put" : "append";
    const call = nextCall[client]!;
    const at = call + rand() * latency;
    const ret = at + rand() * latency;
    // Tokens are framed and unique, so a value is one way of concatenating them.
    const tokens = options.tokens;
    const arg = f === "get" ? null : tokens ? tokens[Math.floor(rand() * tokens.length)]! : `x ${client} ${seq[client]!++} y`;
    const key = String(Math.floor(rand() * keys));
    ops.push({ client, process: client, f, key, arg, call, at, ret, applied: true, result: null });
    nextCall[client] = ret + rand() * think;
  }
  return ops;
}

/** Crashed clients stop at a random operation of theirs, which never returns. */
function crash(ops: SimOp[], count: number, clients: number, rand: () => number): SimOp[] {
  const victims = new Set<number>();
  while (victims.size < Math.min(count, clients)) victims.add(Math.floor(rand() * clients));
  const cut = new Map<number, SimOp>();
  for (const client of victims) {
    const own = ops.filter((op) => op.client === client);
    if (own.length) cut.set(client, own[Math.floor(rand() * own.length)]!);
  }
  return ops.filter((op) => {
    const last = cut.get(op.client);
    if (!last) return true;
    if (op === last) {
      op.ret = Infinity;
      op.applied = rand() < 0.5;
      return true;
    }
    return op.call < last.call;
  });
}

/** Applies the effects in real-time order; `skip` is left out (a lost write). */
function run(ops: readonly SimOp[], skip?: SimOp): Map<SimOp, string> {
  const before = new Map<SimOp, string>();
  const store = new Map<string, string>();
  for (const op of [...ops].sort((a, b) => a.at - b.at)) {
    const value = store.get(op.key) ?? "";
    before.set(op, value);
    if (!op.applied || op === skip) continue;
    if (op.f === "get") op.result = value;
    else if (op.f === "put") store.set(op.key, op.arg!);
    else store.set(op.key, value + op.arg!);
  }
  return before;
}

/** True when no put on `key` may take effect between `from` and `to` (by its window). */
function noPutBetween(ops: readonly SimOp[], key: string, from: number, to: number, except?: SimOp): boolean {
  return ops.every((op) => op === except || op.f !== "put" || op.key !== key || op.ret < from || op.call > to);
}

/** Pairs (write, later get) on one key with no put able to come between them. */
function pairs(ops: readonly SimOp[], writes: (op: SimOp) => boolean): [SimOp, SimOp][] {
  const found: [SimOp, SimOp][] = [];
  for (const w of ops) {
    if (!writes(w) || w.ret === Infinity) continue;
    let read: SimOp | undefined;
    for (const g of ops) if (g.f === "get" && g.key === w.key && g.ret !== Infinity && g.call > w.ret && (!read || g.call < read.call)) read = g;
    if (read && noPutBetween(ops, w.key, w.call, read.ret, w)) found.push([w, read]);
  }
  return found;
}

function inject(ops: SimOp[], anomaly: KvAnomaly, rand: () => number): { linearizable: boolean | undefined; anomaly?: string } {
  const pickOf = <T>(xs: readonly T[]): T | undefined => (xs.length ? xs[Math.floor(rand() * xs.length)] : undefined);
  const describe = (op: SimOp): string => `p${op.process} ${op.f} ${JSON.stringify(op.key)} ${op.arg ?? ""}`.trim();
  if (anomaly === "lost-append") {
    const pair = pickOf(pairs(ops, (op) => op.f === "append"));
    if (!pair) return { linearizable: undefined };
    run(ops, pair[0]);
    return { linearizable: false, anomaly: `lost append: ${describe(pair[0])} returned ok but ${describe(pair[1])} and later reads miss it` };
  }
  const before = run(ops);
  if (anomaly === "stale-read") {
    // Any state after the write holds its token (or starts with its value): the old one cannot come back.
    const pair = pickOf(pairs(ops, (op) => op.f !== "get"));
    if (!pair) return { linearizable: undefined };
    const [write, read] = pair;
    read.result = before.get(write)!;
    return {
      linearizable: false,
      anomaly: `stale read: ${describe(read)} returned the value from before ${describe(write)}, which returned before it was invoked`,
    };
  }
  const read = pickOf(ops.filter((op) => op.f === "get" && op.ret !== Infinity));
  const other = read && pickOf(ops.filter((op) => op.key === read.key));
  if (!read || !other) return { linearizable: undefined };
  read.result = before.get(other)!;
  return { linearizable: undefined, anomaly: `random read: ${describe(read)} returned ${JSON.stringify(read.result)}` };
}

/** Simulates the clients and records what they saw. */
export function generateKvHistory(options: KvHistoryOptions): GeneratedKvHistory {
  const rand = random(options.seed);
  let ops = schedule(options, rand);
  if (options.crashed) ops = crash(ops, options.crashed, options.clients, rand);
  let outcome = options.anomaly ? inject(ops, options.anomaly, rand) : (run(ops), { linearizable: true });
  // The injections' proofs rest on unique tokens.
  if (options.tokens && options.anomaly) outcome = { ...outcome, linearizable: undefined };
  const events: { time: number; op: SimOp; type: "invoke" | "ok" }[] = [];
  for (const op of ops) {
    events.push({ time: op.call, op, type: "invoke" });
    if (op.ret !== Infinity) events.push({ time: op.ret, op, type: "ok" });
  }
  events.sort((a, b) => a.time - b.time);
  const operations = events.map(({ time, op, type }, index): KvOperation => {
    const value = type === "ok" && op.f === "get" ? op.result : op.arg;
    return { index, process: op.process, type, f: op.f, value: [op.key, value], time };
  });
  return { operations, ...outcome };
}

function ednString(s: string): string {
  return JSON.stringify(s);
}

/** Porcupine's key-value file format: one EDN map per line, `:key` beside `:value`. */
export function toPorcupineKv(operations: readonly KvOperation[]): string {
  return operations
    .map((op) => {
      const [key, value] = op.value;
      return `{:process ${op.process}, :type :${op.type}, :f :${op.f}, :key ${ednString(key)}, :value ${value === null ? "nil" : ednString(value)}}\n`;
    })
    .join("");
}
