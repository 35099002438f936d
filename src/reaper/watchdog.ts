import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { RunInfo } from "./run-dir";

/**
 * Starts the detached watchdog for a run. Its stdin is a pipe whose other end only this process
 * holds: when this process dies for any reason, the kernel closes it and the watchdog reaps.
 */
export function startWatchdog(run: RunInfo): number {
  // From the build this file sits beside the script; run from sources (ts-jest), use the build's.
  const script = [join(__dirname, "watchdog-main.js"), join(__dirname, "..", "..", "dist", "reaper", "watchdog-main.js")].find((p) => existsSync(p));
  if (!script) throw new Error("faultline's watchdog script is missing: run `npm run build`");
  const child = spawn(process.execPath, [script, run.dir, String(run.ownerPid), run.ownerStart ?? ""], {
    detached: true,
    stdio: ["pipe", "ignore", "ignore"],
  });
  child.unref();
  // Keep the pipe open but never let it hold Jest's event loop open.
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  child.stdin?.on("error", () => undefined);
  return child.pid!;
}
