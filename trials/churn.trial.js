#!/usr/bin/env node
/**
 * Node churn: 200 kill/restart cycles of one node of a 2-node cluster on each provisioner, in
 * this process (as a test would do them), counting what the test process holds before and after:
 * open fds, active handles and timers (process.getActiveResourcesInfo()), heap after a full
 * collection, and the node's log file handles. Growth beyond a small slack is a leak.
 *
 * Usage: node trials/churn.trial.js   (CYCLES=200, PROVISIONERS=process,netns,docker).
 * Build first: npx tsc -p tsconfig.build.json.
 */
"use strict";
const { spawn } = require("node:child_process");
const { readdirSync, readlinkSync } = require("node:fs");

if (typeof global.gc !== "function") {
  const child = spawn(process.execPath, ["--expose-gc", __filename], { stdio: "inherit" });
  child.on("exit", (code) => (process.exitCode = code ?? 1));
  return;
}

const { provisionCluster } = require("../dist/wiring/start-cluster.js");
const { probes } = require("../dist/cluster/probes.js");
const { beginRun, endRun } = require("../dist/reaper/run-context.js");

const CYCLES = Number(process.env.CYCLES ?? 200);
const PROVISIONERS = (process.env.PROVISIONERS ?? "process,netns,docker").split(",");
const MB = 1024 * 1024;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const SERVER = 'require("node:http").createServer((q, s) => s.end("ok")).listen(Number(process.argv[2]), process.argv[1]);';

function held() {
  const links = readdirSync("/proc/self/fd").map((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return "";
    }
  });
  const resources = process.getActiveResourcesInfo();
  return {
    fds: links.length,
    logs: links.filter((l) => l.endsWith(".log")).length,
    handles: resources.filter((r) => r !== "Timeout").length,
    timers: resources.filter((r) => r === "Timeout").length,
  };
}

async function measure() {
  for (let i = 0; i < 5; i++) {
    global.gc();
    await sleep(100);
  }
  return { ...held(), heap: process.memoryUsage().heapUsed };
}

async function churn(provisioner) {
  const run = beginRun();
  let cluster;
  try {
    cluster = await provisionCluster(
      {
        nodes: 2,
        provisioner,
        ports: ["http"],
        command: ({ node }) => [process.execPath, "-e", SERVER, node.host, String(node.port("http"))],
        ready: probes.http({ port: "http" }),
        stop: { timeout: "2s" },
        ...(provisioner === "docker" ? { docker: { image: "faultline/node:local" } } : {}),
      },
      { name: `churn-${provisioner}`, run },
    );
    const node = cluster.node("n1");
    // One cycle first: what the first restart sets up once (lazy modules, pools) is not growth.
    await node.kill("SIGKILL");
    await node.start();
    const before = await measure();
    const started = Date.now();
    for (let i = 0; i < CYCLES; i++) {
      await node.kill("SIGKILL");
      await node.start();
    }
    const seconds = (Date.now() - started) / 1000;
    await sleep(500);
    const after = await measure();
    const grew =
      after.fds > before.fds + 2 ||
      after.logs > before.logs ||
      after.handles > before.handles + 2 ||
      after.timers > before.timers + 2 ||
      after.heap > before.heap + 16 * MB;
    console.log(
      `Node churn, ${provisioner}: ${CYCLES} kill/restart cycles in ${seconds.toFixed(0)} s; fds ${before.fds} -> ${after.fds}, log handles ${before.logs} -> ${after.logs}, ` +
        `handles ${before.handles} -> ${after.handles}, timers ${before.timers} -> ${after.timers}, heap ${(before.heap / MB).toFixed(1)} -> ${(after.heap / MB).toFixed(1)} MB (${grew ? "GREW" : "no growth"})`,
    );
    return !grew;
  } finally {
    await cluster?.stop();
    await endRun(run);
  }
}

async function main() {
  let ok = true;
  for (const provisioner of PROVISIONERS) ok = (await churn(provisioner)) && ok;
  process.exitCode = ok ? 0 : 1;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
