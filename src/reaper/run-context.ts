import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { timers } from "../common/timers";
import { cleanupRun, removeResource, type CleanupReport } from "./cleanup";
import { processStartTime, processState } from "./process-identity";
import { Registry } from "./registry";
import { createRunDir, readRunInfo, removeRunDir, writeRunInfo, type RunInfo } from "./run-dir";
import { startWatchdog, stopWatchdog } from "./watchdog";

export const RUN_DIR_ENV = "FAULTLINE_RUN_DIR";

/** The run this process belongs to: its directory, id and registry. */
export interface RunContext extends RunInfo {
  registry: Registry;
}

let current: RunContext | undefined;

/**
 * Starts a run owned by `ownerPid` (the Jest parent): run directory, watchdog, and the
 * environment variable through which Jest's workers find it.
 */
export function beginRun(ownerPid = process.pid): RunContext {
  const info = createRunDir(ownerPid);
  info.watchdogPid = startWatchdog(info);
  info.watchdogStart = processStartTime(info.watchdogPid);
  writeRunInfo(info);
  process.env[RUN_DIR_ENV] = info.dir;
  current = { ...info, registry: new Registry(info.dir) };
  return current;
}

/**
 * The current run: the one global setup began (found through FAULTLINE_RUN_DIR), or — when a
 * user's configuration skipped our global setup — one owned by this very process.
 */
export function currentRun(): RunContext {
  if (current && process.env[RUN_DIR_ENV] === current.dir) return current;
  const dir = process.env[RUN_DIR_ENV];
  const info = dir ? readRunInfo(dir) : undefined;
  if (info) {
    current = { ...info, registry: new Registry(info.dir) };
    if (info.ownerPid !== process.pid) watchOwner(current);
    return current;
  }
  return beginRun(process.pid);
}

let watching: ReturnType<typeof setInterval> | undefined;

/**
 * A Jest worker whose parent was SIGKILLed may live on (it is not in the parent's process
 * group when the parent was started from a shell, and nothing signals it). The watchdog reaps
 * what the run registered and leaves; a worker still provisioning would then start nodes no one
 * removes. So a worker watches the run's owner: once it is gone, the worker removes what it
 * registered itself and exits. (Registering anything after the run directory is gone already
 * fails with FAULTLINE_RUN_ENDED.)
 */
function watchOwner(run: RunContext): void {
  if (watching) timers.clearInterval(watching);
  watching = timers.setInterval(() => {
    if (processState(run.ownerPid, run.ownerStart) === "alive") return;
    if (watching) timers.clearInterval(watching);
    void abandon(run);
  }, 500);
  watching.unref();
}

async function abandon(run: RunContext): Promise<void> {
  process.stderr.write(`faultline: the test runner that owned run ${run.id} (pid ${run.ownerPid}) is gone; this worker removes what it started and exits\n`);
  for (const resource of run.registry.ownLive().reverse()) {
    try {
      await removeResource(resource);
    } catch {
      // the watchdog, or the next run's sweep, tries again from the registry
    }
  }
  process.exit(1);
}

/**
 * Removes everything the run registered, marks it finished and deletes its directory. What
 * could not be removed stays registered (the directory is kept for the next sweep) and is in the
 * report's `failed`.
 */
export async function endRun(run: RunContext, keepDir = false): Promise<CleanupReport> {
  const report = await cleanupRun(run.dir);
  writeFileSync(join(run.dir, "finished"), "");
  // Ours: close its pipe and wait until it is reaped. Another process's: signal it.
  if (run.watchdogPid && !(await stopWatchdog(run.watchdogPid)) && processState(run.watchdogPid, run.watchdogStart) === "alive") {
    try {
      process.kill(run.watchdogPid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  if (!keepDir && report.failed.length === 0) removeRunDir(run.dir);
  if (current?.dir === run.dir) current = undefined;
  if (process.env[RUN_DIR_ENV] === run.dir) Reflect.deleteProperty(process.env, RUN_DIR_ENV);
  return report;
}
