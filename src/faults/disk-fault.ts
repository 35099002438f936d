import { spawnSync } from "node:child_process";
import {
  chmodSync,
  closeSync,
  copyFileSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { dirname, isAbsolute, join, relative, sep } from "node:path";
import { FaultlineError, describeValue } from "../common/errors";
import type { FaultlineCluster } from "../cluster/faultline-cluster";
import type { Node } from "../cluster/types";
import { DATA_DIR_TOKEN } from "../provisioners/docker/container-spec";
import { currentRun } from "../reaper/run-context";
import { activeFault } from "../cluster/active-fault";
import type { Fault } from "../cluster/fault";
import { describeTargets, requireCluster, resolveTargets, type NodeSelector } from "./targets";

export interface DiskOptions {
  node?: NodeSelector;
  /**
   * "readonly": the data dir becomes read-only. As root: when the data dir is a mount of its own
   * (`disk: { size }`, Docker) that mount is flipped read-only, which reaches every path into it;
   * otherwise a read-only bind mount covers it — files the node already holds open, and paths
   * relative to a working directory inside the data dir, stay writable (the fault's description
   * says so). Without root: the write permission bits are removed (EACCES rather than EROFS).
   * "full": the data dir's filesystem fills up. Needs the cluster's `disk: { size }` tmpfs, or on
   * docker a `docker: { tmpfs: { "{dataDir}": "size=…" } }` one (filled from the host through
   * `/proc/<pid>/root`, so root on the Docker host; a restarted node gets a fresh, empty tmpfs).
   * "corrupt": bits flipped in (or the tail cut off) a data file while the node is stopped.
   */
  mode: "readonly" | "full" | "corrupt";
  /** For "corrupt": the file, relative to the data dir. Default: the largest file. */
  path?: string;
  /** For "corrupt": how many distinct bits to flip. Default 8. */
  bits?: number;
  /** For "corrupt": cut this many bytes off the end instead of flipping bits. */
  truncate?: number;
}

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

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? files(path) : entry.isFile() ? [path] : [];
  });
}

interface Undo {
  undo: () => Promise<void>;
  mechanism: string;
  detail?: string;
}

async function readonly(c: FaultlineCluster, node: Node): Promise<Undo> {
  if (!isRoot()) return withoutWriteBits(c, node);
  const ns = namespaceOf(node);
  const dir = realpathSync(node.dataDir); // mountinfo and /proc/<pid>/cwd show real paths
  const registry = currentRun().registry;
  const label = `${c.name}/${node.name} read-only data dir`;
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
        run(back, c.name, node.name);
        unregister();
      };
      return { mechanism: "read-only remount", undo };
    }
    unregister();
  }
  const unmount = [...ns.argv, "umount", "-l", dir];
  const unregister = registry.add({ kind: "command", argv: unmount, label });
  try {
    run([...ns.argv, "mount", "--bind", dir, dir], c.name, node.name);
  } catch (error) {
    unregister();
    throw error;
  }
  try {
    run([...ns.argv, "mount", "-o", "remount,bind,ro", dir], c.name, node.name);
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
      run(unmount, c.name, node.name);
      unregister();
    },
  };
}

/** Without root: remove the write bits, and later put back exactly the modes there were. */
function withoutWriteBits(c: FaultlineCluster, node: Node): Undo {
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
              cluster: c.name,
              node: node.name,
            });
        }
      }
    },
  };
}

/** Whether the cluster's containers get a tmpfs over their data dir (`docker: { tmpfs: { "{dataDir}": "size=16m" } }`). */
function dockerDataDirTmpfs(c: FaultlineCluster, node: Node): boolean {
  if (c.provisioner !== "docker") return false;
  return Object.keys(c.spec.docker?.tmpfs ?? {}).some((target) => target === DATA_DIR_TOKEN || target === node.dataDir);
}

function fill(c: FaultlineCluster, node: Node): Undo {
  const onDocker = c.provisioner === "docker";
  const unsupported = (message: string): FaultlineError =>
    new FaultlineError({
      code: "FAULTLINE_FAULT_UNSUPPORTED",
      message,
      hint: onDocker
        ? 'add docker: { tmpfs: { "{dataDir}": "size=64m" } } to the cluster (each container\'s data dir becomes a tmpfs of that size), or disk: { size: "64m" } (root: a host tmpfs) — faultline never fills a real disk'
        : 'add disk: { size: "64m" } to the cluster (root: each data dir becomes a tmpfs of that size) — faultline never fills a real disk',
      cluster: c.name,
      node: node.name,
      option: onDocker ? "docker.tmpfs" : "disk.size",
    });
  const inContainer = !c.spec.disk?.size && dockerDataDirTmpfs(c, node);
  if (!c.spec.disk?.size && !inContainer)
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
      cluster: c.name,
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

async function corrupt(c: FaultlineCluster, node: Node, options: DiskOptions, random: () => number): Promise<Undo> {
  const wasRunning = node.state === "running" || node.state === "paused";
  await node.stop();
  const candidates = files(node.dataDir).filter((f) => !f.endsWith(BALLAST) && statSync(f).size > 0);
  const file = options.path ? join(node.dataDir, options.path) : candidates.sort((a, b) => statSync(b).size - statSync(a).size)[0];
  if (!file || !candidates.includes(file)) {
    throw new FaultlineError({
      code: "FAULTLINE_FAULT_FAILED",
      message: `no file to corrupt${options.path ? ` at ${options.path}` : ""} in ${node.dataDir}`,
      hint: "name an existing, non-empty file with path (relative to the data dir)",
      cluster: c.name,
      node: node.name,
      option: "disk.path",
    });
  }
  const name = relative(node.dataDir, file);
  // The backup lives outside the data dir: a node that lists its files must not meet ours.
  const backup = join(c.dir, `${node.name}.faultline-originals`, name);
  mkdirSync(dirname(backup), { recursive: true });
  copyFileSync(file, backup);
  const data = readFileSync(file);
  if (options.truncate !== undefined) {
    writeFileSync(file, data.subarray(0, Math.max(0, data.length - options.truncate)));
  } else {
    // Distinct bits: flipping one twice would put it back, and fewer bits would change than asked.
    const flipped = new Set<number>();
    const wanted = Math.min(options.bits ?? 8, data.length * 8);
    while (flipped.size < wanted) flipped.add(Math.floor(random() * data.length * 8));
    for (const bit of flipped) data[bit >> 3] ^= 1 << (bit & 7);
    writeFileSync(file, data);
  }
  return {
    mechanism: "file rewrite",
    detail: ` (${options.truncate !== undefined ? `cut ${options.truncate} bytes off` : `${options.bits ?? 8} bits flipped in`} ${name})`,
    undo: async () => {
      await node.stop();
      mkdirSync(dirname(file), { recursive: true }); // the node may have removed what it found corrupt
      copyFileSync(backup, file);
      rmSync(backup, { force: true });
      // Back as it was: a node that ran before the fault runs again on the original bytes.
      if (wasRunning) await node.start();
    },
  };
}

function validate(options: DiskOptions): void {
  const invalid = (option: string, expected: string, value: unknown): FaultlineError =>
    new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `disk.${option} must be ${expected}, received ${describeValue(value)}`,
      hint: 'e.g. faults.disk({ node: "n1", mode: "corrupt", bits: 8 })',
      option: `disk.${option}`,
    });
  if (!["readonly", "full", "corrupt"].includes(options?.mode)) throw invalid("mode", '"readonly", "full" or "corrupt"', options?.mode);
  if (options.bits !== undefined && (!Number.isInteger(options.bits) || options.bits < 1)) throw invalid("bits", "a whole number of at least 1", options.bits);
  if (options.truncate !== undefined && (!Number.isInteger(options.truncate) || options.truncate < 0))
    throw invalid("truncate", "a whole number of bytes", options.truncate);
  // The file is corrupted from the host, as root: a path out of the data dir would flip bits in any file.
  if (
    options.path !== undefined &&
    (typeof options.path !== "string" || options.path === "" || isAbsolute(options.path) || options.path.split(/[\\/]/).includes(".."))
  )
    throw invalid("path", "a file path relative to the data dir, inside it", options.path);
}

/** Disk faults on a node's data dir. A corrupted node is left stopped — start it to see how it copes; heal puts the bytes back and restarts it if it was running. */
export function disk(options: DiskOptions): Fault {
  validate(options);
  return {
    kind: "disk",
    describe: () => `disk ${options.mode} on ${options.node ?? "random"}`,
    async apply(cluster, context) {
      const c = requireCluster(cluster, "disk") as FaultlineCluster;
      const nodes = await resolveTargets(c, options.node, context.random, "disk");
      const applied: Undo[] = [];
      try {
        for (const node of nodes) {
          if (options.mode === "readonly") applied.push(await readonly(c, node));
          else if (options.mode === "full") applied.push(fill(c, node));
          else applied.push(await corrupt(c, node, options, context.random));
        }
      } catch (error) {
        // Undo what the earlier targets got, so a failed apply leaves nothing behind.
        for (const done of [...applied].reverse()) await done.undo().catch(() => undefined);
        throw error;
      }
      return activeFault({
        id: context.id,
        kind: "disk",
        description: `disk ${options.mode} on ${describeTargets(options.node, nodes)}${applied.map((a) => a.detail ?? "").join("")}`,
        targets: nodes.map((n) => n.name),
        mechanism: [...new Set(applied.map((a) => a.mechanism))].join(", "),
        undo: async () => {
          // Every target gets its undo even if one fails; the first failure is the one reported.
          const results = [];
          for (const done of [...applied].reverse())
            results.push(
              await done.undo().then(
                () => undefined,
                (error: unknown) => ({ error }),
              ),
            );
          const failed = results.find((r) => r !== undefined);
          if (failed) throw failed.error;
        },
      });
    },
  };
}
