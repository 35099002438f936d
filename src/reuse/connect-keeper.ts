import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, statSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { FaultlineError } from "../common/errors";
import { monoNowMs, sleep, timers } from "../common/timers";
import { processStartTime } from "../reaper/process-identity";
import { RUN_DIR_ENV } from "../reaper/run-context";
import { keeperAlive, keeperDir, keeperLogTail, logPath, readKeeperInfo, removeKeeperDir, socketPath, writeKeeperInfo } from "./keeper-dir";
import { Wire } from "./wire";

export interface KeeperConnection {
  socket: Socket;
  pid: number;
  /** This session started the keeper (the cluster is new). */
  started: boolean;
}

function dial(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    socket.once("connect", () => {
      socket.removeAllListeners("error");
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

function keeperScript(): string {
  // From the build this file sits beside the script; run from sources (ts-jest), use the build's.
  const script = [join(__dirname, "keeper-main.js"), join(__dirname, "..", "..", "dist", "reuse", "keeper-main.js")].find((p) => existsSync(p));
  if (script) return script;
  throw new FaultlineError({
    code: "FAULTLINE_REQUIREMENT_MISSING",
    message: `faultline's keeper script is missing (looked beside ${__filename} and in the build)`,
    hint: "run `npm run build` in faultline's checkout, or reinstall the package",
  });
}

/**
 * Starts a keeper, detached in a session of its own so that it outlives the test run (that is
 * its job), with neither the run's environment (it begins its own run, with its own watchdog)
 * nor a debugger's NODE_OPTIONS.
 */
function startKeeper(dir: string, cluster: string, rootDir: string, hash: string, idleMs: number): number {
  const env = { ...process.env };
  Reflect.deleteProperty(env, RUN_DIR_ENV);
  delete env.NODE_OPTIONS;
  const log = openSync(logPath(dir), "a", 0o600);
  try {
    const child = spawn(process.execPath, [keeperScript(), dir, String(idleMs), cluster], { detached: true, env, cwd: rootDir, stdio: ["ignore", log, log] });
    child.unref();
    const pid = child.pid!;
    writeKeeperInfo(dir, { pid, start: processStartTime(pid), hash, cluster, rootDir, startedAt: new Date().toISOString() });
    return pid;
  } finally {
    closeSync(log);
  }
}

/** Asks a keeper to stop (it waits for the session holding it) and waits until it has. */
export async function stopKeeper(dir: string, timeoutMs = 60_000): Promise<boolean> {
  const info = readKeeperInfo(dir);
  if (!info || !keeperAlive(info)) {
    removeKeeperDir(dir);
    return true;
  }
  try {
    const socket = await dial(socketPath(dir));
    const wire = new Wire(
      socket,
      () => undefined,
      () => new Error("closed"),
    );
    // The keeper stops once the session using the cluster ends; one that does not end in time
    // is cut short: SIGTERM stops the keeper whatever its session is doing.
    let timer: NodeJS.Timeout | undefined;
    const asked = await Promise.race([
      wire.call("shutdown").then(
        () => true,
        () => true,
      ),
      new Promise<boolean>((resolve) => (timer = timers.setTimeout(() => resolve(false), timeoutMs / 2))),
    ]);
    timers.clearTimeout(timer);
    wire.close();
    if (!asked && keeperAlive(info)) process.kill(info.pid, "SIGTERM");
  } catch {
    if (keeperAlive(info)) process.kill(info.pid, "SIGTERM");
  }
  const started = monoNowMs();
  // A timer that holds the event loop: `faultline clean` has nothing else waiting.
  while (keeperAlive(info) && monoNowMs() - started < timeoutMs) await new Promise((resolve) => timers.setTimeout(resolve, 100));
  if (keeperAlive(info)) return false;
  removeKeeperDir(dir);
  return true;
}

/**
 * The keeper of `cluster` for this project, made from spec `hash`: connects to the one running,
 * replaces one made from another spec, or starts one. Two sessions that start at once agree
 * through the folder: whoever creates it starts the keeper, the other waits for its socket.
 */
export async function connectKeeper(options: { cluster: string; rootDir: string; hash: string; idleMs: number; timeoutMs: number }): Promise<KeeperConnection> {
  const { cluster, rootDir, hash, idleMs, timeoutMs } = options;
  const dir = keeperDir(rootDir, cluster);
  const deadline = monoNowMs() + timeoutMs;
  let started = false;
  let pid: number | undefined;
  while (monoNowMs() < deadline) {
    const info = readKeeperInfo(dir);
    if (info && keeperAlive(info)) {
      if (info.hash !== hash) {
        await stopKeeper(dir);
        continue;
      }
      try {
        return { socket: await dial(socketPath(dir)), pid: info.pid, started: started && info.pid === pid };
      } catch {
        await sleep(50); // starting: its socket comes soon
        continue;
      }
    }
    if (started && info?.pid === pid) {
      const error = keeperFailed(cluster, dir, "exited as it started");
      removeKeeperDir(dir);
      throw error;
    }
    if (info || (existsSync(dir) && Date.now() - statSync(dir).mtimeMs > 15_000)) {
      // Its keeper is gone (killed: its watchdog removed the cluster), or never got going.
      removeKeeperDir(dir);
      continue;
    }
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      await sleep(50); // another session is starting it
      continue;
    }
    pid = startKeeper(dir, cluster, rootDir, hash, idleMs);
    started = true;
  }
  throw keeperFailed(cluster, dir, `did not answer within ${Math.round(timeoutMs / 1000)} s`);
}

function keeperFailed(cluster: string, dir: string, what: string): FaultlineError {
  return new FaultlineError({
    code: "FAULTLINE_PROVISION_FAILED",
    message: `the keeper of reused cluster "${cluster}" ${what}`,
    hint: `its log is below; npx faultline clean stops every keeper`,
    cluster,
    details: `  ${logPath(dir)}:\n${keeperLogTail(dir)
      .split("\n")
      .map((l) => `    ${l}`)
      .join("\n")}`,
  });
}
