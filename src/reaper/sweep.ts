import { existsSync, lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { cleanupRun, teardownError } from "./cleanup";
import { sweepDockerObjects } from "./docker-sweep";
import { sweepPortReservations } from "./port-reservations";
import { checkPrivateDir } from "./private-dir";
import { isSameProcessAlive } from "./process-identity";
import { readRunInfo, removeRunDir, runsRoot, RUN_ID } from "./run-dir";

/**
 * Removes what runs whose owner died left behind (a watchdog that was itself killed, a machine
 * that rebooted). Runs still owned by a live process are left alone. Nothing is read from a runs
 * root that is not this user's alone (see private-dir.ts): that throws FAULTLINE_UNSAFE_PATH.
 */
export async function sweepDeadRuns(root = runsRoot()): Promise<string[]> {
  if (!existsSync(root)) return [];
  checkPrivateDir(root, "faultline's runs folder");
  const swept: string[] = [];
  for (const name of readdirSync(root)) {
    // Only run directories: the root also holds shared reservations (ports, subnets).
    if (!RUN_ID.test(name)) continue;
    const dir = join(root, name);
    let stat;
    try {
      stat = lstatSync(dir);
    } catch {
      continue;
    }
    if (!stat.isDirectory()) continue;
    const info = readRunInfo(dir);
    if (info && isSameProcessAlive(info.ownerPid, info.ownerStart)) continue;
    if (!info && Date.now() - stat.mtimeMs < 60_000) continue; // being created right now
    if (info?.watchdogPid && isSameProcessAlive(info.watchdogPid, info.watchdogStart)) continue; // its watchdog is on it
    // Before cleanupRun: it looks twice when Docker entries are still live (a create the engine
    // finished after its caller died carries the run's label but may not be registered).
    const docker = await sweepDockerObjects(dir, name);
    const report = await cleanupRun(dir);
    report.removed.push(...docker.removed);
    report.failed.push(...docker.failed);
    sweepPortReservations(join(root, "ports"), name);
    const failure = teardownError(report, dir);
    if (failure) {
      // Kept, registry and all, so that the next sweep tries again; never fatal for this run.
      process.stderr.write(`faultline: while sweeping a dead run: ${failure.message}\n`);
      continue;
    }
    const error = removeRunDir(dir);
    if (error) process.stderr.write(`faultline: could not remove a dead run's directory ${dir}: ${error.message}\n`);
    else swept.push(name);
  }
  sweepPortReservations(join(root, "ports"));
  return swept;
}
