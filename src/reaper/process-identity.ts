import { readFileSync } from "node:fs";

/**
 * The kernel's start time of a process (field 22 of /proc/<pid>/stat), so the reaper never
 * signals an unrelated process that reused a pid. Undefined where /proc is absent.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parentheses: split after the last ")".
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return rest[19];
  } catch {
    return undefined;
  }
}

/** True when `pid` is alive and, if `start` is given, is still the same process. */
export function isSameProcessAlive(pid: number, start?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  if (start === undefined) return true;
  const now = processStartTime(pid);
  return now === undefined || now === start;
}
