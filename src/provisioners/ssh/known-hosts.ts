import { createHmac } from "node:crypto";
import { appendFileSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";

/** How known_hosts names a host: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** One pattern of a known_hosts line: plain, `*`/`?` wildcards, or hashed (`|1|salt|hash`). */
function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith("|1|")) {
    const [, , salt, hash] = pattern.split("|");
    if (!salt || !hash) return false;
    return createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64") === hash;
  }
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    "i",
  );
  return regex.test(name);
}

function hostsMatch(field: string, name: string): boolean {
  let matched = false;
  for (const pattern of field.split(",")) {
    if (pattern.startsWith("!")) {
      if (patternMatches(pattern.slice(1), name)) return false;
    } else if (patternMatches(pattern, name)) matched = true;
  }
  return matched;
}

export type HostKeyVerdict = "known" | "unknown" | "changed" | "revoked";

/**
 * Checks a host's key (the SSH wire blob) against known_hosts text, as OpenSSH does for plain
 * keys: a revoked key is refused, a listed key is known, a host listed only with other keys
 * changed its key, a host not listed is unknown. Certificate authorities are not followed.
 */
export function checkHostKey(text: string, name: string, key: Buffer): HostKeyVerdict {
  const blob = key.toString("base64");
  let listed = false;
  let known = false;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const fields = line.split(/\s+/);
    const marker = fields[0]!.startsWith("@") ? fields.shift() : undefined;
    const [hosts, , data] = fields;
    if (!hosts || !data || marker === "@cert-authority") continue;
    if (marker === "@revoked") {
      if (data === blob) return "revoked";
      continue;
    }
    if (!hostsMatch(hosts, name)) continue;
    listed = true;
    if (data === blob) known = true;
  }
  return known ? "known" : listed ? "changed" : "unknown";
}

/** The key's type, read from its wire blob (a length-prefixed string first). */
export function keyType(key: Buffer): string {
  const length = key.readUInt32BE(0);
  return key.subarray(4, 4 + length).toString("latin1");
}

export function readKnownHosts(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/** Adds a host's key (accept-new). */
export function addKnownHost(file: string, name: string, key: Buffer): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  appendFileSync(file, `${name} ${keyType(key)} ${key.toString("base64")}\n`, { mode: 0o600 });
}
