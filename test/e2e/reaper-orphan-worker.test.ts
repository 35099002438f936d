import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { processStartTime } from "../../src/reaper/process-identity";
import { createRunDir, writeRunInfo } from "../../src/reaper/run-dir";
import { startWatchdog } from "../../src/reaper/watchdog";
import { fixturesDir } from "./helpers/run-jest";
import { until } from "../helpers/polling";

/** Pids of live processes whose command line carries `marker`. */
function processesWith(marker: string): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe("a worker that outlives its SIGKILLed parent", () => {
  let owner: ChildProcess | undefined;
  let worker: ChildProcess | undefined;
  const marker = `fl-orphan-${process.pid}-${Date.now()}`;
  const scratch = mkdtempSync(join(tmpdir(), "fl-orphan-"));

  afterAll(() => {
    for (const child of [owner, worker]) if (child?.exitCode === null) child.kill("SIGKILL");
    for (const pid of processesWith(marker)) process.kill(pid, "SIGKILL");
    rmSync(scratch, { recursive: true, force: true });
  });

  it("stops provisioning, removes what it started and exits; nothing it starts survives the run", async () => {
    // The stand-in for Jest's parent process, owner of the run, with a real watchdog.
    owner = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    await new Promise((resolve) => owner!.once("spawn", resolve));
    const run = createRunDir(owner.pid!);
    run.watchdogPid = startWatchdog(run);
    run.watchdogStart = processStartTime(run.watchdogPid);
    writeRunInfo(run);

    const log = join(scratch, "worker.log");
    writeFileSync(log, "");
    worker = spawn(process.execPath, [join(fixturesDir, "orphan-worker", "provision-forever.js"), marker, log], {
      env: { ...process.env, FAULTLINE_RUN_DIR: run.dir },
      stdio: "ignore",
    });
    const workerExited = new Promise((resolve) => worker!.once("exit", resolve));
    expect(await until(() => readFileSync(log, "utf8").includes("started"), 60_000)).toBe(true);

    owner.kill("SIGKILL");

    // The worker notices, and exits by itself.
    let guard: NodeJS.Timeout | undefined;
    const stillRunning = new Promise((_, reject) => {
      guard = setTimeout(() => reject(new Error(`worker still running; log:\n${readFileSync(log, "utf8")}`)), 20_000);
    });
    await Promise.race([workerExited, stillRunning]).finally(() => clearTimeout(guard));
    // The watchdog reaped the run; nobody recreated its directory; no node of the worker lives.
    expect(await until(() => !existsSync(run.dir), 15_000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(existsSync(run.dir)).toBe(false);
    expect(processesWith(marker)).toEqual([]);
  }, 120_000);
});
