import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { FaultlineError } from "../../common/errors";
import { isSameProcessAlive, processStartTime } from "../../reaper/process-identity";
import { lockReservations } from "../reservation-lock";
import { candidateSubnets, contains, formatCidr, nthAddress, type Ipv4Net } from "./ipv4";

/** The half of RFC 2544's 198.18.0.0/15 left to Docker (the netns provisioner uses 198.18.x). */
export const DEFAULT_SUBNET_POOL = "198.19.0.0/16";

interface Owner {
  pid: number;
  start?: string;
  label: string;
}

/** A subnet this process holds until `release()`. */
export interface SubnetReservation {
  subnet: Ipv4Net;
  cidr: string;
  /** The reservation file (the reaper removes it if this process dies holding it). */
  file: string;
  release(): void;
}

/**
 * Reserves subnets with one file per subnet under `dir` (shared by every run of this user on
 * the machine), so parallel Jest workers and concurrent runs never pick the same one. A
 * reservation whose owner died is taken over. Allocation holds a short lock so that taking over
 * a stale file cannot race with another worker doing the same.
 */
export class SubnetReservations {
  constructor(private readonly dir: string) {}

  /**
   * Reserves the first free subnet of `pool` that no local interface uses and that is not in
   * `skip` (subnets the engine refused, e.g. "Pool overlaps").
   */
  async reserve(pool: Ipv4Net, label: string, skip: ReadonlySet<string> = new Set()): Promise<SubnetReservation> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const unlock = await lockReservations(this.dir, "FAULTLINE_DOCKER");
    try {
      const local = localAddresses();
      for (const subnet of candidateSubnets(pool)) {
        const cidr = formatCidr(subnet);
        if (skip.has(cidr) || local.some((ip) => contains(subnet, ip))) continue;
        const file = join(this.dir, cidr.replace("/", "-"));
        if (!this.claim(file, label)) continue;
        return { subnet, cidr, file, release: () => releaseFile(file) };
      }
    } finally {
      unlock();
    }
    throw new FaultlineError({
      code: "FAULTLINE_DOCKER",
      message: `no free subnet left in ${formatCidr(pool)} for a Docker network (reservations in ${this.dir})`,
      hint: "set the cluster's network.subnet to a larger or different pool, or remove networks other runs left behind",
    });
  }

  /** Creates `file` for us, or takes it over from an owner that died. False when it is held. */
  private claim(file: string, label: string): boolean {
    const owner: Owner = { pid: process.pid, start: processStartTime(process.pid), label };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(file, "wx", 0o600);
        writeSync(fd, JSON.stringify(owner));
        closeSync(fd);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const held = readOwner(file);
      if (held && isSameProcessAlive(held.pid, held.start)) return false;
      releaseFile(file);
    }
    return false;
  }

  /** Subnets currently reserved (for diagnostics and tests). */
  list(): string[] {
    try {
      return readdirSync(this.dir).filter((name) => !name.startsWith("."));
    } catch {
      return [];
    }
  }
}

function readOwner(file: string): Owner | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Owner;
  } catch {
    return undefined; // half-written by an owner that is writing it right now, or gone
  }
}

function releaseFile(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

/**
 * IPv4 addresses of this machine. os.networkInterfaces() omits interfaces that are down, such
 * as a Docker bridge no container has joined yet, so the kernel's local routing table
 * (/proc/net/fib_trie, Linux) is read as well.
 */
export function localAddresses(): string[] {
  const out = new Set<string>();
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) if (entry.family === "IPv4") out.add(entry.address);
  }
  for (const ip of parseFibTrieLocal(readTextOrEmpty("/proc/net/fib_trie"))) out.add(ip);
  return [...out];
}

/** Addresses marked `/32 host LOCAL` in /proc/net/fib_trie: the ones assigned to this host. */
export function parseFibTrieLocal(text: string): string[] {
  const out = new Set<string>();
  let last: string | undefined;
  for (const line of text.split("\n")) {
    const leaf = /\|-- (\d+\.\d+\.\d+\.\d+)/.exec(line);
    if (leaf) last = leaf[1];
    else if (last && /\/32 host LOCAL/.test(line)) out.add(last);
  }
  return [...out];
}

function readTextOrEmpty(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/** The gateway (.1) and node addresses (.2, .3, …) of a cluster's subnet. */
export function clusterAddresses(subnet: Ipv4Net, nodes: number): { gateway: string; nodes: string[] } {
  const capacity = 2 ** (32 - subnet.prefix) - 3; // network, gateway, broadcast
  if (nodes > capacity) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `subnet ${formatCidr(subnet)} has room for ${capacity} nodes, the cluster has ${nodes}`,
      hint: "use a shorter prefix in network.subnet",
      option: "network.subnet",
    });
  }
  return { gateway: nthAddress(subnet, 1), nodes: Array.from({ length: nodes }, (_, i) => nthAddress(subnet, i + 2)) };
}
