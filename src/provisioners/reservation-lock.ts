import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { FaultlineError, type ErrorCode } from "../common/errors";
import { sleep, wallNow } from "../common/timers";

const LOCK_STALE_MS = 10_000;

/**
 * Takes the short lock of a folder of reservation files (`<dir>/.lock`, an exclusive create),
 * shared by every worker and run of the user. Held for milliseconds around a pick, so that taking
 * over a reservation whose owner died cannot race with another process doing the same. A lock
 * left by a process that died is broken. Returns the unlock function; `code` is the error code of
 * a lock that could not be taken in time.
 */
export async function lockReservations(dir: string, code: ErrorCode): Promise<() => void> {
  const file = join(dir, ".lock");
  const deadline = wallNow() + 2 * LOCK_STALE_MS;
  for (;;) {
    try {
      const fd = openSync(file, "wx", 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => removeFile(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    if (isStaleLock(file)) removeFile(file);
    if (wallNow() > deadline) {
      throw new FaultlineError({
        code,
        message: `could not lock the reservations in ${dir} within ${(2 * LOCK_STALE_MS) / 1000}s`,
        hint: `remove ${file} if no faultline run is active`,
      });
    }
    await sleep(10 + Math.random() * 20);
  }
}

function isStaleLock(file: string): boolean {
  try {
    const pid = Number(readFileSync(file, "utf8"));
    if (Number.isInteger(pid) && pid > 1 && pidGone(pid)) return true;
    return wallNow() - statSync(file).mtimeMs > LOCK_STALE_MS;
  } catch {
    return false;
  }
}

export function removeFile(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

/** No process has this pid (a live one we may not signal still counts as there). */
export function pidGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}
