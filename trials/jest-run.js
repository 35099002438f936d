"use strict";
/** Starts real Jest on a trials fixture and follows it: its run directory and its phase marks. */
const { spawn } = require("node:child_process");
const { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join } = require("node:path");

const repo = join(__dirname, "..");
const jestBin = join(repo, "node_modules", "jest", "bin", "jest.js");
const runsRoot = join(tmpdir(), `faultline-${process.getuid()}`);

/** The run directory whose owner.json names `pid`, if there is one yet. */
function runDirOf(pid) {
  let entries = [];
  try {
    entries = readdirSync(runsRoot);
  } catch {
    return undefined;
  }
  for (const id of entries) {
    try {
      const owner = JSON.parse(readFileSync(join(runsRoot, id, "owner.json"), "utf8"));
      if (owner.ownerPid === pid) return { runId: id, runDir: join(runsRoot, id) };
    } catch {
      // not a run, or not written yet
    }
  }
  return undefined;
}

/**
 * Spawns Jest (in band) on `fixture` with `args`; returns a handle that tracks the run's
 * directory (polled, so it is known even if the run is killed before any test wrote a mark).
 */
function startJest(fixture, args, env = {}) {
  // The fixture loads faultline as a consumer does: through node_modules (git ignores the link).
  const modules = join(repo, "test", "fixtures", fixture, "node_modules");
  mkdirSync(modules, { recursive: true });
  if (!existsSync(join(modules, "faultline"))) symlinkSync(repo, join(modules, "faultline"), "dir");
  const work = mkdtempSync(join(tmpdir(), "fl-trial-"));
  const marks = join(work, "marks.jsonl");
  const token = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  let output = "";
  const child = spawn(process.execPath, [jestBin, "--runInBand", ...args], {
    cwd: join(repo, "test", "fixtures", fixture),
    env: { ...process.env, FAULTLINE_RUN_DIR: "", TRIAL_MARKS: marks, TRIAL_TOKEN: token, TRIAL_REPORT_DIR: join(work, "report"), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const handle = {
    child,
    token,
    run: undefined,
    output: () => output,
    exited: new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal }))),
    marks() {
      if (!existsSync(marks)) return [];
      return readFileSync(marks, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l));
    },
    phase() {
      const all = handle.marks();
      return all.length ? all[all.length - 1].phase : "provisioning";
    },
    cleanup: () => rmSync(work, { recursive: true, force: true }),
  };
  const poll = setInterval(() => {
    handle.run ??= runDirOf(child.pid);
    if (handle.run) clearInterval(poll);
  }, 20);
  child.on("exit", () => clearInterval(poll));
  return handle;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 10 ms until it holds (true) or `ms` pass (false). */
async function until(check, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await sleep(10);
  }
  return check();
}

module.exports = { startJest, sleep, until, runsRoot, repo, runDirOf };
