"use strict";
/**
 * What a run left behind, counted from the outside (the kernel, Docker, /proc), by the marks the
 * run's objects carry: `fl-<runId>` in kernel names, the `faultline.run=<runId>` label, the run
 * directory's path in mounts, and a per-trial token in node argv.
 */
const { spawnSync } = require("node:child_process");
const { existsSync, readdirSync, readFileSync } = require("node:fs");

function read(cmd, args) {
  const result = spawnSync(cmd, args, { encoding: "utf8" });
  return result.status === 0 ? result.stdout : "";
}

function lines(text, mark) {
  return text.split("\n").filter((l) => l.includes(mark));
}

/** Pids whose command line contains `needle`. */
function processesWith(needle) {
  const pids = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(needle)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids.filter((pid) => pid !== process.pid);
}

/** Everything of run `runId` (in `runDir`) and of nodes started with `--trial-token=<token>`. */
function leftovers({ runId, runDir, token }) {
  const out = { processes: 0, watchdogs: 0, namespaces: 0, veths: 0, bridges: 0, chains: 0, qdiscs: 0, mounts: 0, containers: 0, networks: 0, runDirs: 0 };
  if (token) out.processes = processesWith(`--trial-token=${token}`).length;
  if (!runId) return out;
  const mark = `fl-${runId}`;
  out.watchdogs = processesWith(runDir).length;
  out.namespaces = lines(read("ip", ["netns", "list"]), mark).length;
  const links = lines(read("ip", ["-o", "link", "show"]), mark);
  out.bridges = links.filter((l) => new RegExp(`: ${mark}-[0-9a-z]{2}[:@]`).test(l)).length;
  out.veths = links.length - out.bridges;
  out.chains = lines(read("iptables", ["-S"]), mark).length + lines(read("iptables", ["-t", "nat", "-S"]), mark).length;
  out.qdiscs = lines(read("tc", ["qdisc", "show"]), mark).length;
  out.mounts = lines(readFileSync("/proc/self/mountinfo", "utf8"), runDir).length;
  out.containers = read("docker", ["ps", "-aq", "--filter", `label=faultline.run=${runId}`])
    .split("\n")
    .filter(Boolean).length;
  out.networks = read("docker", ["network", "ls", "-q", "--filter", `label=faultline.run=${runId}`])
    .split("\n")
    .filter(Boolean).length;
  out.runDirs = existsSync(runDir) ? 1 : 0;
  return out;
}

function total(counts) {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

function describe(counts) {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(", ");
}

module.exports = { leftovers, total, describe, processesWith };
