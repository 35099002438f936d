import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { FaultlineError } from "../common/errors";
import { installHint, which } from "../common/which";
import { isSameProcessAlive, processStartTime } from "../reaper/process-identity";
import { activeFault } from "../cluster/active-fault";
import type { Fault } from "../cluster/fault";
import { describeTargets, requireCluster, resolveTargets, type NodeSelector } from "./targets";

/**
 * Limits are lowered on the running process, soft limit only: that is the limit the kernel
 * enforces (EMFILE, EAGAIN), and lowering a hard limit cannot be undone without
 * CAP_SYS_RESOURCE — which plain users, and root in many containers, do not have.
 */
export interface ResourcesOptions {
  node?: NodeSelector;
  /** Open file descriptors the node may hold (its soft RLIMIT_NOFILE): the next open beyond fails with EMFILE. */
  nofile?: number;
  /** Processes/threads the node's user may run (soft RLIMIT_NPROC): the next fork or thread fails with EAGAIN. Not enforced for root. */
  nproc?: number;
}

function prlimit(args: string[], cluster: string, node: string): string {
  const result = spawnSync("prlimit", args, { encoding: "utf8" });
  if (result.status !== 0) {
    throw new FaultlineError({ code: "FAULTLINE_FAULT_FAILED", message: `prlimit ${args.join(" ")} failed: ${(result.stderr || result.error?.message || "").trim()}`, hint: "a process's limits can be changed by its own user or by root", cluster, node });
  }
  return result.stdout;
}

/** The real uid a process runs as (/proc/<pid>/status), if readable. */
function uidOf(pid: number): number | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("Uid:"));
    return line ? Number(line.split(/\s+/)[1]) : undefined;
  } catch {
    return undefined;
  }
}

function validate(options: ResourcesOptions): Array<[string, number]> {
  const limits = Object.entries({ nofile: options?.nofile, nproc: options?.nproc }).filter((e): e is [string, number] => e[1] !== undefined);
  if (limits.length === 0 || limits.some(([, v]) => !Number.isInteger(v) || v < 1)) {
    throw new FaultlineError({ code: "FAULTLINE_INVALID_OPTION", message: `resources needs nofile and/or nproc as positive whole numbers, received ${JSON.stringify(options)}`, hint: "e.g. { node: \"n1\", nofile: 64 }", option: "resources" });
  }
  return limits;
}

/** Lowers a running node's resource limits (prlimit); heal restores what it had. A node restarted meanwhile starts with its usual limits. */
export function resources(options: ResourcesOptions): Fault {
  const limits = validate(options); // here, so a typo fails when the test is declared
  return {
    kind: "resources",
    describe: () => `resources ${limits.map(([k, v]) => `${k}=${v}`).join(" ")} on ${options.node ?? "random"}`,
    async apply(cluster, context) {
      const c = requireCluster(cluster, "resources");
      if (!which("prlimit")) throw new FaultlineError({ code: "FAULTLINE_REQUIREMENT_MISSING", message: "resource faults need prlimit", hint: installHint("prlimit"), cluster: c.name });
      const nodes = await resolveTargets(c, options.node, context.random, "resources");
      const restore: Array<{ pid: number; start?: string; name: string; soft: string; node: string }> = [];
      const undo = async (): Promise<void> => {
        let first: unknown;
        for (const entry of [...restore].reverse()) {
          // A process that exited took its limits with it; a reused pid is someone else's.
          if (!isSameProcessAlive(entry.pid, entry.start)) continue;
          try {
            prlimit(["--pid", String(entry.pid), `--${entry.name}=${entry.soft}:`], c.name, entry.node);
          } catch (error) {
            if (isSameProcessAlive(entry.pid, entry.start)) first ??= error;
          }
        }
        if (first) throw first;
      };
      try {
        for (const node of nodes) {
          if (!node.pid) throw new FaultlineError({ code: "FAULTLINE_NODE_STATE", message: "the node has no process to limit", hint: "start it first", cluster: c.name, node: node.name });
          if (options.nproc !== undefined && uidOf(node.pid) === 0) {
            throw new FaultlineError({ code: "FAULTLINE_FAULT_UNSUPPORTED", message: "nproc limits are not enforced for processes running as root, and this node runs as root", hint: "run the node as another user, or limit nofile instead", cluster: c.name, node: node.name, option: "resources.nproc" });
          }
          const start = processStartTime(node.pid);
          for (const [name, value] of limits) {
            const [soft] = prlimit(["--pid", String(node.pid), `--${name}`, "--raw", "--noheadings", "--output", "SOFT"], c.name, node.name).trim().split(/\s+/);
            prlimit(["--pid", String(node.pid), `--${name}=${value}:`], c.name, node.name);
            restore.push({ pid: node.pid, start, name, soft: soft!, node: node.name });
          }
        }
      } catch (error) {
        await undo().catch(() => undefined);
        throw error;
      }
      return activeFault({
        id: context.id, kind: "resources", description: `${limits.map(([k, v]) => `${k}=${v}`).join(" ")} on ${describeTargets(options.node, nodes)}`,
        targets: nodes.map((n) => n.name), mechanism: "prlimit (soft limit)",
        undo,
      });
    },
  };
}
