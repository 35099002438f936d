#!/usr/bin/env node
/**
 * Transactional checker (Elle's list-append) cost against history size.
 *
 *   npx tsc -p tsconfig.build.json && node bench/elle.bench.js
 *
 * Generates list-append histories of 10k, 100k and 1M micro-operations from a simulated
 * strictly serializable store (10 concurrent clients, 2% of transactions failing, keys retired
 * after 32 appends as Elle's generator does so reads stay short), then checks each for
 * strict serializability, the most demanding model (process and real-time edges included).
 * Prints, per size: the check time, the time to parse the same history from EDN (the baseline,
 * a plain linear pass measured in this run) and their ratio; then the growth exponent fitted to
 * the check times (1.0 is linear) and, in a fresh process, the heap and peak RSS of the 1M check.
 * A second table does the same with one G-single planted every 1,000 transactions, so the
 * cycle search has components to search.
 * Times are CPU time (user + system) of this process, the fastest of ROUNDS runs, after a GC when
 * the script runs with --expose-gc (it re-runs itself so): other work on a shared machine then
 * barely moves them.
 * Environment: SIZES (comma-separated micro-op counts), ROUNDS (default 5; 2 for sizes >= 1M).
 */
"use strict";
const { fork } = require("node:child_process");
const { checkTransactions, parseTxnEdn, toTxnEdn } = require("../dist/history/index.js");

const SIZES = (process.env.SIZES ?? "10000,100000,1000000").split(",").map(Number);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
// The fastest round: other work on a shared machine only ever adds time.
const best = (xs) => Math.min(...xs);
const fmt = (ms) => (ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`);
const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

/** Deterministic PRNG (mulberry32), so every run checks the same histories. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A history from a store that applies each transaction atomically when it completes (so it is
 * strictly serializable). With `plantEvery`, every that many transactions two extra concurrent
 * ones on fresh keys form a read skew (G-single).
 */
function generate(microOps, { clients = 10, seed = 7, plantEvery = 0 } = {}) {
  const rand = prng(seed);
  const lists = new Map();
  const active = Array.from({ length: 8 }, (_, i) => i);
  const writes = new Map();
  let nextKey = active.length;
  let element = 0;
  let mops = 0;
  let txns = 0;
  let plantKey = 0;
  const ops = [];
  let time = 0;
  const record = (process, type, value) => ops.push({ index: ops.length, process, type, f: "txn", value, time: (time += 1000) });
  const open = new Array(clients).fill(null);
  const apply = (txn) =>
    txn.map(([f, k, v]) => {
      if (f === "append") {
        let list = lists.get(k);
        if (!list) lists.set(k, (list = []));
        list.push(v);
        return [f, k, v];
      }
      return ["r", k, (lists.get(k) ?? []).slice()];
    });
  while (mops < microOps) {
    const c = Math.floor(rand() * clients);
    if (open[c]) {
      const { txn, fail } = open[c];
      record(c, fail ? "fail" : "ok", fail ? txn : apply(txn));
      open[c] = null;
      continue;
    }
    const length = 1 + Math.floor(rand() * 4);
    const txn = [];
    for (let i = 0; i < length; i++) {
      const slot = Math.floor(rand() * rand() * active.length);
      const key = active[slot];
      if (rand() < 0.5) {
        txn.push(["r", key, null]);
        continue;
      }
      txn.push(["append", key, ++element]);
      const count = (writes.get(key) ?? 0) + 1;
      writes.set(key, count);
      if (count >= 32) active[slot] = nextKey++;
    }
    mops += txn.length;
    txns++;
    open[c] = { txn, fail: rand() < 0.02 };
    record(c, "invoke", txn);
    if (plantEvery && txns % plantEvery === 0) {
      const p = `p${plantKey++}`;
      const q = `q${plantKey}`;
      const writer = [
        ["append", p, 1],
        ["append", q, 1],
      ];
      const reader = [
        ["r", p, null],
        ["r", q, null],
      ];
      record(1000, "invoke", writer);
      record(1001, "invoke", reader);
      record(1001, "ok", [
        ["r", p, []],
        ["r", q, [1]],
      ]);
      record(1000, "ok", writer);
      mops += 4;
    }
  }
  for (let c = 0; c < clients; c++) if (open[c]) record(c, "ok", apply(open[c].txn));
  return ops;
}

/** CPU milliseconds (user + system) `fn` takes: unlike wall time, other processes on a busy machine do not add to it. */
function cpuMs(fn) {
  const before = process.cpuUsage();
  const value = fn();
  const used = process.cpuUsage(before);
  return { ms: (used.user + used.system) / 1000, value };
}

function measure(ops, rounds) {
  const times = [];
  let result;
  for (let r = 0; r < rounds; r++) {
    global.gc?.();
    const run = cpuMs(() => checkTransactions(ops, { model: "strict-serializable" }));
    result = run.value;
    times.push(run.ms);
  }
  return { ms: best(times), result };
}

function table(title, plantEvery) {
  // Warm the JIT first, or the smallest size measures compilation and flattens the fit.
  const warm = generate(Math.min(...SIZES), { plantEvery, seed: 99 });
  for (let r = 0; r < 3; r++) checkTransactions(warm, { model: "strict-serializable" });
  console.log(`\n${title}`);
  console.log("micro-ops   txns      check (CPU)  parse EDN    check/parse  verdict");
  const points = [];
  for (const size of SIZES) {
    const ops = generate(size, { plantEvery });
    const edn = toTxnEdn(ops);
    const rounds = size >= 1_000_000 ? 2 : ROUNDS;
    const parseTimes = [];
    for (let r = 0; r < rounds; r++) {
      global.gc?.();
      parseTimes.push(cpuMs(() => parseTxnEdn(edn)).ms);
    }
    const parse = best(parseTimes);
    const { ms, result } = measure(ops, rounds);
    points.push([result.microOps, ms]);
    const verdict = result.valid === true ? "valid" : `${result.anomalyTypes.join(",")} ×${result.counts[result.anomalyTypes[0]] ?? 0}`;
    console.log(
      `${String(result.microOps).padEnd(11)} ${String(result.transactions).padEnd(9)} ${fmt(ms).padEnd(12)} ${fmt(parse).padEnd(12)} ${(ms / parse).toFixed(2).padEnd(12)} ${verdict}`,
    );
  }
  // Least-squares slope of log(time) against log(size): the growth exponent.
  const xs = points.map(([n]) => Math.log(n));
  const ys = points.map(([, t]) => Math.log(t));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const slope = xs.reduce((s, x, i) => s + (x - mx) * (ys[i] - my), 0) / xs.reduce((s, x) => s + (x - mx) ** 2, 0);
  const steps = points.slice(1).map(([n, t], i) => (Math.log(t / points[i][1]) / Math.log(n / points[i][0])).toFixed(2));
  console.log(`fitted growth exponent: ${slope.toFixed(2)} (time ∝ size^${slope.toFixed(2)}; 1.00 is linear); between successive sizes: ${steps.join(", ")}`);
}

function memoryChild() {
  const size = Math.max(...SIZES);
  const ops = generate(size);
  global.gc?.();
  const historyHeap = process.memoryUsage().heapUsed;
  const { ms, value: result } = cpuMs(() => checkTransactions(ops, { model: "strict-serializable" }));
  // The peak resident set covers everything the check allocated at its worst moment.
  process.send({ size: result.microOps, ms, historyHeap, afterHeap: process.memoryUsage().heapUsed, maxRss: process.resourceUsage().maxRSS * 1024 });
}

if (require.main === module && typeof global.gc !== "function") {
  // Re-run with --expose-gc, so every measurement starts from a collected heap.
  const child = fork(__filename, process.argv.slice(2), { execArgv: ["--expose-gc"] });
  child.on("exit", (code) => (process.exitCode = code ?? 1));
} else if (require.main !== module) {
  module.exports = { generate };
} else if (process.argv[2] === "--memory") {
  memoryChild();
} else {
  console.log("Elle list-append checker, strict-serializable, 10 clients");
  table("A strictly serializable store:", 0);
  table("The same with a G-single planted every 1,000 transactions:", 1000);
  const child = fork(__filename, ["--memory"], { execArgv: ["--expose-gc", "--max-old-space-size=1024"] });
  child.on("message", (m) => {
    console.log(`\nmemory at ${m.size} micro-ops (fresh process, heap capped at 1 GB): the history itself holds ${mb(m.historyHeap)} of heap;`);
    console.log(`the check ran in ${fmt(m.ms)} of CPU; peak RSS of the whole process ${mb(m.maxRss)}; heap right after it, before a collection, ${mb(m.afterHeap)}`);
  });
  child.on("exit", (code) => {
    if (code !== 0) console.log(`\nmemory run failed with exit code ${code} (over the 1 GB heap cap?)`);
  });
}
