#!/usr/bin/env node
/**
 * Time to apply and heal a partition that isolates one node of three on provisioner "netns"
 * (iptables chains in the nodes' namespaces), p50 over ROUNDS rounds, against the goal
 * (< 20 ms) and against a baseline measured in the same run: the same rules made and removed
 * with one `ip netns exec … iptables` process per rule.
 *
 * Needs Linux and root (or CAP_NET_ADMIN + CAP_SYS_ADMIN). Build first: npm run build.
 * Usage: node bench/partition.bench.js   (ROUNDS=20 by default)
 */
"use strict";
const { execFile } = require("node:child_process");
const { join } = require("node:path");
const { performance } = require("node:perf_hooks");
const { NetnsProvisioner } = require("../dist/provisioners/netns-provisioner.js");
const { netnsProblem } = require("../dist/provisioners/netns/capabilities.js");
const { beginRun, endRun } = require("../dist/reaper/run-context.js");
const { Timeline } = require("../dist/cluster/timeline.js");

const ROUNDS = Number(process.env.ROUNDS ?? 20);
const GOAL_MS = 20;
const GRUDGE = { n1: ["n2", "n3"], n2: ["n1"], n3: ["n1"] };

function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];
}
const p50 = (values) => quantile(values, 0.5);

function run(argv) {
  return new Promise((resolve, reject) =>
    execFile(argv[0], argv.slice(1), (error, _stdout, stderr) => (error ? reject(new Error(`${argv.join(" ")}: ${stderr}`)) : resolve())),
  );
}

/** The naive way: one process per rule, chains deleted before the heal returns. */
async function baselineRound(namespaces, hosts, runId) {
  const chain = `fl-${runId}-bench`;
  const ipt = (ns, ...args) => run(["ip", "netns", "exec", ns, "iptables", "-w", ...args]);
  const plan = Object.entries(GRUDGE).map(([deaf, unheard]) => [namespaces[deaf], unheard.map((n) => hosts[n])]);
  const started = performance.now();
  await Promise.all(
    plan.map(async ([ns, sources]) => {
      await ipt(ns, "-N", chain);
      for (const source of sources) await ipt(ns, "-A", chain, "-s", source, "-j", "DROP");
      await ipt(ns, "-I", "INPUT", "1", "-j", chain);
    }),
  );
  const applied = performance.now();
  await Promise.all(
    plan.map(async ([ns]) => {
      await ipt(ns, "-D", "INPUT", "-j", chain);
      await ipt(ns, "-F", chain);
      await ipt(ns, "-X", chain);
    }),
  );
  return { apply: applied - started, heal: performance.now() - applied };
}

async function main() {
  const problem = netnsProblem();
  if (problem) {
    console.log(`partition.bench: skipped: ${problem}`);
    return;
  }
  const runContext = beginRun();
  const provisioner = new NetnsProvisioner({ nodes: 3, provisioner: "netns", command: () => [] });
  try {
    const slots = await provisioner.prepare({
      cluster: "bench",
      dir: join(runContext.dir, "bench"),
      run: runContext,
      timeline: new Timeline(),
      ports: ["client"],
      nodes: ["n1", "n2", "n3"].map((name, index) => ({ name, index })),
    });
    const nodes = slots.map((s) => ({ name: s.name, index: s.index, host: s.host }));
    const hosts = Object.fromEntries(slots.map((s) => [s.name, s.host]));
    const existing = await listNamespaces();
    const namespaces = Object.fromEntries(
      slots.map((s) => [s.name, existing.find((ns) => ns.startsWith(`fl-${runContext.id}-`) && ns.endsWith(`-${s.name}`))]),
    );

    const ours = { apply: [], heal: [], total: [], cleanup: [] };
    for (let round = -2; round < ROUNDS; round++) {
      const started = performance.now();
      const { undo } = await provisioner.controls.network.partition(GRUDGE, nodes);
      const applied = performance.now();
      await undo();
      const healed = performance.now();
      await provisioner.idle(); // chain removal runs after the heal returns; kept off the next round
      if (round < 0) continue; // warm-up
      ours.apply.push(applied - started);
      ours.heal.push(healed - applied);
      ours.total.push(healed - started);
      ours.cleanup.push(performance.now() - healed);
    }
    const baseline = { total: [] };
    for (let round = 0; round < Math.min(ROUNDS, 10); round++) {
      const { apply, heal } = await baselineRound(namespaces, hosts, runContext.id);
      baseline.total.push(apply + heal);
    }
    const total = p50(ours.total);
    const base = p50(baseline.total);
    const fmt = (ms) => `${ms.toFixed(1)} ms`;
    console.log(`partition apply+heal, isolate 1 of 3 nodes (netns, iptables), ${ROUNDS} rounds:`);
    console.log(
      `  p50 ${fmt(total)} (apply ${fmt(p50(ours.apply))}, heal ${fmt(p50(ours.heal))}); goal < ${GOAL_MS} ms: ${total < GOAL_MS ? "met" : "NOT met"} (${(total / GOAL_MS).toFixed(2)}x of goal); p90 ${fmt(quantile(ours.total, 0.9))}`,
    );
    console.log(`  baseline, one \`ip netns exec iptables\` per rule: p50 ${fmt(base)}; ours is ${(base / total).toFixed(1)}x faster`);
    console.log(`  background chain removal after each heal: p50 ${fmt(p50(ours.cleanup))} (off the fault's critical path)`);
  } finally {
    await provisioner.dispose().catch((error) => console.error(error.message));
    await endRun(runContext);
  }
}

function listNamespaces() {
  return new Promise((resolve, reject) =>
    execFile("ip", ["netns", "list"], (error, stdout) =>
      error
        ? reject(error)
        : resolve(
            stdout
              .split("\n")
              .map((l) => l.split(" ")[0])
              .filter(Boolean),
          ),
    ),
  );
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
