#!/usr/bin/env node
"use strict";
/**
 * What a recorded history costs in memory: heap bytes per operation for 100,000 operations
 * recorded with history.record(), against a baseline measured in the same run — the same
 * operations as plain objects pushed onto an array (the least any recorder can keep).
 *
 *   npm run build && node --expose-gc bench/history-memory.bench.js
 *
 * Goal: within 2x of the baseline. (Moved here from a unit test that asserted "< 100 MB".)
 */
const { join } = require("node:path");

const dist = process.env.FAULTLINE_DIST ?? join(__dirname, "..", "dist");
const { createHistory } = require(join(dist, "history", "history.js"));

const OPS = 100_000;
const GOAL = 2;
const gc = globalThis.gc ?? (() => undefined);

function heapOf(build) {
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept = build();
  gc();
  gc();
  const used = process.memoryUsage().heapUsed - before;
  if (!kept) throw new Error("nothing kept");
  return used;
}

function ops(each) {
  for (let i = 0; i < OPS / 2; i++) {
    const process = i % 10;
    each({ process, type: "invoke", f: i % 2 ? "read" : "write", value: i % 2 ? null : i, time: i * 2 });
    each({ process, type: "ok", f: i % 2 ? "read" : "write", value: i, time: i * 2 + 1 });
  }
}

const baseline = heapOf(() => {
  const kept = [];
  ops((op) => kept.push({ ...op, index: kept.length }));
  return kept;
});
const recorded = heapOf(() => {
  const history = createHistory();
  ops(({ time: _time, ...op }) => history.record(op));
  if (history.length !== OPS) throw new Error(`recorded ${history.length} of ${OPS}`);
  return history;
});
if (!globalThis.gc) console.log("(run with node --expose-gc for figures without garbage)");
const ratio = recorded / baseline;
console.log(`history memory: ${(recorded / OPS).toFixed(0)} B/op recorded vs ${(baseline / OPS).toFixed(0)} B/op plain array: ${ratio.toFixed(2)}x (goal ≤ ${GOAL}x) ${ratio <= GOAL ? "ok" : "ABOVE GOAL"}`);
