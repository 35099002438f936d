import { spawnSync } from "node:child_process";
import { chmodSync, closeSync, lstatSync, openSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, writeSync } from "node:fs";
import { join, sep } from "node:path";
import { FaultlineError } from "../../common/errors";
import type { Applied, DiskControl } from "../../cluster/controls";
import type { Node } from "../../cluster/node-types";
import type { RunContext } from "../../reaper/run-context";

/** What differs between backends for disk faults: where data dirs live and how to say what is missing. */
export interface DiskSetup {
  cluster: string;
  run: RunContext;
  /** The cluster's data dirs are host tmpfs mounts of their own (`disk: { size }`). */
  sizedDataDirs: boolean;
  /** Whether a node's data dir is a tmpfs inside its container (Docker's `tmpfs` option). */
  containerTmpfs?: (node: Node) => boolean;
  /** What to do when a full disk has nothing size-limited to fill. */
  fullHint: string;
  fullOption: string;
}

/** The ballast that fills a data dir (disk faults skip files named .faultline-* when they corrupt one). */
const BALLAST = ".faultline-ballast";

const isRoot = (): boolean => process.getuid?.() === 0;

function tryRun(argv: string[]): string | undefined {
  const result = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8" });
  return result.status === 0 ? undefined : (result.stderr || result.error?.message || `exit ${result.status}`).trim();
}

function run(argv: string[], cluster: string, node: string): void {
  const error = tryRun(argv);
  if (error !== undefined) throw new FaultlineError({ code: "FAULTLINE_FAULT_FAILED", message: `${argv.join(" ")} failed: ${error}`, cluster, node });
}

/**
 * The prefix that runs a command in the node's mount namespace. Nodes started by `ip netns exec`
 * or Docker have their own, and a mount made in ours does not propagate into it.
 */
function namespaceOf(node: Node): { argv: string[]; root: string } {
  if (!node.pid) return { argv: [], root: "" };
  try {
    if (readlinkSync(`/proc/${node.pid}/ns/mnt`) === readlinkSync("/proc/self/ns/mnt")) return { argv: [], root: "" };
  } catch {
    return { argv: [], root: "" };
  }
  return { argv: ["nsenter", `--target=${node.pid}`, "--mount", "--"], root: `/proc/${node.pid}/root` };
}

/** The filesystem type mounted exactly at `dir`, as process `pid` sees it; undefined when `dir` is no mount point. */
function mountAt(dir: string, pid: number | "self"): string | undefined {
  let type: string | undefined;
  for (const line of readFileSync(`/proc/${pid}/mountinfo`, "utf8").split("\n")) {
    const [left, right] = line.split(" - ");
    const point = left?.split(" ")[4]?.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
    if (point === dir && right) type = right.split(" ")[0]; // the last entry for a point is the one on top
  }
  return type;
}

async function readonly(c: DiskSetup, node: Node): Promise<Applied> {
  if (!isRoot()) return withoutWriteBits(c, node);
  const ns = namespaceOf(node);
  const dir = realpathSync(node.dataDir); // mountinfo and /proc/<pid>/cwd show real paths
  const registry = c.run.registry;
  const label = `${c.cluster}/${node.name} read-only data dir`;
  // Each undo is registered before its mount: a process killed right after a mount leaves an undo
  // the reaper runs, and one killed before it an undo that finds nothing to do (a remount to rw of
  // a mount that is rw; an unmount of a path with no bind mount, or of the run's own tmpfs there,
  // which the reaper removes anyway).
  if (mountAt(dir, ns.argv.length ? node.pid! : "self") !== undefined) {
    // The kernel refuses this (busy) while a file on the mount is open for writing; the bind
    // mount below is the fallback then.
    const back = [...ns.argv, "mount", "-o", "remount,bind,rw", dir];
    const unregister = registry.add({ kind: "command", argv: back, label });
    if (tryRun([...ns.argv, "mount", "-o", "remount,bind,ro", dir]) === undefined) {
      const undo = async (): Promise<void> => {
        run(back, c.cluster, node.name);
        unregister();
      };
      return { mechanism: "read-only remount", undo };
    }
    unregister();
  }
  const unmount = [...ns.argv, "umount", "-l", dir];
  const unregister = registry.add({ kind: "command", argv: unmount, label });
  try {
    run([...ns.argv, "mount", "--bind", dir, dir], c.cluster, node.name);
  } catch (error) {
    unregister();
    throw error;
  }
  try {
    run([...ns.argv, "mount", "-o", "remount,bind,ro", dir], c.cluster, node.name);
  } catch (error) {
    tryRun(unmount);
    unregister();
    throw error;
  }
  // A working directory entered before the mount still points at the writable directory below it.
  let cwd = "";
  try {
    cwd = node.pid ? readlinkSync(`/proc/${node.pid}/cwd`) : "";
  } catch {
    // the node is gone: nothing holds the old directory
  }
  const bypass = cwd === dir || cwd.startsWith(dir + sep);
  return {
    mechanism: "read-only bind mount",
    detail: bypass ? " (paths relative to the node's working directory, inside its data dir, stay writable: give it disk: { size } for a full remount)" : "",
    undo: async () => {
      run(unmount, c.cluster, node.name);
      unregister();
    },
  };
}

/** Without root: remove the write bits, and later put back exactly the modes there were. */
function withoutWriteBits(c: DiskSetup, node: Node): Applied {
  const modes = new Map<string, number>();
  const walk = (path: string): void => {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return;
    modes.set(path, stat.mode & 0o7777);
    if (stat.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(node.dataDir);
  for (const [path, mode] of modes) chmodSync(path, mode & ~0o222);
  return {
    mechanism: "chmod a-w",
    undo: async () => {
      for (const [path, mode] of [...modes].reverse()) {
        try {
          chmodSync(path, mode);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "ENOENT")
            throw new FaultlineError({
              code: "FAULTLINE_FAULT_FAILED",
              message: `could not restore the mode of ${path}: ${(error as Error).message}`,
              cluster: c.cluster,
              node: node.name,
            });
        }
      }
    },
  };
}

function fill(c: DiskSetup, node: Node): Applied {
  const unsupported = (message: string): FaultlineError =>
    new FaultlineError({
      code: "FAULTLINE_FAULT_UNSUPPORTED",
      message,
      hint: c.fullHint,
      cluster: c.cluster,
      node: node.name,
      option: c.fullOption,
    });
  const inContainer = !c.sizedDataDirs && (c.containerTmpfs?.(node) ?? false);
  if (!c.sizedDataDirs && !inContainer)
    throw unsupported("a full disk needs the data dirs on a size-limited filesystem, and this cluster does not declare one");
  const ns = namespaceOf(node);
  if (inContainer && !ns.argv.length) {
    // The tmpfs exists only in the container's mount namespace, reached through /proc/<pid>/root.
    throw new FaultlineError({
      code: node.pid ? "FAULTLINE_PERMISSION" : "FAULTLINE_FAULT_UNSUPPORTED",
      message: node.pid
        ? `the data dir's tmpfs is inside container pid ${node.pid}, and this process may not enter its mount namespace (/proc/${node.pid}/root)`
        : "the data dir's tmpfs is inside a container whose host pid is unknown (a remote engine), so faultline cannot reach it to fill it",
      hint: 'run the tests as root on the Docker host, or use disk: { size: "64m" } (root: a host tmpfs bind-mounted into the container)',
      cluster: c.cluster,
      node: node.name,
      option: "docker.tmpfs",
    });
  }
  // Checked, not assumed: writing until ENOSPC anywhere else would fill a real disk. Docker mounts
  // the tmpfs at the path as given; a host tmpfs is mounted at the real path.
  const pid = ns.argv.length ? node.pid! : "self";
  const type = mountAt(realpathSync(node.dataDir), pid) ?? mountAt(node.dataDir, pid);
  if (type !== "tmpfs")
    throw unsupported(
      `the data dir ${node.dataDir} is not a tmpfs mount of its own (${type === undefined ? "no mount there" : `it is ${type}`}), so faultline will not fill it`,
    );
  const ballast = join(`${ns.root}${node.dataDir}`, BALLAST);
  const fd = openSync(ballast, "w");
  const chunk = Buffer.alloc(1 << 20);
  try {
    for (let size = chunk.length; size >= 1;) {
      try {
        writeSync(fd, chunk, 0, size);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
        size = Math.floor(size / 2);
      }
    }
  } finally {
    closeSync(fd);
  }
  const undo = async (): Promise<void> => {
    rmSync(ballast, { force: true });
    // The node's namespace is gone with it; the tmpfs is the same one seen from here.
    rmSync(join(node.dataDir, BALLAST), { force: true });
  };
  // Said, not hidden: Docker's tmpfs goes with the container, so a restarted node starts on an empty one.
  const detail = inContainer ? " (the container's tmpfs: a restart of the node gives it a new, empty one)" : "";
  return { mechanism: inContainer ? "tmpfs ballast (container)" : "tmpfs ballast", detail, undo };
}

/**
 * Read-only and full data dirs of nodes on this machine: mounts made in each node's own mount
 * namespace (nsenter into a netns node or a local container), ballast on a size-limited tmpfs.
 */
export function hostDisk(setup: DiskSetup): DiskControl {
  return {
    readonly: (node) => readonly(setup, node),
    fill: async (node) => fill(setup, node),
  };
}
