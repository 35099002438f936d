import { existsSync, readFileSync } from "node:fs";

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

const HAS_PROC = existsSync("/proc/self/stat");

/**
 * What became of a recorded process:
 * - "alive": it runs and is the one recorded;
 * - "gone": no process has that pid;
 * - "other": a process has that pid but is not the one recorded (the pid was reused), or its
 *   identity cannot be told (no start time was recorded on a system that has /proc).
 */
export function processState(pid: number, start?: string): "alive" | "gone" | "other" {
  if (!Number.isInteger(pid) || pid <= 1) return "other";
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return "gone";
  }
  if (!HAS_PROC) return "alive"; // nothing better to go by
  const now = processStartTime(pid);
  if (now === undefined) return "gone"; // exited between the two looks
  if (start === undefined) return "other";
  return now === start ? "alive" : "other";
}

/** True when `pid` is alive and is still the process that started at `start`. */
export function isSameProcessAlive(pid: number, start?: string): boolean {
  return processState(pid, start) === "alive";
}
