#!/usr/bin/env node
/**
 * SIGKILL trials: real Jest runs a fixture (test/fixtures/trials-kill) that provisions a 3-node
 * cluster and applies, holds and heals a partition, a pause, a clock offset and a disk fault;
 * the trial SIGKILLs Jest at a random moment of a chosen phase (provisioning, a fault in force,
 * healing, teardown) and counts, 10 s later, what the run left: processes, namespaces, veths,
 * bridges, iptables chains, tc qdiscs, mounts, containers, networks, run directories.
 *
 * Then the watchdog: killed alone (the run must still clean up after itself), and killed together
 * with Jest (the next run's start must sweep what the dead run left).
 *
 * Usage: node trials/kill.trial.js   (TRIALS=20 per provisioner, WATCHDOG_TRIALS=3 per provisioner and mode,
 * PROVISIONERS=proc,netns,docker). Build first: npx tsc -p tsconfig.build.json.
 */
"use strict";
const { leftovers, total, describe, processesWith } = require("./leftovers");
const { startJest, sleep, until } = require("./jest-run");

const TRIALS = Number(process.env.TRIALS ?? 20);
const WATCHDOG_TRIALS = Number(process.env.WATCHDOG_TRIALS ?? 3);
const PROVISIONERS = (process.env.PROVISIONERS ?? "proc,netns,docker").split(",");
const PHASES = ["provisioning", "fault in force", "healing", "teardown"];
const WAIT_MS = 10_000;
const random = (ms) => Math.floor(Math.random() * ms);

/** Waits for the moment to kill in `phase` (trial `i` picks which fault); false if the run ended first. */
async function reach(jest, phase, i, provisioner) {
  const kinds = provisioner === "docker" ? ["partition", "pause", "disk"] : ["partition", "pause", "clock", "disk"];
  const kind = kinds[i % kinds.length];
  const has = (p) => jest.marks().some((m) => m.phase === p);
  const alive = () => jest.child.exitCode === null && jest.child.signalCode === null;
  switch (phase) {
    case "provisioning":
      if (!(await until(() => jest.run !== undefined || !alive(), 60_000))) return false;
      await sleep(random(provisioner === "docker" ? 2500 : 1200));
      return alive();
    case "fault in force":
      if (!(await until(() => has(`in force ${kind}`) || !alive(), 60_000))) return false;
      await sleep(random(250));
      return alive();
    case "healing":
      if (!(await until(() => has(`healing ${kind}`) || !alive(), 60_000))) return false;
      await sleep(random(15));
      return alive();
    default:
      if (!(await until(() => has("teardown") || !alive(), 60_000))) return false;
      await sleep(random(150));
      return alive();
  }
}

async function killTrial(provisioner, i) {
  const phase = PHASES[i % PHASES.length];
  const jest = startJest("trials-kill", [`kill-${provisioner}`]);
  try {
    const killed = await reach(jest, phase, i, provisioner);
    const at = jest.phase();
    jest.child.kill("SIGKILL");
    await jest.exited;
    await sleep(WAIT_MS);
    const left = leftovers({ ...(jest.run ?? {}), token: jest.token });
    return { killed, at, left, run: jest.run };
  } finally {
    jest.cleanup();
  }
}

/** Runs the fixture's idle test: a run whose global setup sweeps dead runs. */
async function nextRun() {
  const jest = startJest("trials-kill", ["idle"]);
  const { code } = await jest.exited;
  jest.cleanup();
  return { code, output: jest.output() };
}

async function watchdogTrial(provisioner, mode) {
  const jest = startJest("trials-kill", [`kill-${provisioner}`]);
  try {
    await until(() => jest.marks().some((m) => m.phase.startsWith("in force")), 60_000);
    let watchdogs = [];
    await until(() => jest.run !== undefined && (watchdogs = processesWith(jest.run.runDir)).length > 0, 10_000);
    for (const pid of watchdogs) process.kill(pid, "SIGKILL");
    if (mode === "both") jest.child.kill("SIGKILL");
    const { code } = await jest.exited;
    await sleep(mode === "both" ? 2000 : WAIT_MS);
    const before = leftovers({ ...(jest.run ?? {}), token: jest.token });
    const next = mode === "both" ? await nextRun() : undefined;
    const left = leftovers({ ...(jest.run ?? {}), token: jest.token });
    return { watchdogs: watchdogs.length, code, before, left, next };
  } finally {
    jest.cleanup();
  }
}

async function main() {
  let allClean = true;
  for (const provisioner of PROVISIONERS) {
    const byPhase = {};
    let clean = 0;
    let missed = 0;
    const dirty = [];
    for (let i = 0; i < TRIALS; i++) {
      const r = await killTrial(provisioner, i);
      if (!r.killed) missed++;
      const label = { applying: "applying a fault", "in force": "a fault in force", healing: "healing" }[r.at.replace(/ \w+$/, "")] ?? r.at;
      byPhase[label] = (byPhase[label] ?? 0) + 1;
      if (total(r.left) === 0) clean++;
      else dirty.push(`${r.run?.runId ?? "?"} at ${r.at}: ${describe(r.left)}`);
    }
    allClean &&= clean === TRIALS;
    const phases = Object.entries(byPhase)
      .map(([p, n]) => `${p} ${n}`)
      .join(", ");
    console.log(
      `SIGKILL of Jest, ${provisioner}: ${clean}/${TRIALS} trials with nothing left 10 s later (killed while ${phases}${missed ? `; ${missed} ended before the kill` : ""})`,
    );
    for (const d of dirty) console.log(`  left: ${d}`);
  }
  for (const mode of ["watchdog", "both"]) {
    for (const provisioner of PROVISIONERS) {
      let clean = 0;
      let found = 0;
      const dirty = [];
      for (let i = 0; i < WATCHDOG_TRIALS; i++) {
        const r = await watchdogTrial(provisioner, mode);
        found += total(r.before) > 0 ? 1 : 0;
        if (total(r.left) === 0 && r.watchdogs > 0) clean++;
        else {
          dirty.push(`watchdogs killed ${r.watchdogs}, jest exit ${r.code}: ${describe(r.left) || "nothing"}`);
          const said = (r.next?.output ?? "").split("\n").filter((l) => l.includes("faultline:"));
          for (const line of said) dirty.push(`    next run said: ${line.trim().slice(0, 400)}`);
        }
      }
      allClean &&= clean === WATCHDOG_TRIALS;
      console.log(
        mode === "watchdog"
          ? `SIGKILL of the watchdog alone, ${provisioner}: ${clean}/${WATCHDOG_TRIALS} runs cleaned up after themselves, nothing left 10 s after Jest ended`
          : `SIGKILL of Jest and the watchdog together, ${provisioner}: ${clean}/${WATCHDOG_TRIALS} swept by the next run's start (${found}/${WATCHDOG_TRIALS} had left something to sweep)`,
      );
      for (const d of dirty) console.log(`  left: ${d}`);
    }
  }
  process.exitCode = allClean ? 0 : 1;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
