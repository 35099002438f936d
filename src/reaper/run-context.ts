import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupRun, type CleanupReport } from "./cleanup";
import { Registry } from "./registry";
import { createRunDir, readRunInfo, removeRunDir, writeRunInfo, type RunInfo } from "./run-dir";
import { startWatchdog } from "./watchdog";

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
    return current;
  }
  return beginRun(process.pid);
}

/** Removes everything the run registered, marks it finished and deletes its directory. */
export async function endRun(run: RunContext, keepDir = false): Promise<CleanupReport> {
  const report = await cleanupRun(run.dir);
  writeFileSync(join(run.dir, "finished"), "");
  if (run.watchdogPid) {
    try {
      process.kill(run.watchdogPid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  if (!keepDir) removeRunDir(run.dir);
  if (current?.dir === run.dir) current = undefined;
  if (process.env[RUN_DIR_ENV] === run.dir) Reflect.deleteProperty(process.env, RUN_DIR_ENV);
  return report;
}
