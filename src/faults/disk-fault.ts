import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative } from "node:path";
import { FaultlineError, describeValue } from "../common/errors";
import type { Node } from "../cluster/types";
import { activeFault } from "../cluster/active-fault";
import type { Applied } from "../cluster/controls";
import type { Fault, FaultTarget } from "../cluster/fault";
import { describeTargets, requireCluster, resolveTargets, unsupported, type NodeSelector } from "./targets";

export interface DiskOptions {
  node?: NodeSelector;
  /**
   * "readonly": the data dir becomes read-only. "full": the data dir's filesystem fills up (only
   * a size-limited one the cluster declares: faultline never fills a real disk). How, and with
   * which limits, is the backend's disk control's business (README's provisioner table); the
   * fault's description says where a mechanism leaves a path writable.
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

/** Files faultline puts in a data dir (a full disk's ballast) are never the ones corrupted. */
const OURS = ".faultline-";
function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? files(path) : entry.isFile() ? [path] : [];
  });
}

async function corrupt(c: FaultTarget, node: Node, options: DiskOptions, random: () => number): Promise<Applied> {
  if (!existsSync(node.dataDir)) {
    throw new FaultlineError({
      code: "FAULTLINE_FAULT_UNSUPPORTED",
      message: `corrupting a file needs the node's data dir on this machine, and ${node.dataDir} is not here (a node on another host, provisioner "ssh")`,
      hint: 'use provisioner "process", "netns" or "docker" for disk corruption',
      cluster: c.name,
      node: node.name,
    });
  }
  const wasRunning = node.state === "running" || node.state === "paused";
  await node.stop();
  const candidates = files(node.dataDir).filter((f) => !basename(f).startsWith(OURS) && statSync(f).size > 0);
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
    async apply(on, context) {
      const c = requireCluster(on, "disk");
      const control = c.controls.disk;
      if (!control && options.mode !== "corrupt") throw unsupported(c, "disk", "disk");
      const nodes = await resolveTargets(c, options.node, context.random, "disk");
      const applied: Applied[] = [];
      try {
        for (const node of nodes) {
          if (options.mode === "readonly") applied.push(await control!.readonly(node));
          else if (options.mode === "full") applied.push(await control!.fill(node));
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
