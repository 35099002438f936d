import { readFileSync } from "node:fs";
import { which } from "../common/which";
import type { Capability } from "../cluster/controls";
import type { ProvisionerKind } from "../cluster/types";
import { hostGaps, probeFacts } from "../provisioners/ssh/host-survey";
import type { SshOptions } from "../cluster/ssh-options";
import { eachHost, sshFlags } from "./ssh-hosts-flags";
import { CAPABILITIES, CAPABILITY_LABELS, describeEntry, isSupported } from "../provisioners/capabilities";
import { faketimeLibrary } from "../provisioners/host/faketime-clock";

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

function isPrivileged(): boolean {
  if (process.getuid?.() === 0) return true;
  try {
    const capEff = /CapEff:\s*([0-9a-f]+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
    return capEff !== undefined && (BigInt(`0x${capEff}`) & (1n << 12n)) !== 0n;
  } catch {
    return false;
  }
}

async function dockerCheck(): Promise<Check> {
  try {
    const Docker = require("dockerode") as typeof import("dockerode");
    const info = await Promise.race([
      new Docker().version(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no answer within 3s")), 3000).unref()),
    ]);
    return { name: "docker", ok: true, detail: `engine ${info.Version} at ${process.env.DOCKER_HOST ?? "/var/run/docker.sock"}` };
  } catch (error) {
    return { name: "docker", ok: false, detail: `no Docker engine answers (${(error as Error).message}): start dockerd or set DOCKER_HOST` };
  }
}

async function netnsCheck(): Promise<Check> {
  if (process.platform !== "linux") return { name: "netns", ok: false, detail: "needs Linux" };
  const missing = ["ip", "iptables"].filter((b) => !which(b));
  if (missing.length) return { name: "netns", ok: false, detail: `missing ${missing.join(", ")}: apt-get install iproute2 iptables` };
  if (!isPrivileged()) return { name: "netns", ok: false, detail: "needs root or CAP_NET_ADMIN" };
  try {
    const { netnsAvailability } = require("../provisioners/netns-provisioner") as {
      netnsAvailability?: () =>
        Promise<{ ok: boolean; reason?: string; netem: boolean; tbf: boolean }> | { ok: boolean; reason?: string; netem: boolean; tbf: boolean };
    };
    if (netnsAvailability) {
      const a = await netnsAvailability();
      return {
        name: "netns",
        ok: a.ok,
        detail: a.ok
          ? `iptables partitions and loss; tbf ${a.tbf ? "yes" : "no"}; netem ${a.netem ? "yes" : "no (latency goes through the fault proxy)"}`
          : (a.reason ?? "unavailable"),
      };
    }
  } catch {
    // fall through to the plain answer
  }
  return { name: "netns", ok: true, detail: "root, ip and iptables present" };
}

/** `faultline doctor`: which provisioners and faults work on this machine, and why not. */
export async function runDoctor(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const ssh = sshFlags(argv, "doctor");
  const checks: Check[] = [
    { name: "process", ok: true, detail: "local processes on 127.0.0.1; partitions through per-link proxies for systems started with cluster.peerAddress()" },
    await netnsCheck(),
    await dockerCheck(),
    ssh
      ? { name: "ssh", ok: true, detail: `hosts of ${String(ssh.hosts)}: see each host below` }
      : { name: "ssh", ok: true, detail: "nodes on hosts reached over SSH; `faultline doctor --hosts <file>` checks each host" },
  ];
  const faketime = faketimeLibrary();
  const extras: Check[] = [
    { name: "clock", ok: faketime !== undefined, detail: faketime ? `libfaketime at ${faketime}` : "libfaketime missing: apt-get install libfaketime" },
    {
      name: "disk full",
      ok: isPrivileged(),
      detail: isPrivileged() ? "size-limited tmpfs data dirs (cluster option disk: { size })" : "needs root to mount a size-limited tmpfs",
    },
    {
      name: "resources",
      ok: which("prlimit") !== undefined,
      detail: which("prlimit") ? "prlimit lowers a running node's limits" : "prlimit missing: apt-get install util-linux",
    },
  ];
  out.write("faultline doctor\n\nProvisioners:\n");
  for (const c of checks) out.write(`  ${c.ok ? "✓" : "✗"} ${c.name.padEnd(10)} ${c.detail}\n`);
  out.write("\nFaults beyond the network and processes:\n");
  for (const c of extras) out.write(`  ${c.ok ? "✓" : "✗"} ${c.name.padEnd(10)} ${c.detail}\n`);
  out.write(
    "\nEvery provisioner: client-link toxics (latency, bandwidth, timeout, reset_peer, slicer, limit_data, slow_close, down) through the fault proxy.\n",
  );
  // The same table faults answer FAULTLINE_FAULT_UNSUPPORTED from (src/provisioners/capabilities.ts).
  for (const check of checks) {
    out.write(`\nFaults on ${check.name}${check.ok ? "" : " (not available here)"}:\n`);
    for (const cap of Object.keys(CAPABILITY_LABELS) as Capability[]) {
      const entry = CAPABILITIES[check.name as ProvisionerKind][cap];
      out.write(`  ${isSupported(entry) && check.ok ? "✓" : "✗"} ${CAPABILITY_LABELS[cap]}: ${describeEntry(entry)}\n`);
    }
  }
  if (ssh) return (await sshHostsReport(ssh, out)) ? 1 : 0;
  return 0;
}

/** Per host: whether it answers, and which faults it can take. Returns how many hosts failed. */
async function sshHostsReport(options: SshOptions, out: NodeJS.WritableStream): Promise<number> {
  out.write("\nSSH hosts:\n");
  return eachHost(
    options,
    async (connection, host) => {
      const facts = await probeFacts(connection);
      const gaps = hostGaps(facts);
      out.write(`  ${gaps.tracking ? "✗" : "✓"} ${host.label} (${facts.kernel ?? "?"}, uid ${facts.uid ?? "?"})${gaps.tracking ? `: ${gaps.tracking}` : ""}\n`);
      out.write("      ✓ kill / terminate / interrupt / restart, pause\n");
      for (const [label, gap] of [
        ["partition", gaps.partition],
        ["packet loss", gaps.loss],
        ["bandwidth", gaps.bandwidth],
        ["clock skew (clock: true)", facts.faketime ? undefined : "no libfaketime (apt-get install libfaketime)"],
        ["disk readonly / full", facts.uid === "0" ? undefined : `mounts need root; the session runs as uid ${facts.uid ?? "?"}`],
        ["resource limits", gaps.limits],
      ] as const)
        out.write(`      ${gap ? "✗" : "✓"} ${label}${gap ? `: ${gap}` : ""}\n`);
    },
    (host, error) => out.write(`  ✗ ${host.label}: ${error.message.split("\n")[0]}\n`),
  );
}
