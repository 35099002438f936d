import { spawnSync } from "node:child_process";
import { FaultlineError } from "../common/errors";
import { installHint, which } from "../provisioners/which";
import { activeFault } from "./active-fault";
import type { Fault } from "./fault";
import { describeTargets, requireCluster, resolveTargets, type NodeSelector } from "./targets";

export interface ResourcesOptions {
  node?: NodeSelector;
  /** Open file descriptors the node may hold (soft and hard limit). */
  nofile?: number;
  /** Processes/threads the node's user may run. */
  nproc?: number;
}

function prlimit(args: string[], cluster: string, node: string): string {
  const result = spawnSync("prlimit", args, { encoding: "utf8" });
  if (result.status !== 0) {
    throw new FaultlineError({ code: "FAULTLINE_FAULT_FAILED", message: `prlimit ${args.join(" ")} failed: ${(result.stderr || result.error?.message || "").trim()}`, hint: "lowering another process's limits needs root or CAP_SYS_RESOURCE", cluster, node });
  }
  return result.stdout;
}

/** Lowers a running node's resource limits (prlimit); heal restores what it had. */
export function resources(options: ResourcesOptions): Fault {
  return {
    kind: "resources",
    describe: () => `resources ${JSON.stringify(options)}`,
    async apply(cluster, context) {
      const c = requireCluster(cluster, "resources");
      if (!which("prlimit")) throw new FaultlineError({ code: "FAULTLINE_REQUIREMENT_MISSING", message: "resource faults need prlimit", hint: installHint("prlimit"), cluster: c.name });
      const limits = Object.entries({ nofile: options.nofile, nproc: options.nproc }).filter((e): e is [string, number] => e[1] !== undefined);
      if (limits.length === 0 || limits.some(([, v]) => !Number.isInteger(v) || v < 1)) {
        throw new FaultlineError({ code: "FAULTLINE_INVALID_OPTION", message: `resources needs nofile and/or nproc as positive whole numbers, received ${JSON.stringify(options)}`, hint: "e.g. { node: \"n1\", nofile: 64 }", cluster: c.name, option: "resources" });
      }
      const nodes = await resolveTargets(c, options.node, context.random, "resources");
      const restore: Array<[number, string, string]> = [];
      for (const node of nodes) {
        if (!node.pid) throw new FaultlineError({ code: "FAULTLINE_NODE_STATE", message: "the node has no process to limit", cluster: c.name, node: node.name });
        for (const [name, value] of limits) {
          const [soft, hard] = prlimit(["--pid", String(node.pid), `--${name}`, "--raw", "--noheadings", "--output", "SOFT,HARD"], c.name, node.name).trim().split(/\s+/);
          restore.push([node.pid, name, `${soft}:${hard}`]);
          prlimit(["--pid", String(node.pid), `--${name}=${value}:${value}`], c.name, node.name);
        }
      }
      return activeFault({
        id: context.id, kind: "resources", description: `${limits.map(([k, v]) => `${k}=${v}`).join(" ")} on ${describeTargets(options.node, nodes)}`,
        targets: nodes.map((n) => n.name), mechanism: "prlimit",
        undo: async () => {
          for (const [pid, name, value] of restore.reverse()) {
            spawnSync("prlimit", ["--pid", String(pid), `--${name}=${value}`]);
          }
        },
      });
    },
  };
}
