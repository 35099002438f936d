import { closeSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { basename, join } from "node:path";
import { processStartTime, processState } from "./process-identity";
import { ensurePrivateDir } from "./private-dir";
import { privateRunsRoot } from "./run-dir";

/**
 * Port reservations: one file per reserved `host-port` in `<runs root>/ports`, shared by every
 * worker and run of this user, created exclusively so that no two nodes are handed one port in
 * the window before they bind it. Each names its owner (pid and start time, so a recycled pid
 * does not keep it) and its run (so the run's watchdog frees it with the rest of the run).
 */
interface PortOwner {
  pid: number;
  start?: string;
  run?: string;
}

export function portReservationDir(root?: string): string {
  return ensurePrivateDir(join(privateRunsRoot(root), "ports"), "faultline's port reservations folder");
}

/** Reserves `host:port` for this process; false when someone holds it already. */
export function reservePort(dir: string, host: string, port: number, runDir = process.env.FAULTLINE_RUN_DIR): boolean {
  const owner: PortOwner = { pid: process.pid, start: processStartTime(process.pid), ...(runDir ? { run: basename(runDir) } : {}) };
  let fd: number;
  try {
    fd = openSync(join(dir, `${host}-${port}`), "wx", 0o600);
  } catch {
    return false;
  }
  try {
    writeSync(fd, JSON.stringify(owner));
  } finally {
    closeSync(fd);
  }
  return true;
}

export function releasePort(dir: string, host: string, port: number): void {
  try {
    unlinkSync(join(dir, `${host}-${port}`));
  } catch {
    // already released
  }
}

/**
 * Removes reservations whose owner is gone (or whose pid now belongs to another process), and,
 * given `deadRun`, every reservation of that run. Returns how many it removed.
 */
export function sweepPortReservations(dir: string, deadRun?: string): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const file = join(dir, name);
    try {
      const text = readFileSync(file, "utf8");
      // Created but not yet written: its owner is writing it right now, unless that was long ago.
      if (!text && Date.now() - statSync(file).mtimeMs < 60_000) continue;
      const owner = readOwner(text);
      const stale = !owner || (deadRun !== undefined && owner.run === deadRun) || processState(owner.pid, owner.start) !== "alive";
      if (!stale) continue;
      unlinkSync(file);
      removed++;
    } catch {
      // raced with another sweeper, or half-written right now by its owner
    }
  }
  return removed;
}

function readOwner(text: string): PortOwner | undefined {
  try {
    const owner = JSON.parse(text) as PortOwner;
    return Number.isInteger(owner.pid) ? owner : undefined;
  } catch {
    return undefined;
  }
}
