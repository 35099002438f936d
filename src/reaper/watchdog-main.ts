/**
 * The watchdog process: started detached by global setup, it outlives a killed Jest. It learns
 * that its owner died when the pipe on its stdin closes (immediate, like Ryuk's socket) or when
 * polling the owner's pid fails, then removes everything the run registered and its directory.
 *
 * argv: <runDir> <ownerPid> [ownerStart]
 */
import { existsSync, appendFileSync } from "node:fs";
import { join } from "node:path";
import { basename, dirname } from "node:path";
import { cleanupRun } from "./cleanup";
import { sweepDockerObjects } from "./docker-sweep";
import { sweepPortReservations } from "./port-reservations";
import { processState } from "./process-identity";
import { removeRunDir } from "./run-dir";

const [runDir, ownerPidText, ownerStart] = process.argv.slice(2);
const ownerPid = Number(ownerPidText);
let reaping = false;

function log(message: string): void {
  try {
    appendFileSync(join(runDir!, "watchdog.log"), `${new Date().toISOString()} ${message}\n`);
  } catch {
    // the run directory may already be gone
  }
}

async function reap(reason: string): Promise<void> {
  if (reaping) return;
  reaping = true;
  // A clean teardown leaves "finished"; nothing is left to do then but leave.
  if (runDir && existsSync(runDir) && !existsSync(join(runDir, "finished"))) {
    log(`owner gone (${reason}); reaping`);
    const docker = await sweepDockerObjects(runDir, basename(runDir));
    const report = await cleanupRun(runDir);
    report.removed.push(...docker.removed);
    report.failed.push(...docker.failed);
    log(`removed ${report.removed.length}: ${report.removed.join(", ")}`);
    for (const failure of report.failed) log(`failed ${failure.label}: ${failure.error}`);
    for (const refused of report.refused) log(`refused registry entry (${refused.problem}): ${refused.line}`);
    sweepPortReservations(join(dirname(runDir), "ports"), basename(runDir));
    if (report.failed.length === 0) {
      const error = removeRunDir(runDir);
      if (error) log(`could not remove ${runDir}: ${error.message}`);
    }
  }
  // A finished run's directory is its teardown's to remove: kept when something in it could not
  // be removed, so that the next sweep retries what its registry still lists.
  process.exit(0);
}

if (!runDir || !Number.isInteger(ownerPid)) {
  process.stderr.write("usage: watchdog <runDir> <ownerPid> [ownerStart]\n");
  process.exit(64);
}
// Signals must not stop the reaping half-way; the run's own teardown ends us by "finished".
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void reap(signal));
process.stdin.on("end", () => void reap("stdin closed"));
process.stdin.on("error", () => void reap("stdin error"));
process.stdin.resume();
setInterval(() => {
  if (processState(ownerPid, ownerStart || undefined) !== "alive") void reap("owner pid gone");
  else if (!existsSync(runDir)) process.exit(0);
}, 500);
log(`watching pid ${ownerPid}`);
