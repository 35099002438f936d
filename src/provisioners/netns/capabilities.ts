import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { FaultlineError } from "../../common/errors";
import { installHint, which } from "../../common/which";
import type { Tools } from "./ip-commands";

/** Capability bits (linux/capability.h). */
const CAP_NET_ADMIN = 12n;
const CAP_SYS_ADMIN = 21n;

/** Binaries the backend cannot work without, and the `Tools` field each fills. */
const REQUIRED = [
  ["ip", "ip"],
  ["iptables", "iptables"],
  ["iptables-restore", "iptablesRestore"],
] as const;

/** The effective capability set of this process, or undefined where /proc says nothing. */
export function effectiveCapabilities(status = safeRead("/proc/self/status")): bigint | undefined {
  const match = status && /^CapEff:\s*([0-9a-f]+)$/im.exec(status);
  return match ? BigInt(`0x${match[1]}`) : undefined;
}

function safeRead(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

function privilegeProblem(): string | undefined {
  const caps = effectiveCapabilities();
  const has = (bit: bigint): boolean => (caps === undefined ? process.getuid?.() === 0 : ((caps >> bit) & 1n) === 1n);
  // Root in a container may lack either capability: the effective set decides, not the uid.
  const missing = [has(CAP_NET_ADMIN) ? undefined : "CAP_NET_ADMIN", has(CAP_SYS_ADMIN) ? undefined : "CAP_SYS_ADMIN"].filter(Boolean);
  if (missing.length === 0) return undefined;
  return `this process lacks ${missing.join(" and ")} (uid ${process.getuid?.() ?? "?"}): creating namespaces, bridges and firewall rules needs root or those capabilities`;
}

interface Problem {
  code: "FAULTLINE_REQUIREMENT_MISSING" | "FAULTLINE_PERMISSION";
  message: string;
  hint: string;
}

/** Resolves the tools, or says the first thing missing and how to get it. */
function inspect(): { tools: Tools } | { problem: Problem } {
  if (process.platform !== "linux" || !existsSync("/proc/self/ns/net")) {
    return {
      problem: {
        code: "FAULTLINE_REQUIREMENT_MISSING",
        message: `provisioner "netns" needs Linux network namespaces; this is ${process.platform}`,
        hint: 'use provisioner: "process" (any OS) or "docker"',
      },
    };
  }
  const privilege = privilegeProblem();
  if (privilege) {
    return {
      problem: {
        code: "FAULTLINE_PERMISSION",
        message: `provisioner "netns": ${privilege}`,
        hint: 'run Jest as root (e.g. sudo -E npx jest), or grant the capabilities (setcap cap_net_admin,cap_sys_admin+ep on node), or use provisioner: "process"',
      },
    };
  }
  const tools: Partial<Tools> = {};
  for (const [binary, field] of REQUIRED) {
    const path = which(binary, searchPath());
    if (!path) {
      return {
        problem: {
          code: "FAULTLINE_REQUIREMENT_MISSING",
          message: `provisioner "netns" needs "${binary}", which is not on PATH or in /usr/sbin and /sbin`,
          hint: installHint(binary),
        },
      };
    }
    tools[field] = path;
  }
  tools.nsenter = which("nsenter", searchPath());
  tools.tc = which("tc", searchPath());
  return { tools: tools as Tools };
}

/**
 * Checks what `provisioner: "netns"` needs and returns the resolved tools, or throws an error
 * naming the first thing missing and how to get it.
 */
export function checkRequirements(cluster?: string): Tools {
  const result = inspect();
  if ("problem" in result) throw new FaultlineError({ ...result.problem, cluster, option: "provisioner" });
  return result.tools;
}

/** The one-line reason the netns backend cannot run here (with what to do), or undefined when it can. */
export function netnsProblem(): string | undefined {
  const result = inspect();
  return "problem" in result ? `${result.problem.message}; ${result.problem.hint}` : undefined;
}

/** PATH plus the sbin directories, which a non-login root shell often lacks. */
function searchPath(): string {
  return [process.env.PATH ?? "", "/usr/sbin", "/sbin", "/usr/bin", "/bin"].join(":");
}

/** What the kernel offers for network faults inside a namespace. */
export interface NetnsCapabilities {
  /** `tc` netem (latency, jitter, loss, reordering). Without it, latency faults use the fault proxy. */
  netem: boolean;
  /** `tc` tbf: bandwidth limits. */
  tbf: boolean;
  /** `tc` htb. */
  htb: boolean;
  /** iptables `-m statistic`: random packet loss. */
  statistic: boolean;
}

let cachedCapabilities: NetnsCapabilities | undefined;

/**
 * Probes the kernel once per process, each probe in a throwaway network namespace
 * (`unshare --net`) that vanishes with the probe, so nothing is ever left to clean up.
 * All false when the process cannot create namespaces.
 */
export function capabilities(): NetnsCapabilities {
  if (cachedCapabilities) return cachedCapabilities;
  const unshare = which("unshare", searchPath());
  const tc = which("tc", searchPath());
  const iptables = which("iptables", searchPath());
  const canProbe = unshare !== undefined && privilegeProblem() === undefined && process.platform === "linux";
  const probe = (argv: Array<string | undefined>): boolean => {
    if (!canProbe || argv.some((a) => a === undefined)) return false;
    const result = spawnSync(unshare, ["--net", ...(argv as string[])], { stdio: "ignore", timeout: 5_000 });
    return result.status === 0;
  };
  cachedCapabilities = {
    netem: probe([tc, "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms"]),
    tbf: probe([tc, "qdisc", "add", "dev", "lo", "root", "tbf", "rate", "1mbit", "burst", "32kbit", "latency", "50ms"]),
    htb: probe([tc, "qdisc", "add", "dev", "lo", "root", "htb", "default", "1"]),
    statistic: probe([iptables, "-w", "-A", "INPUT", "-m", "statistic", "--mode", "random", "--probability", "0.5", "-j", "DROP"]),
  };
  return cachedCapabilities;
}

export interface NetnsAvailability {
  ok: boolean;
  /** Why the backend cannot run here (one line), when `ok` is false. */
  reason?: string;
  netem: boolean;
  tbf: boolean;
  htb: boolean;
  statistic: boolean;
}

/** For `faultline doctor`: can `provisioner: "netns"` run here, and which kernel faults it has. */
export function netnsAvailability(): NetnsAvailability {
  const reason = netnsProblem();
  if (reason) return { ok: false, reason, netem: false, tbf: false, htb: false, statistic: false };
  return { ok: true, ...capabilities() };
}
