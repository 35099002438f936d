import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { cleanupRun } from "./cleanup";
import { isSameProcessAlive } from "./process-identity";
import { readRunInfo, removeRunDir, runsRoot, RUN_ID } from "./run-dir";

/**
 * Removes what runs whose owner died left behind (a watchdog that was itself killed, a machine
 * that rebooted). Runs still owned by a live process are left alone.
 */
export async function sweepDeadRuns(root = runsRoot()): Promise<string[]> {
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return [];
  }
  const swept: string[] = [];
  for (const name of entries) {
    // Only run directories: the root also holds shared reservations (ports, subnets).
    if (!RUN_ID.test(name)) continue;
    const dir = join(root, name);
    try {
      if (!statSync(dir).isDirectory()) continue;
    } catch {
      continue;
    }
    const info = readRunInfo(dir);
    if (info && isSameProcessAlive(info.ownerPid, info.ownerStart)) continue;
    if (!info && Date.now() - statSync(dir).mtimeMs < 60_000) continue; // being created right now
    if (info?.watchdogPid && isSameProcessAlive(info.watchdogPid)) continue; // its watchdog is on it
    await cleanupRun(dir);
    // A directory that cannot be removed is reported, never fatal: it must not stop this run.
    const error = removeRunDir(dir);
    if (error) process.stderr.write(`faultline: could not remove a dead run's directory ${dir}: ${error.message}\n`);
    else swept.push(name);
  }
  return swept;
}
