#!/usr/bin/env node
"use strict";
/**
 * What a failpoint costs the code under test when no test has switched it on: ns per
 * `await failpoint("cas.put")` against a baseline measured in the same run, `await` of an empty
 * async function (the least any awaited hook can cost). Also the same with another failpoint
 * enabled (the Map lookup path), the sync variant against an empty function call, and an enabled
 * `return(1)` for scale.
 *
 *   npm run build && node bench/failpoint.bench.js
 *   FAULTLINE_DIST=/some/outDir node bench/failpoint.bench.js   (a build elsewhere)
 *
 * Each case runs ROUNDS rounds of CALLS calls, interleaved with the baseline, and reports the best
 * round (the least disturbed by GC and JIT). Goal: disabled cost within 1.5x of the baseline.
 */
const { join } = require("node:path");
const { performance } = require("node:perf_hooks");

const dist = process.env.FAULTLINE_DIST ?? join(__dirname, "..", "dist");
const { failpoint, failpointSync, failpoints } = require(join(dist, "failpoints", "index.js"));

const CALLS = Number(process.env.CALLS ?? 1_000_000);
const ROUNDS = Number(process.env.ROUNDS ?? 7);
const GOAL = 1.5;

async function emptyAsync() {}
function emptySync() {}

async function timeAsync(fn) {
  const started = performance.now();
  for (let i = 0; i < CALLS; i++) await fn();
  return ((performance.now() - started) * 1e6) / CALLS;
}

function timeSync(fn) {
  const started = performance.now();
  let sink = 0;
  for (let i = 0; i < CALLS; i++) if (fn() !== undefined) sink++;
  const ns = ((performance.now() - started) * 1e6) / CALLS;
  if (sink !== 0) throw new Error("a disabled failpoint fired");
  return ns;
}

async function best(cases) {
  const results = Object.fromEntries(Object.keys(cases).map((name) => [name, Infinity]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(cases)) results[name] = Math.min(results[name], await run());
  }
  return results;
}

async function main() {
  const disabled = await best({
    "baseline: await emptyAsync()": () => timeAsync(emptyAsync),
    'disabled: await failpoint("cas.put"), none enabled': () => timeAsync(() => failpoint("cas.put")),
    "baseline: emptySync()": () => timeSync(emptySync),
    'disabled: failpointSync("cas.put"), none enabled': () => timeSync(() => failpointSync("cas.put")),
  });
  failpoints.enable("other.point", "return(1)");
  const others = await best({
    "baseline: await emptyAsync() ": () => timeAsync(emptyAsync),
    'disabled: await failpoint("cas.put"), another enabled': () => timeAsync(() => failpoint("cas.put")),
  });
  failpoints.enable("cas.put", "return(1)");
  const enabled = await best({ 'enabled: await failpoint("cas.put") = return(1)': () => timeAsync(() => failpoint("cas.put")) });
  failpoints.disableAll();

  const rows = { ...disabled, ...others, ...enabled };
  const width = Math.max(...Object.keys(rows).map((k) => k.length));
  console.log(`node ${process.version}, ${CALLS} calls x ${ROUNDS} rounds, best round:`);
  for (const [name, ns] of Object.entries(rows)) console.log(`  ${name.padEnd(width)}  ${ns.toFixed(1).padStart(7)} ns/call`);

  const ratios = [
    ["disabled async / baseline", disabled['disabled: await failpoint("cas.put"), none enabled'] / disabled["baseline: await emptyAsync()"]],
    ["disabled async (another enabled) / baseline", others['disabled: await failpoint("cas.put"), another enabled'] / others["baseline: await emptyAsync() "]],
  ];
  let ok = true;
  for (const [name, ratio] of ratios) {
    const pass = ratio <= GOAL;
    ok &&= pass;
    console.log(`  ${name}: ${ratio.toFixed(2)}x (goal <= ${GOAL}x) ${pass ? "ok" : "MISSED"}`);
  }
  console.log(
    `  disabled sync: ${(disabled['disabled: failpointSync("cas.put"), none enabled'] - disabled["baseline: emptySync()"]).toFixed(1)} ns/call over an empty call`,
  );
  process.exitCode = ok ? 0 : 1;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
