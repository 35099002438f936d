import { lstatSync, mkdirSync, realpathSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { FaultlineError } from "../common/errors";

/**
 * The folders faultline keeps run state in (the runs root, reservations, run directories) sit in
 * a shared temporary directory. Anything read from them is trusted — a registry names processes
 * to kill and commands to run — so they must be ours alone: a real directory, not a symbolic
 * link, owned by this user, and writable by nobody else. Another user who created the folder
 * first (a shared CI runner, a world-writable /tmp) would otherwise plant a "dead run" for us to
 * clean up with our privileges.
 */
export function ensurePrivateDir(path: string, what: string): string {
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      checkParent(path, what);
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      return ensurePrivateDir(path, what);
    }
    if (code !== "EEXIST") throw unsafe(path, what, `cannot be created: ${(error as Error).message}`);
  }
  checkParent(path, what);
  checkPrivateDir(path, what);
  return path;
}

/** Throws FAULTLINE_UNSAFE_PATH unless `path` is a directory that only this user can change. */
export function checkPrivateDir(path: string, what: string): void {
  let stat;
  try {
    stat = lstatSync(path);
  } catch (error) {
    throw unsafe(path, what, `cannot be inspected: ${(error as Error).message}`);
  }
  if (stat.isSymbolicLink()) throw unsafe(path, what, "is a symbolic link");
  if (!stat.isDirectory()) throw unsafe(path, what, "is not a directory");
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) throw unsafe(path, what, `belongs to uid ${stat.uid}, not to this user (uid ${uid})`);
  if ((stat.mode & 0o022) !== 0) throw unsafe(path, what, `is writable by group or others (mode ${(stat.mode & 0o7777).toString(8)})`);
}

/**
 * The parent may be shared (/tmp), but then only with the sticky bit, which stops others from
 * renaming or deleting our entry in it; otherwise it must be ours or root's and closed to others.
 */
function checkParent(path: string, what: string): void {
  const parent = dirname(path);
  let stat;
  try {
    stat = statSync(parent);
  } catch {
    return; // created below with mode 0700
  }
  // Whoever can change the link chooses where the run state lives (root follows any link).
  if (lstatSync(parent).isSymbolicLink()) throw unsafe(path, what, `lies in ${parent}, which is a symbolic link (to ${realpathSync(parent)})`);
  const uid = process.getuid?.();
  if (uid === undefined) return;
  const openToOthers = (stat.mode & 0o022) !== 0;
  const sticky = (stat.mode & 0o1000) !== 0;
  if (openToOthers && !sticky)
    throw unsafe(path, what, `lies in ${parent}, which others can write to without the sticky bit (mode ${(stat.mode & 0o7777).toString(8)})`);
  if (stat.uid !== uid && stat.uid !== 0 && openToOthers) throw unsafe(path, what, `lies in ${parent}, which belongs to uid ${stat.uid} and is open to others`);
}

function unsafe(path: string, what: string, problem: string): FaultlineError {
  return new FaultlineError({
    code: "FAULTLINE_UNSAFE_PATH",
    message: `${what} ${path} ${problem}; faultline refuses to read or run anything from it`,
    hint: `check who made it, then remove it (rm -rf ${path}) and run again; or point TMPDIR at a directory only you can write to`,
  });
}
