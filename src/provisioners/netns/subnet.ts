import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { FaultlineError } from "../../common/errors";
import { lockReservations, removeFile } from "../reservation-lock";

export const DEFAULT_SUBNET = "198.18.0.0/15";

/** An IPv4 network: `base` is the network address as an unsigned 32-bit number. */
export interface Ipv4Net {
  base: number;
  prefix: number;
}

export function parseCidr(text: string): Ipv4Net | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(text.trim());
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = match[5] === undefined ? 32 : Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  return { base: (address & mask(prefix)) >>> 0, prefix };
}

export function formatIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join(".");
}

export function formatCidr(net: Ipv4Net): string {
  return `${formatIp(net.base)}/${net.prefix}`;
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function size(net: Ipv4Net): number {
  return 2 ** (32 - net.prefix);
}

export function overlaps(a: Ipv4Net, b: Ipv4Net): boolean {
  return a.base < b.base + size(b) && b.base < a.base + size(a);
}

/** The host (bridge) address, first usable in the subnet. */
export function bridgeAddress(net: Ipv4Net): string {
  return formatIp(net.base + 1);
}

/** Node i's address: .10 + i, leaving .2–.9 free for future helpers (a DNS, a proxy). */
export function nodeAddress(net: Ipv4Net, index: number): string {
  return formatIp(net.base + 10 + index);
}

/**
 * The /24s a pool offers, in order (a pool narrower than /24 is used whole). Throws an option
 * error for text that is not an IPv4 CIDR or a subnet too small for the cluster.
 */
export function candidateSubnets(pool: string, nodeCount: number, cluster?: string): Ipv4Net[] {
  const net = parseCidr(pool);
  const fits = (n: Ipv4Net): boolean => 10 + nodeCount < size(n) - 1;
  if (!net || !pool.includes("/") || !fits(net.prefix >= 24 ? net : { base: net.base, prefix: 24 })) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `network.subnet must be an IPv4 CIDR with room for ${nodeCount} nodes at .10 and up, received ${JSON.stringify(pool)}`,
      hint: `e.g. network: { subnet: "${DEFAULT_SUBNET}" } (each cluster takes a /24 of it)`,
      cluster,
      option: "network.subnet",
    });
  }
  if (net.prefix >= 24) return [net];
  const out: Ipv4Net[] = [];
  for (let base = net.base; base < net.base + size(net); base += 256) out.push({ base, prefix: 24 });
  return out;
}

const ROUTE_TYPES = new Set(["unicast", "local", "broadcast", "multicast", "anycast", "unreachable", "blackhole", "prohibit", "throw", "nat"]);

/** Networks the host already uses: its interface addresses and routes (`ip -4 -o addr`, `ip -4 route`). */
export function usedNetworks(addrOutput: string, routeOutput: string): Ipv4Net[] {
  const used: Ipv4Net[] = [];
  for (const match of addrOutput.matchAll(/\binet (\d+\.\d+\.\d+\.\d+\/\d+)/g)) {
    const net = parseCidr(match[1]!);
    if (net) used.push(net);
  }
  for (const line of routeOutput.split("\n")) {
    const words = line.trim().split(/\s+/);
    // `ip route show table all` prefixes some routes with their type.
    const destination = ROUTE_TYPES.has(words[0] ?? "") ? words[1] : words[0];
    if (!destination || destination === "default") continue;
    const net = parseCidr(destination);
    if (net && net.prefix > 0) used.push(net);
  }
  return used;
}

export interface Reservation {
  net: Ipv4Net;
  file: string;
}

/** Who holds a subnet: the cluster's run, and the process that reserved it. */
export interface SubnetOwner {
  run: string;
  /** The run directory: a reservation whose run directory is gone was reaped with it. */
  dir: string;
  cluster: string;
  /** For people reading the file. */
  pid: number;
}

/**
 * Picks the first candidate no interface or route uses and that no other cluster holds.
 * Holding is a file named after the subnet in `dir`, shared by every run of the user, made by
 * exclusive create (`wx`) under the folder's lock (reservation-lock.ts), so parallel Jest workers
 * and parallel runs never pick the same one.
 *
 * The file is made before the reaper can know it (its name is the pick), so it names its run
 * instead: a reservation whose run directory is gone is taken over here. A process killed
 * between the pick and its registration leaves a file the next pick takes over once its run was
 * reaped (by its watchdog, or by the next run's sweep), never one held for good.
 */
export async function reserveSubnet(
  dir: string,
  candidates: readonly Ipv4Net[],
  used: readonly Ipv4Net[],
  owner: SubnetOwner,
): Promise<Reservation | undefined> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const unlock = await lockReservations(dir, "FAULTLINE_NODE_STATE");
  try {
    for (const net of candidates) {
      if (used.some((u) => overlaps(u, net))) continue;
      const file = join(dir, `${formatIp(net.base)}-${net.prefix}`);
      if (claim(file, owner)) return { net, file };
    }
  } finally {
    unlock();
  }
  return undefined;
}

/** Creates `file` for `owner`, or takes it over from an owner that is gone. False when it is held. */
function claim(file: string, owner: SubnetOwner): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, "wx", 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      if (!abandoned(file)) return false;
      removeFile(file);
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(owner));
    } finally {
      closeSync(fd);
    }
    return true;
  }
  return false;
}

/**
 * Whether a reservation's run is over: its run directory is gone, so nothing of that run will
 * use the subnet or remove the file any more. (A dead owner process alone is not enough: its
 * run's reaper still runs `rm -f` on the file later, which would free a subnet taken over in
 * between.) Called under the lock, when no one is writing a reservation: one that does not parse
 * was cut short by its writer's death, before the writer could register it with its reaper.
 */
function abandoned(file: string): boolean {
  let held: Partial<SubnetOwner>;
  try {
    held = JSON.parse(readFileSync(file, "utf8")) as Partial<SubnetOwner>;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ENOENT";
  }
  return typeof held.dir === "string" && held.dir !== "" && !existsSync(held.dir);
}

/** Takes the lowest free slot number in `dir` by exclusive create of `netns-<n>`. */
export function reserveSlot(dir: string, capacity: number): number | undefined {
  for (let slot = 0; slot < capacity; slot++) {
    try {
      closeSync(openSync(join(dir, `netns-${slot}`), "wx", 0o600));
      return slot;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  return undefined;
}
