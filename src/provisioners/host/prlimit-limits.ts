import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { FaultlineError } from "../../common/errors";
import { installHint, which } from "../../common/which";
import { isSameProcessAlive, processStartTime } from "../../reaper/process-identity";
import type { Applied, LimitName, LimitsControl } from "../../cluster/controls";
import type { Node } from "../../cluster/node-types";

function prlimit(args: string[], cluster: string, node: string): string {
  const result = spawnSync("prlimit", args, { encoding: "utf8" });
  if (result.status !== 0) {
    throw new FaultlineError({
      code: "FAULTLINE_FAULT_FAILED",
      message: `prlimit ${args.join(" ")} failed: ${(result.stderr || result.error?.message || "").trim()}`,
      hint: "a process's limits can be changed by its own user or by root",
      cluster,
      node,
    });
  }
  return result.stdout;
}

/** The real uid a process runs as (/proc/<pid>/status), if readable. */
function uidOf(pid: number): number | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8")
      .split("\n")
      .find((l) => l.startsWith("Uid:"));
    return line ? Number(line.split(/\s+/)[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Lowers the soft limits of nodes' processes on this machine with prlimit (host pids: process,
 * netns, and containers of a local engine). Heal restores what each process had; a process that
 * exited meanwhile took its limits with it.
 */
export function hostLimits(cluster: string): LimitsControl {
  return {
    async lower(nodes: readonly Node[], wanted: Partial<Record<LimitName, number>>): Promise<Applied> {
      if (!which("prlimit"))
        throw new FaultlineError({ code: "FAULTLINE_REQUIREMENT_MISSING", message: "resource faults need prlimit", hint: installHint("prlimit"), cluster });
      const limits = Object.entries(wanted).filter((e): e is [LimitName, number] => e[1] !== undefined);
      const restore: Array<{ pid: number; start?: string; name: string; soft: string; node: string }> = [];
      const undo = async (): Promise<void> => {
        let first: unknown;
        for (const entry of [...restore].reverse()) {
          // A process that exited took its limits with it; a reused pid is someone else's.
          if (!isSameProcessAlive(entry.pid, entry.start)) continue;
          try {
            prlimit(["--pid", String(entry.pid), `--${entry.name}=${entry.soft}:`], cluster, entry.node);
          } catch (error) {
            if (isSameProcessAlive(entry.pid, entry.start)) first ??= error;
          }
        }
        if (first) throw first;
      };
      try {
        for (const node of nodes) {
          if (!node.pid)
            throw new FaultlineError({
              code: "FAULTLINE_NODE_STATE",
              message: "the node has no process to limit",
              hint: "start it first",
              cluster: cluster,
              node: node.name,
            });
          if (wanted.nproc !== undefined && uidOf(node.pid) === 0) {
            throw new FaultlineError({
              code: "FAULTLINE_FAULT_UNSUPPORTED",
              message: "nproc limits are not enforced for processes running as root, and this node runs as root",
              hint: "run the node as another user, or limit nofile instead",
              cluster: cluster,
              node: node.name,
              option: "resources.nproc",
            });
          }
          const start = processStartTime(node.pid);
          for (const [name, value] of limits) {
            const [soft] = prlimit(["--pid", String(node.pid), `--${name}`, "--raw", "--noheadings", "--output", "SOFT"], cluster, node.name)
              .trim()
              .split(/\s+/);
            prlimit(["--pid", String(node.pid), `--${name}=${value}:`], cluster, node.name);
            restore.push({ pid: node.pid, start, name, soft: soft!, node: node.name });
          }
        }
      } catch (error) {
        await undo().catch(() => undefined);
        throw error;
      }
      return { undo, mechanism: "prlimit (soft limit)" };
    },
  };
}
