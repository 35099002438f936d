#!/usr/bin/env node
/**
 * Rerunning one test of a three-node etcd cluster (provisioner "process"), cold and with the
 * cluster reused from its keeper, measured in the same run, interleaved round by round.
 *
 *   npm run build && node bench/reuse.bench.js
 *
 * Two ways people rerun a test:
 * - in a running Jest (watch mode, an IDE's Jest extension): Jest's runCLI called again in this
 *   process, in band, with -t naming the one test — what a watch rerun does, without the prompt;
 * - a new Jest process per rerun (an IDE's run button, `npx jest -t …`): node jest.js -t ….
 * Cold: FAULTLINE_REUSE=0, the cluster is provisioned and stopped by the run. Reused:
 * FAULTLINE_REUSE=1, after one run that made the cluster. ratio = cold ÷ reused (the goal: ≥ 5
 * for the in-process rerun). Times are medians over ROUNDS (default 7); the etcd binary must be
 * installed (Debian's etcd-server).
 */
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { spawnSync } = require("node:child_process");

const REPO = path.resolve(__dirname, "..");
const ROUNDS = Number(process.env.ROUNDS ?? 7);
const JEST = path.join(REPO, "node_modules", "jest", "bin", "jest.js");
const TEST = "a written key reads back";

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => `${ms.toFixed(0)} ms`;

function project() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fl-reuse-bench-"));
  fs.mkdirSync(path.join(dir, "node_modules"));
  fs.symlinkSync(REPO, path.join(dir, "node_modules", "faultline"), "dir");
  fs.writeFileSync(
    path.join(dir, "jest.config.js"),
    `module.exports = { preset: "faultline/preset", reporters: [], testEnvironmentOptions: { faultline: { progress: false, clusters: { etcd: "./etcd.cluster.js" } } } };\n`,
  );
  fs.writeFileSync(
    path.join(dir, "etcd.cluster.js"),
    `const { defineCluster, recipes } = require("faultline");\nmodule.exports = defineCluster({ ...recipes.etcd({ nodes: 3 }), reuse: true });\n`,
  );
  fs.writeFileSync(
    path.join(dir, "etcd.test.js"),
    `/** @cluster etcd */
const { useCluster, recipes } = require("faultline");
const cluster = useCluster("etcd");
test("${TEST}", async () => {
  const kv = recipes.etcd.client(recipes.etcd.endpoints(cluster));
  await kv.put("k", String(Date.now()));
  expect(await kv.get("k")).toBeDefined();
});
test("another test, filtered out", async () => {
  await expect(cluster).toBeHealthy();
});
`,
  );
  return dir;
}

async function inProcess(dir, reuse) {
  process.env.FAULTLINE_REUSE = reuse ? "1" : "0";
  const { runCLI } = require("jest");
  const started = nowMs();
  const { results } = await runCLI({ _: [], $0: "jest", runInBand: true, ci: true, silent: true, testNamePattern: TEST, rootDir: dir }, [dir]);
  const ms = nowMs() - started;
  if (results.numPassedTests !== 1 || results.numFailedTests !== 0) throw new Error(`the rerun failed: ${JSON.stringify(results.testResults.map((r) => r.failureMessage))}`);
  return ms;
}

function newProcess(dir, reuse) {
  const started = nowMs();
  const run = spawnSync(process.execPath, [JEST, "--ci", "-t", TEST], { cwd: dir, env: { ...process.env, FAULTLINE_REUSE: reuse ? "1" : "0" }, encoding: "utf8" });
  const ms = nowMs() - started;
  if (run.status !== 0) throw new Error(`jest failed: ${run.stderr.slice(-2000)}`);
  return ms;
}

async function main() {
  if (spawnSync("etcd", ["--version"]).status !== 0) {
    console.log("reuse.bench: etcd is not installed (apt-get install etcd-server); nothing measured");
    return;
  }
  const dir = project();
  const times = { inCold: [], inReused: [], procCold: [], procReused: [] };
  try {
    await inProcess(dir, true); // makes the kept cluster (and warms Jest's transform cache)
    for (let round = 0; round < ROUNDS; round++) {
      times.inCold.push(await inProcess(dir, false));
      times.inReused.push(await inProcess(dir, true));
      times.procCold.push(newProcess(dir, false));
      times.procReused.push(newProcess(dir, true));
    }
  } finally {
    spawnSync(process.execPath, [path.join(REPO, "dist", "cli", "main.js"), "clean"], { stdio: "ignore" });
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const row = (what, cold, reused) =>
    console.log(`${what.padEnd(46)} cold ${fmt(median(cold)).padStart(8)}   reused ${fmt(median(reused)).padStart(8)}   ratio ${(median(cold) / median(reused)).toFixed(1)}×`);
  console.log(`reuse.bench: one test of a 3-node etcd (process), medians of ${ROUNDS} interleaved rounds`);
  row("rerun in a running Jest (watch, IDE extension)", times.inCold, times.inReused);
  row("rerun as a new Jest process (run button, CLI)", times.procCold, times.procReused);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
