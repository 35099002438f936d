#!/usr/bin/env node
/**
 * Linearizability checker speed on the reference corpus (../shared/histories).
 *
 *   npx tsc -p tsconfig.build.json && node bench/checker.bench.js
 *
 * Prints the time to parse and check each set, against two references:
 *  - a baseline measured in this run: plain Wing & Gong (recursive, no state cache, no
 *    per-key partitioning) over the same parsed operations and models, with a time budget;
 *  - Porcupine's published figures (0.5 s for the 60 etcd logs, ~4 ms per 10-client kv file),
 *    which are quoted, not measured here.
 * Environment: HISTORIES (corpus folder), ROUNDS (minimum warm rounds, default 5; small sets
 * repeat until 300 ms are covered),
 * BASELINE_BUDGET_MS (per history, default 2000).
 */
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { checkLinearizable, models, parseHistory, pairCalls } = require("../dist/history/index.js");

const ROOT = process.env.HISTORIES ?? path.resolve(__dirname, "../../shared/histories");
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const BASELINE_BUDGET_MS = Number(process.env.BASELINE_BUDGET_MS ?? 2000);
const PUBLISHED = { etcdTotalMs: 500, kvC10Ms: 4 };

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => (ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(2)} ms`);

class OutOfBudget extends Error {}

/** Wing & Gong without Lowe's cache or partitioning: the search as first published. */
function naiveWingGong(ops, model, budgetMs) {
  const calls = pairCalls(ops).filter((c) => c.status !== "fail");
  const n = calls.length;
  const input = calls.map((c) => ({ f: c.f, value: c.value }));
  const output = calls.map((c) => (c.status === "ok" ? { known: true, value: c.result } : { known: false }));
  const calledAt = calls.map((c) => c.invoke.index);
  const returnedAt = calls.map((c) => (c.status === "ok" ? c.complete.index : Infinity));
  const mustPlace = calls.filter((c) => c.status === "ok").length;
  const placed = new Uint8Array(n);
  const deadline = nowMs() + budgetMs;
  let visits = 0;
  const visit = (state, placedOk) => {
    if (placedOk === mustPlace) return true;
    if ((++visits & 1023) === 0 && nowMs() > deadline) throw new OutOfBudget();
    // The earliest return among unplaced operations bounds which ones may go next.
    let firstReturn = Infinity;
    for (let j = 0; j < n; j++) if (!placed[j] && returnedAt[j] < firstReturn) firstReturn = returnedAt[j];
    for (let i = 0; i < n; i++) {
      if (placed[i] || calledAt[i] > firstReturn) continue;
      const step = model.step(state, input[i], output[i]);
      if (!step.ok) continue;
      placed[i] = 1;
      const ok = visit(step.state, placedOk + (returnedAt[i] === Infinity ? 0 : 1));
      placed[i] = 0;
      if (ok) return true;
    }
    return false;
  };
  try {
    return visit(model.init(), 0) ? "ok" : "illegal";
  } catch (error) {
    if (error instanceof OutOfBudget) return "unknown";
    throw error;
  }
}

function loadCorpus() {
  const etcdDir = path.join(ROOT, "jepsen-etcd");
  const expected = fs
    .readFileSync(path.join(etcdDir, "EXPECTED"), "utf8")
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/));
  const etcd = expected.map(([file, verdict]) => ({
    name: file,
    text: fs.readFileSync(path.join(etcdDir, file), "utf8"),
    want: verdict === "linearizable" ? "ok" : "illegal",
    model: () => models.casRegister(),
  }));
  const kv = fs
    .readdirSync(path.join(ROOT, "kv"))
    .filter((f) => /-(ok|bad)\.txt$/.test(f))
    .sort()
    .map((file) => ({
      name: file,
      text: fs.readFileSync(path.join(ROOT, "kv", file), "utf8"),
      want: file.endsWith("-ok.txt") ? "ok" : "illegal",
      model: () => models.kv({ initial: "" }),
    }));
  return { etcd, kv };
}

/** Parses and checks each history; returns elapsed ms and wrong verdicts. */
function runOurs(histories) {
  const started = nowMs();
  const wrong = [];
  for (const h of histories) {
    const result = checkLinearizable(parseHistory(h.text, { source: h.name }), h.model(), { budget: "60s" });
    if (result.verdict !== h.want) wrong.push(`${h.name}: ${result.verdict}, expected ${h.want}`);
  }
  return { ms: nowMs() - started, wrong };
}

function runBaseline(histories) {
  const started = nowMs();
  let unknown = 0;
  let wrong = 0;
  for (const h of histories) {
    const verdict = naiveWingGong(parseHistory(h.text, { source: h.name }), h.model(), BASELINE_BUDGET_MS);
    if (verdict === "unknown") unknown++;
    else if (verdict !== h.want) wrong++;
  }
  return { ms: nowMs() - started, unknown, wrong };
}

function measure(label, histories, published) {
  const cold = runOurs(histories);
  // Small sets take a millisecond: repeat until the sample covers at least 300 ms.
  const warm = [];
  for (let spent = 0; warm.length < ROUNDS || spent < 300;) {
    const { ms } = runOurs(histories);
    warm.push(ms);
    spent += ms;
  }
  const base = runBaseline(histories);
  const warmMs = median(warm);
  const baseText = base.unknown ? `${fmt(base.ms)}+ (${base.unknown}/${histories.length} out of budget ${BASELINE_BUDGET_MS} ms each)` : fmt(base.ms);
  const ratio = `${base.unknown ? "≥" : ""}${(base.ms / warmMs).toFixed(1)}×`;
  const row = [label.padEnd(22), fmt(cold.ms).padStart(9), fmt(warmMs).padStart(9), baseText.padStart(12), ratio.padStart(8)];
  row.push(published ? `${(published / warmMs).toFixed(1)}× (vs ${fmt(published)} published)` : "—");
  console.log(row.join("  "));
  if (cold.wrong.length) console.log(`  WRONG VERDICTS: ${cold.wrong.join("; ")}`);
  return cold.wrong.length;
}

function main() {
  if (!fs.existsSync(ROOT)) {
    console.error(`reference histories not found at ${ROOT} (set HISTORIES)`);
    process.exitCode = 1;
    return;
  }
  const { etcd, kv } = loadCorpus();
  console.log(`faultline linearizability checker on ${ROOT}`);
  console.log(`node ${process.version}; warm = median of at least ${ROUNDS} rounds (and 300 ms) after a cold first run; times include parsing\n`);
  console.log(
    [
      "set".padEnd(22),
      "cold".padStart(9),
      "warm".padStart(9),
      "naive W&G".padStart(12),
      "speedup".padStart(8),
      "vs Porcupine (published, not measured here)",
    ].join("  "),
  );
  let wrong = measure(`etcd: ${etcd.length} logs total`, etcd, PUBLISHED.etcdTotalMs);
  for (const h of kv) wrong += measure(`kv/${h.name}`, [h], h.name.startsWith("c10") ? PUBLISHED.kvC10Ms : undefined);
  console.log(
    `\nspeedup = naive Wing & Gong (no cache, no partitioning, measured now) / faultline warm.` +
      `\nPorcupine column = Porcupine's published time / faultline warm; >1× means faultline is faster.`,
  );
  if (wrong) process.exitCode = 1;
}

main();
