import { FaultlineError } from "../../common/errors";

/** An IPv4 network: its first address as an integer and its prefix length. */
export interface Ipv4Net {
  base: number;
  prefix: number;
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

export function ipToInt(ip: string): number | undefined {
  const parts = ip.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

export function intToIp(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
}

/** Parses `a.b.c.d/n`; throws FAULTLINE_INVALID_OPTION naming `option`. Host bits must be zero. */
export function parseCidr(text: string, option = "network.subnet"): Ipv4Net {
  const match = CIDR.exec(text.trim());
  const base = match ? ipToInt(match.slice(1, 5).join(".")) : undefined;
  const prefix = match ? Number(match[5]) : NaN;
  if (base === undefined || !(prefix >= 8 && prefix <= 29) || base % size(prefix) !== 0) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `expected an IPv4 subnet such as "198.19.0.0/16" (prefix /8 to /29, host bits zero), received ${JSON.stringify(text)}`,
      hint: "a prefix up to /24 is a pool each cluster takes a /24 from; a longer prefix is used as one cluster's subnet",
      option,
    });
  }
  return { base, prefix };
}

export function formatCidr(net: Ipv4Net): string {
  return `${intToIp(net.base)}/${net.prefix}`;
}

/** Number of addresses in a network of this prefix length. */
export function size(prefix: number): number {
  return 2 ** (32 - prefix);
}

export function contains(net: Ipv4Net, ip: string): boolean {
  const value = ipToInt(ip);
  return value !== undefined && value >= net.base && value < net.base + size(net.prefix);
}

/** The `index`-th address of a network (0 is the network address itself). */
export function nthAddress(net: Ipv4Net, index: number): string {
  return intToIp(net.base + index);
}

/**
 * The subnets a cluster may take from the configured value: a pool (prefix up to /24) is cut
 * into /24s, a longer prefix is a single subnet.
 */
export function candidateSubnets(pool: Ipv4Net): Ipv4Net[] {
  if (pool.prefix > 24) return [pool];
  const count = size(pool.prefix) / 256;
  return Array.from({ length: count }, (_, i) => ({ base: pool.base + i * 256, prefix: 24 }));
}
