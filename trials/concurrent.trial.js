#!/usr/bin/env node
/**
 * Two Jest runs at once on one machine, each with its own clusters on every provisioner (process,
 * netns, docker; test/fixtures/trials-kill), applying and healing a partition, a pause, a clock
 * offset and a disk fault and checking after each heal that every node answers. The second starts
 * a moment after the first, so one run's provisioning, faults and teardown overlap the other's.
 * Both must pass, with distinct run ids and node addresses, and leave nothing behind.
 *
 * Usage: node trials/concurrent.trial.js   (ROUNDS=3). Build first: npx tsc -p tsconfig.build.json.
 */
"use strict";
const { leftovers, total, describe } = require("./leftovers");
const { startJest, sleep } = require("./jest-run");

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const FILES = ["kill-proc", "kill-netns", "kill-docker"];

async function round() {
  const a = startJest("trials-kill", FILES);
  await sleep(1500 + Math.floor(Math.random() * 3000));
  const b = startJest("trials-kill", FILES);
  const [ea, eb] = await Promise.all([a.exited, b.exited]);
  await sleep(10_000);
  const runs = [a, b];
  // Each cluster's addresses, held from its "provisioned" mark to its test's end ("teardown" mark + its stop).
  const held = runs.map((r) => {
    const marks = r.marks();
    return marks.flatMap((m, i) => {
      if (!m.addresses) return [];
      const end = marks.slice(i).find((n) => n.phase === "teardown")?.at ?? Infinity;
      return m.addresses.map((address) => ({ address, cluster: m.cluster, from: m.at, to: end }));
    });
  });
  const addresses = held.map((h) => new Set(h.map((x) => x.address)));
  // The same address in both runs at the same time: one run's client could reach the other's node.
  const shared = held[0].flatMap((x) =>
    held[1].filter((y) => y.address === x.address && x.from < y.to && y.from < x.to).map((y) => `${x.address} (${x.cluster}, ${y.cluster})`),
  );
  const left = runs.map((r) => leftovers({ ...(r.run ?? {}), token: r.token }));
  const result = {
    passed: [ea, eb].filter((e) => e.code === 0).length,
    distinctRuns: a.run && b.run && a.run.runId !== b.run.runId,
    nodes: addresses.map((s) => s.size),
    shared,
    left,
    outputs: runs.map((r) => r.output()),
  };
  for (const r of runs) r.cleanup();
  return result;
}

async function main() {
  let ok = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const r = await round();
    const good = r.passed === 2 && r.distinctRuns && r.shared.length === 0 && r.left.every((l) => total(l) === 0) && r.nodes.every((n) => n === 9);
    if (good) ok++;
    else {
      console.log(
        `  round ${i + 1}: ${r.passed}/2 passed, nodes ${r.nodes.join("+")}, shared addresses ${r.shared.join(" ") || "none"}, left ${r.left.map(describe).join(" | ") || "nothing"}`,
      );
      for (const out of r.outputs)
        if (!/Tests:\s+3 passed/.test(out))
          console.log(
            out
              .split("\n")
              .filter((l) => /✕|●|Error|FAULTLINE/.test(l))
              .slice(0, 12)
              .join("\n"),
          );
    }
  }
  console.log(
    `Two Jest runs at once (process + netns + docker clusters each, faults applied and healed): ${ok}/${ROUNDS} rounds where both passed, with distinct runs and node addresses, and nothing left 10 s later`,
  );
  process.exitCode = ok === ROUNDS ? 0 : 1;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
