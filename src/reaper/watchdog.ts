import { FaultlineError } from "../common/errors";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { sleep } from "../common/timers";
import type { RunInfo } from "./run-dir";

/** The watchdogs this process started, by pid, until they have exited. */
const started = new Map<number, ChildProcess>();

/**
 * Starts the detached watchdog for a run. Its stdin is a pipe whose other end only this process
 * holds: when this process dies for any reason, the kernel closes it and the watchdog reaps.
 */
export function startWatchdog(run: RunInfo): number {
  // From the build this file sits beside the script; run from sources (ts-jest), use the build's.
  const script = [join(__dirname, "watchdog-main.js"), join(__dirname, "..", "..", "dist", "reaper", "watchdog-main.js")].find((p) => existsSync(p));
  if (!script) {
    throw new FaultlineError({
      code: "FAULTLINE_REQUIREMENT_MISSING",
      message: `faultline's watchdog script is missing (looked beside ${__filename} and in the build)`,
      hint: "run `npm run build` in faultline's checkout, or reinstall the package",
    });
  }
  // Not the runner's NODE_OPTIONS: a debugger's (`--inspect-brk`, an IDE's auto-attach
  // bootloader) would hold the watchdog at a breakpoint or on a port, and reaping must not wait.
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [script, run.dir, String(run.ownerPid), run.ownerStart ?? ""], {
    detached: true,
    env,
    stdio: ["pipe", "ignore", "ignore"],
  });
  // Neither the process nor the pipe may hold the runner's event loop open while the run lasts;
  // stopWatchdog takes them back and waits for the exit.
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  child.stdin?.on("error", () => undefined);
  const pid = child.pid!;
  started.set(pid, child);
  child.once("exit", () => child.stdin?.destroy());
  return pid;
}

/**
 * Ends a watchdog this process started, once its run has ended ("finished" written): closes the
 * pipe on its stdin, which it reads as its cue to leave, and waits until it has exited and been
 * reaped (SIGKILL after `timeoutMs`). Returns false for a watchdog this process did not start.
 *
 * Waiting matters: a watchdog only signalled leaves a child whose exit this process has not yet
 * collected, and a pipe to it, both still open when the runner reaches its natural exit. Node then
 * closes the child's handle before reaping it (a zombie nobody waits for, libuv#1911) in the same
 * handle cleanup a CI runner was once seen spinning in for an hour.
 */
export async function stopWatchdog(pid: number, timeoutMs = 5000): Promise<boolean> {
  const child = started.get(pid);
  if (!child) return false;
  started.delete(pid);
  if (child.exitCode === null && child.signalCode === null) {
    // Referenced while we wait: nothing else may be keeping this process alive.
    child.ref();
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.stdin?.destroy();
    const stopped = await Promise.race([exited.then(() => true), sleep(timeoutMs).then(() => false)]);
    if (!stopped) {
      child.kill("SIGKILL");
      await exited;
    }
  }
  child.stdin?.destroy();
  return true;
}
