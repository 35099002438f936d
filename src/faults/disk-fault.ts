import { spawnSync } from "node:child_process";
import { closeSync, copyFileSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join, relative } from "node:path";
import { FaultlineError } from "../common/errors";
import type { FaultlineCluster } from "../cluster/faultline-cluster";
import type { Node } from "../cluster/types";
import { currentRun } from "../reaper/run-context";
import { activeFault } from "./active-fault";
import type { Fault } from "./fault";
import { describeTargets, requireCluster, resolveTargets, type NodeSelector } from "./targets";

export interface DiskOptions {
  node?: NodeSelector;
  /**
   * "readonly": the data dir becomes read-only (a read-only bind mount as root — files the node
   * already holds open stay writable, as on a real remount; chmod otherwise).
   * "full": the data dir's filesystem fills up (needs the cluster's `disk: { size }` tmpfs).
   * "corrupt": bits flipped in (or the tail cut off) a data file while the node is stopped.
   */
  mode: "readonly" | "full" | "corrupt";
  /** For "corrupt": the file, relative to the data dir. Default: the largest file. */
  path?: string;
  /** For "corrupt": how many bits to flip. Default 8. */
  bits?: number;
  /** For "corrupt": cut this many bytes off the end instead of flipping bits. */
  truncate?: number;
}

const isRoot = (): boolean => process.getuid?.() === 0;

function run(argv: string[], cluster: string, node: string): void {
  const result = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8" });
  if (result.status !== 0) {
    throw new FaultlineError({ code: "FAULTLINE_FAULT_FAILED", message: `${argv.join(" ")} failed: ${(result.stderr || result.error?.message || "").trim()}`, cluster, node });
  }
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? files(path) : entry.isFile() ? [path] : [];
  });
}

async function readonly(c: FaultlineCluster, node: Node): Promise<() => Promise<void>> {
  if (isRoot()) {
    run(["mount", "--bind", node.dataDir, node.dataDir], c.name, node.name);
    const unregister = currentRun().registry.add({ kind: "command", argv: ["umount", "-l", node.dataDir], label: `${c.name}/${node.name} read-only mount` });
    run(["mount", "-o", "remount,bind,ro", node.dataDir], c.name, node.name);
    return async () => {
      run(["umount", "-l", node.dataDir], c.name, node.name);
      unregister();
    };
  }
  run(["chmod", "-R", "a-w", node.dataDir], c.name, node.name);
  return async () => run(["chmod", "-R", "u+w", node.dataDir], c.name, node.name);
}

function fill(c: FaultlineCluster, node: Node): () => Promise<void> {
  if (!c.spec.disk?.size) {
    throw new FaultlineError({
      code: "FAULTLINE_FAULT_UNSUPPORTED",
      message: "a full disk needs the data dirs on a size-limited filesystem, and this cluster does not declare one",
      hint: 'add disk: { size: "64m" } to the cluster (root: each data dir becomes a tmpfs of that size) — faultline never fills a real disk',
      cluster: c.name,
      node: node.name,
      option: "disk.size",
    });
  }
  const ballast = join(node.dataDir, ".faultline-ballast");
  const fd = openSync(ballast, "w");
  const chunk = Buffer.alloc(1 << 20);
  try {
    for (let size = chunk.length; size >= 1; ) {
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
  return async () => rmSync(ballast, { force: true });
}

async function corrupt(c: FaultlineCluster, node: Node, options: DiskOptions, random: () => number): Promise<{ undo: () => Promise<void>; file: string }> {
  await node.stop();
  const candidates = files(node.dataDir).filter((f) => !f.endsWith(".faultline-backup") && statSync(f).size > 0);
  const file = options.path ? join(node.dataDir, options.path) : candidates.sort((a, b) => statSync(b).size - statSync(a).size)[0];
  if (!file || !candidates.includes(file)) {
    throw new FaultlineError({ code: "FAULTLINE_FAULT_FAILED", message: `no file to corrupt${options.path ? ` at ${options.path}` : ""} in ${node.dataDir}`, hint: "name an existing, non-empty file with path (relative to the data dir)", cluster: c.name, node: node.name, option: "disk.path" });
  }
  const backup = `${file}.faultline-backup`;
  copyFileSync(file, backup);
  const data = readFileSync(file);
  if (options.truncate !== undefined) {
    writeFileSync(file, data.subarray(0, Math.max(0, data.length - options.truncate)));
  } else {
    for (let i = 0; i < (options.bits ?? 8); i++) {
      const bit = Math.floor(random() * data.length * 8);
      data[bit >> 3] ^= 1 << (bit & 7);
    }
    writeFileSync(file, data);
  }
  return {
    file: relative(node.dataDir, file),
    undo: async () => {
      if (node.state === "running" || node.state === "paused") await node.stop();
      copyFileSync(backup, file);
      rmSync(backup, { force: true });
    },
  };
}

/** Disk faults on a node's data dir. A corrupted node is left stopped: start it to see how it copes. */
export function disk(options: DiskOptions): Fault {
  return {
    kind: "disk",
    describe: () => `disk ${options.mode} on ${options.node ?? "random"}`,
    async apply(cluster, context) {
      const c = requireCluster(cluster, "disk") as FaultlineCluster;
      if (!["readonly", "full", "corrupt"].includes(options.mode)) {
        throw new FaultlineError({ code: "FAULTLINE_INVALID_OPTION", message: `disk.mode must be "readonly", "full" or "corrupt", received ${JSON.stringify(options.mode)}`, cluster: c.name, option: "disk.mode" });
      }
      const nodes = await resolveTargets(c, options.node, context.random, "disk");
      const undos: Array<() => Promise<void>> = [];
      let detail = "";
      for (const node of nodes) {
        if (options.mode === "readonly") undos.push(await readonly(c, node));
        else if (options.mode === "full") undos.push(fill(c, node));
        else {
          const done = await corrupt(c, node, options, context.random);
          detail = ` (${options.truncate !== undefined ? `cut ${options.truncate} bytes off` : `${options.bits ?? 8} bits flipped in`} ${done.file})`;
          undos.push(done.undo);
        }
      }
      return activeFault({
        id: context.id, kind: "disk", description: `disk ${options.mode} on ${describeTargets(options.node, nodes)}${detail}`,
        targets: nodes.map((n) => n.name), mechanism: options.mode === "readonly" ? (isRoot() ? "read-only bind mount" : "chmod") : options.mode === "full" ? "tmpfs ballast" : "file rewrite",
        undo: async () => {
          for (const undo of undos.reverse()) await undo();
        },
      });
    },
  };
}
