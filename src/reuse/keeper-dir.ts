import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensurePrivateDir } from "../reaper/private-dir";
import { processState } from "../reaper/process-identity";
import { privateRunsRoot } from "../reaper/run-dir";

/** What a keeper's folder says of it: written by the session that started it. */
export interface KeeperInfo {
  pid: number;
  start?: string;
  /** The spec hash the keeper's cluster was made from. */
  hash: string;
  cluster: string;
  rootDir: string;
  startedAt: string;
}

/** Where the keepers of reusable clusters live: in faultline's private runs root. */
export function keepersRoot(): string {
  return ensurePrivateDir(join(privateRunsRoot(), "keepers"), "faultline's keepers folder");
}

/**
 * One keeper per project and cluster name: a changed spec replaces it. The name is cut short
 * (a Unix socket's path has at most 107 bytes); the hash of the project keeps it apart.
 */
export function keeperDir(rootDir: string, cluster: string): string {
  const project = createHash("sha256").update(rootDir).digest("hex").slice(0, 10);
  return join(keepersRoot(), `${cluster.slice(0, 32)}-${project}`);
}

export const socketPath = (dir: string): string => join(dir, "keeper.sock");
export const logPath = (dir: string): string => join(dir, "keeper.log");
const infoPath = (dir: string): string => join(dir, "keeper.json");

export function readKeeperInfo(dir: string): KeeperInfo | undefined {
  try {
    return JSON.parse(readFileSync(infoPath(dir), "utf8")) as KeeperInfo;
  } catch {
    return undefined;
  }
}

export function writeKeeperInfo(dir: string, info: KeeperInfo): void {
  writeFileSync(infoPath(dir), `${JSON.stringify(info)}\n`, { mode: 0o600 });
}

export function keeperAlive(info: KeeperInfo): boolean {
  return processState(info.pid, info.start) === "alive";
}

/** Every keeper folder, with what it says (undefined while one is being started). */
export function listKeepers(): Array<{ dir: string; info?: KeeperInfo }> {
  const root = keepersRoot();
  return readdirSync(root).map((name) => ({ dir: join(root, name), info: readKeeperInfo(join(root, name)) }));
}

/** Removes a keeper's folder, unless a live keeper other than `pid` claims it. */
export function removeKeeperDir(dir: string, pid?: number): void {
  const info = readKeeperInfo(dir);
  if (info && info.pid !== pid && keeperAlive(info)) return;
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
}

/** The last lines of a keeper's log, for an error that says why it did not start. */
export function keeperLogTail(dir: string, lines = 15): string {
  try {
    return readFileSync(logPath(dir), "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
