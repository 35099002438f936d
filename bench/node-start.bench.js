#!/usr/bin/env node
/**
 * How long a bare node start takes through spawnGroup (what every provisioner but docker uses),
 * p50 over ROUNDS rounds, against a baseline measured in the same run: a plain
 * child_process.spawn of the same program. Measured from the call until the program's first
 * output byte, i.e. until it really runs, for a program that starts in about a millisecond
 * (`/bin/echo`) and for a Node.js one. The difference is what registering with the reaper
 * before the program may run costs.
 *
 * Build first: npm run build (or npx tsc -p tsconfig.build.json).
 * Usage: node bench/node-start.bench.js   (ROUNDS=40 by default)
 */
"use strict";
const { spawn } = require("node:child_process");
const { mkdtempSync, rmSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join } = require("node:path");
const { performance } = require("node:perf_hooks");
const { spawnGroup } = require("../dist/provisioners/spawn-group.js");
const { beginRun, endRun } = require("../dist/reaper/run-context.js");

const ROUNDS = Number(process.env.ROUNDS ?? 40);

function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];
}

/** Resolves with ms from `start()` to the first stdout byte, once the program has exited; `start` resolves with `{ exit }`. */
function timed(start) {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    let first;
    let exited = false;
    const done = () => first !== undefined && exited && resolve(first - began);
    start(() => {
      first ??= performance.now();
      done();
    })
      .then(({ exit }) => exit.then(() => ((exited = true), done())))
      .catch(reject);
  });
}

function plain(argv, cwd) {
  return timed(async (onOutput) => {
    const child = spawn(argv[0], argv.slice(1), { cwd, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.once("data", onOutput);
    return { exit: new Promise((resolve) => child.once("exit", resolve)) };
  });
}

function group(argv, cwd, registry) {
  return timed(async (onOutput) => {
    const node = await spawnGroup(
      { argv, env: { ...process.env }, cwd, onOutput: (_chunk, stream) => stream === "stdout" && onOutput() },
      { cluster: "bench", node: "n1", registry },
    );
    return { exit: node.exited.then(async () => node.release()) };
  });
}

async function main() {
  const run = beginRun();
  const cwd = mkdtempSync(join(tmpdir(), "fl-bench-start-"));
  try {
    const programs = [
      ["/bin/echo", ["/bin/echo", "up"]],
      ["node -e", [process.execPath, "-e", "process.stdout.write('up')"]],
    ];
    console.log(`bare node start, call -> first output byte, p50 of ${ROUNDS} rounds (interleaved):`);
    for (const [name, argv] of programs) {
      const ours = [];
      const base = [];
      for (let round = -3; round < ROUNDS; round++) {
        const a = await group(argv, cwd, run.registry);
        const b = await plain(argv, cwd);
        if (round < 0) continue; // warm-up
        ours.push(a);
        base.push(b);
      }
      const p = quantile(ours, 0.5);
      const q = quantile(base, 0.5);
      console.log(
        `  ${name.padEnd(9)} spawnGroup ${p.toFixed(2)} ms (p90 ${quantile(ours, 0.9).toFixed(2)}), plain spawn ${q.toFixed(2)} ms (p90 ${quantile(base, 0.9).toFixed(2)}): ${(p / q).toFixed(2)}x, +${(p - q).toFixed(2)} ms`,
      );
    }
  } finally {
    rmSync(cwd, { recursive: true, force: true });
    await endRun(run);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
