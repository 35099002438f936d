import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensurePrivateDir } from "./private-dir";
import { processStartTime } from "./process-identity";

/** Where every run of this user keeps its files: `os.tmpdir()/faultline-<uid>`. */
export function runsRoot(): string {
  const uid = typeof process.getuid === "function" ? process.getuid() : 0;
  return join(tmpdir(), `faultline-${uid}`);
}

/** The runs root, created 0700 if absent, and refused unless it is this user's alone. */
export function privateRunsRoot(root = runsRoot()): string {
  return ensurePrivateDir(root, "faultline's runs folder");
}

/** What a run id looks like (and nothing else in the runs root does). */
export const RUN_ID = /^[0-9a-f]{6}$/;

/** A short run id: kernel names (`fl-<id>-…`) are limited to 15 characters. */
export function newRunId(): string {
  return randomBytes(4).toString("hex").slice(0, 6);
}

export interface RunInfo {
  id: string;
  dir: string;
  /** The process whose death ends the run (the Jest parent). */
  ownerPid: number;
  ownerStart?: string;
  watchdogPid?: number;
  /** The watchdog's start time: a recycled pid must not pass for a live watchdog. */
  watchdogStart?: string;
}

/** Creates a run directory (mode 0700) and its owner file. */
export function createRunDir(ownerPid: number, id = newRunId(), runs = runsRoot()): RunInfo {
  const root = privateRunsRoot(runs);
  const dir = join(root, id);
  mkdirSync(dir, { recursive: false, mode: 0o700 });
  const info: RunInfo = { id, dir, ownerPid, ownerStart: processStartTime(ownerPid) };
  writeRunInfo(info);
  return info;
}

export function writeRunInfo(info: RunInfo): void {
  writeFileSync(join(info.dir, "owner.json"), JSON.stringify(info));
}

/** A run's owner file, or undefined when it is absent or not what faultline writes. */
export function readRunInfo(dir: string): RunInfo | undefined {
  const file = join(dir, "owner.json");
  if (!existsSync(file)) return undefined;
  try {
    const info = JSON.parse(readFileSync(file, "utf8")) as Partial<RunInfo>;
    const pid = (value: unknown): boolean => value === undefined || (Number.isInteger(value) && (value as number) > 1);
    const text = (value: unknown): boolean => value === undefined || typeof value === "string";
    if (typeof info.id !== "string" || typeof info.dir !== "string" || !pid(info.ownerPid) || info.ownerPid === undefined) return undefined;
    if (!pid(info.watchdogPid) || !text(info.ownerStart) || !text(info.watchdogStart)) return undefined;
    return info as RunInfo;
  } catch {
    return undefined;
  }
}

/**
 * Removes a run directory, whatever a fault left in it. A read-only disk fault without root
 * takes write permission off a node's data dir; a run killed before the heal leaves it so, and a
 * plain recursive remove then fails with EACCES for a user who is not root. Permissions are given
 * back to the owner and the removal retried. Returns the error it could not get past, if any,
 * so that a leftover never stops the caller (a sweep, the watchdog, a teardown).
 */
export function removeRunDir(dir: string): Error | undefined {
  try {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EACCES" && code !== "EPERM") return error as Error;
  }
  try {
    restoreOwnerAccess(dir);
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

function restoreOwnerAccess(dir: string): void {
  try {
    chmodSync(dir, 0o700);
  } catch {
    return; // not ours to change; the retry reports the real error
  }
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    try {
      if (lstatSync(path).isDirectory()) restoreOwnerAccess(path);
    } catch {
      // gone meanwhile, or unreadable: the retry says which
    }
  }
}
