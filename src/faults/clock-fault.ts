import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FaultlineError } from "../common/errors";
import { toMs, type Duration } from "../common/duration";
import type { FaultlineCluster } from "../cluster/faultline-cluster";
import { which } from "../provisioners/which";
import { activeFault } from "./active-fault";
import type { Fault } from "./fault";
import { describeTargets, requireCluster, resolveTargets, type NodeSelector } from "./targets";

const LIBRARIES = ["/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1", "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1", "/usr/lib/faketime/libfaketime.so.1"];

/** Where libfaketime is installed, if it is. */
export function faketimeLibrary(): string | undefined {
  return [process.env.FAULTLINE_FAKETIME_LIB, ...LIBRARIES].find((p): p is string => !!p && existsSync(p));
}

/** The file through which a node's clock offset is changed at run time. */
export function clockFile(clusterDir: string, node: string): string {
  return join(clusterDir, `${node}.faketime`);
}

/**
 * Environment for a node of a cluster declared with `clock: true`: libfaketime preloaded,
 * reading its offset from a file on every call (no cache), wall clock only — monotonic clocks
 * stay real so timeouts inside the node keep working.
 */
export function clockEnv(clusterDir: string, node: string, cluster: string): Record<string, string> {
  const library = faketimeLibrary();
  if (!library) {
    throw new FaultlineError({ code: "FAULTLINE_REQUIREMENT_MISSING", message: "the cluster declares clock: true, and libfaketime is not installed", hint: "apt-get install libfaketime (or set FAULTLINE_FAKETIME_LIB to the library's path)", cluster, node, option: "clock" });
  }
  const file = clockFile(clusterDir, node);
  if (!existsSync(file)) writeFileSync(file, "+0");
  return { LD_PRELOAD: library, FAKETIME_TIMESTAMP_FILE: file, FAKETIME_NO_CACHE: "1", FAKETIME_DONT_FAKE_MONOTONIC: "1" };
}

/** Why libfaketime cannot move this binary's clock, if it cannot: static binaries and Go programs read time without libc. */
export function clockBlocker(binary: string): string | undefined {
  const path = which(binary);
  if (!path) return undefined;
  let head: Buffer;
  try {
    head = readFileSync(path);
  } catch {
    return undefined;
  }
  if (head.subarray(0, 4).toString("latin1") !== "\x7fELF") return undefined; // a script: its interpreter decides
  if (head.includes("Go build ID") || head.includes(".go.buildinfo")) return `${path} is a Go program, which reads the clock through the vDSO without libc`;
  if (!head.includes("/ld-linux")) return `${path} is statically linked`;
  return undefined;
}

export interface ClockOptions {
  node?: NodeSelector;
  /** How far to move the wall clock, e.g. "-10m" or "90s"; default "0s". */
  offset?: string | number;
  /** Clock speed, e.g. 2 for twice as fast. Default 1. */
  rate?: number;
}

function offsetSeconds(offset: string | number | undefined, cluster: string): number {
  if (offset === undefined) return 0;
  if (typeof offset === "number") return offset / 1000;
  const negative = offset.trim().startsWith("-");
  return ((negative ? -1 : 1) * toMs(offset.trim().replace(/^[-+]/, "") as Duration, { option: "clock.offset", cluster })) / 1000;
}

/** Moves a node's wall clock (libfaketime); heal puts it back. */
export function clock(options: ClockOptions): Fault {
  return {
    kind: "clock",
    describe: () => `clock ${options.offset ?? "+0"}${options.rate ? ` ×${options.rate}` : ""} on ${options.node ?? "random"}`,
    async apply(cluster, context) {
      const c = requireCluster(cluster, "clock") as FaultlineCluster;
      if (!c.spec.clock || c.provisioner === "docker") {
        throw new FaultlineError({
          code: "FAULTLINE_FAULT_UNSUPPORTED",
          message: c.provisioner === "docker" ? 'clock faults on provisioner "docker" need libfaketime inside the image' : "clock faults need the cluster to preload libfaketime, and this cluster does not declare clock: true",
          hint: c.provisioner === "docker" ? "use provisioner \"process\" or \"netns\" for clock faults" : "add clock: true to its defineCluster spec (needs Debian's libfaketime)",
          cluster: c.name,
          option: "clock",
        });
      }
      const binary = c.spec.command({ node: c.nodes[0]!, cluster: c })[0]!;
      const blocker = clockBlocker(binary);
      if (blocker) {
        throw new FaultlineError({ code: "FAULTLINE_FAULT_UNSUPPORTED", message: `libfaketime cannot move this node's clock: ${blocker}`, hint: "clock faults work on dynamically linked programs that use libc's clock (C, C++, Node, Python, Java…)", cluster: c.name, option: "clock" });
      }
      const rate = options.rate ?? 1;
      if (!(rate > 0)) throw new FaultlineError({ code: "FAULTLINE_INVALID_OPTION", message: `clock.rate must be a positive number, received ${rate}`, cluster: c.name, option: "clock.rate" });
      const seconds = offsetSeconds(options.offset, c.name);
      const nodes = await resolveTargets(c, options.node, context.random, "clock");
      const spec = `${seconds >= 0 ? "+" : ""}${seconds}${rate !== 1 ? ` x${rate}` : ""}`;
      for (const node of nodes) writeFileSync(clockFile(c.dir, node.name), spec);
      return activeFault({
        id: context.id, kind: "clock", description: `clock ${spec} on ${describeTargets(options.node, nodes)}`,
        targets: nodes.map((n) => n.name), mechanism: "libfaketime",
        undo: async () => {
          for (const node of nodes) writeFileSync(clockFile(c.dir, node.name), "+0");
        },
      });
    },
  };
}
