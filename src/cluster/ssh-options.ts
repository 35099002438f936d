import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { describeValue, FaultlineError } from "../common/errors";

/** One machine reached over SSH. */
export interface SshHost {
  /** Name or address to connect to. */
  host: string;
  /** Default 22. */
  port?: number;
  /** Default: `user` of the `ssh` options, else the local user. */
  user?: string;
  /** Private key file. Default: the `ssh` options' identity, else ~/.ssh/id_ed25519, id_ecdsa, id_rsa, else the agent. */
  identity?: string;
  /** The address nodes on this host bind and peers dial. Default: `host`, resolved. */
  address?: string;
  /** This host's folder for run files. Default: the `ssh` options' dir. */
  dir?: string;
}

/** `ssh` in a cluster spec (provisioner "ssh"). */
export interface SshOptions {
  /** The hosts, or a Jepsen-style nodes file (one `[user@]host[:port]` per line). Default: the file in FAULTLINE_SSH_HOSTS. */
  hosts?: Array<SshHost | string> | string;
  user?: string;
  identity?: string;
  /** Never stored in artifacts or logs. Prefer keys. */
  password?: string;
  /** known_hosts file. Default ~/.ssh/known_hosts. */
  knownHosts?: string;
  /** "known" (default): every host key must be in known_hosts; "accept-new": unknown hosts are added, changed keys still refused. */
  hostKeys?: "known" | "accept-new";
  /** Directory on each host under which runs keep their files. Default /tmp/faultline-ssh. */
  dir?: string;
  /** Seconds between keep-alives. Default 5. */
  keepAlive?: number;
}

export interface ResolvedSshHost {
  host: string;
  port: number;
  user: string;
  identity?: string;
  address?: string;
  /** The folder under which runs keep their files on this host. */
  dir: string;
  /** How the host is named in messages and the report: `user@host:port`. */
  label: string;
}

/** Where runs keep their files on a host, unless told otherwise. */
export const DEFAULT_SSH_DIR = "/tmp/faultline-ssh";

const HOST = /^[A-Za-z0-9][A-Za-z0-9.:_-]*$/;
const DIR = /^\/[A-Za-z0-9._/-]+$/;

export const SSH_KEYS = ["hosts", "user", "identity", "password", "knownHosts", "hostKeys", "dir", "keepAlive"] as const;

function invalid(option: string, message: string, hint: string, cluster?: string): FaultlineError {
  return new FaultlineError({ code: "FAULTLINE_INVALID_OPTION", message, hint, option: `ssh.${option}`, cluster });
}

/** Reads `user@host:port` (the port and user optional; `[v6]:port` bracketed). */
export function parseHostWord(word: string, where: string, cluster?: string): SshHost {
  const match = /^(?:([A-Za-z0-9._-]+)@)?(?:\[([^\]]+)\]|([^:@\s]+))(?::(\d+))?$/.exec(word.trim());
  if (!match) throw invalid("hosts", `${where}: ${describeValue(word)} is not [user@]host[:port]`, 'e.g. "n1.example.com", "admin@10.0.0.5:2222"', cluster);
  return { host: (match[2] ?? match[3])!, user: match[1], port: match[4] ? Number(match[4]) : undefined };
}

/** A Jepsen-style nodes file: one host per line, `#` comments and blank lines ignored. */
export function readHostsFile(file: string, cluster?: string): SshHost[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw invalid(
      "hosts",
      `the hosts file ${file} cannot be read: ${(error as Error).message}`,
      "give the path of a file with one [user@]host[:port] per line",
      cluster,
    );
  }
  const hosts = text
    .split("\n")
    .map((line, i) => ({ line: line.replace(/#.*/, "").trim(), n: i + 1 }))
    .filter((l) => l.line)
    .map((l) => parseHostWord(l.line, `${file}:${l.n}`, cluster));
  if (!hosts.length) throw invalid("hosts", `the hosts file ${file} lists no host`, "write one [user@]host[:port] per line", cluster);
  return hosts;
}

/** Validates `ssh` options and resolves each host's user, port and identity. */
export function resolveSshOptions(options: SshOptions | undefined, cluster?: string): { hosts: ResolvedSshHost[]; options: SshOptions } {
  const o: SshOptions = options ?? {};
  if (typeof o !== "object" || Array.isArray(o))
    throw invalid("", `ssh must be an object, received ${describeValue(o)}`, 'e.g. ssh: { hosts: "hosts.txt" }', cluster);
  for (const key of Object.keys(o)) {
    if (!(SSH_KEYS as readonly string[]).includes(key))
      throw invalid(key, `ssh.${key} is not an option`, `the ssh options are ${SSH_KEYS.join(", ")}`, cluster);
  }
  if (o.hostKeys !== undefined && o.hostKeys !== "known" && o.hostKeys !== "accept-new")
    throw invalid(
      "hostKeys",
      `ssh.hostKeys must be "known" or "accept-new", received ${describeValue(o.hostKeys)}`,
      "host keys are checked against known_hosts",
      cluster,
    );
  checkDir(o.dir, "dir", cluster);
  if (o.keepAlive !== undefined && !(typeof o.keepAlive === "number" && o.keepAlive > 0))
    throw invalid("keepAlive", `ssh.keepAlive must be a positive number of seconds, received ${describeValue(o.keepAlive)}`, "e.g. 5", cluster);
  const source = o.hosts ?? process.env.FAULTLINE_SSH_HOSTS;
  if (source === undefined || source === "")
    throw invalid(
      "hosts",
      'provisioner "ssh" needs hosts, and neither ssh.hosts nor FAULTLINE_SSH_HOSTS gives any',
      "set ssh: { hosts: [...] } or a nodes file path, or FAULTLINE_SSH_HOSTS=<file>",
      cluster,
    );
  const listed: Array<SshHost | string> = typeof source === "string" ? readHostsFile(resolve(source), cluster) : source;
  if (!Array.isArray(listed) || !listed.length)
    throw invalid("hosts", `ssh.hosts must list at least one host, received ${describeValue(listed)}`, 'e.g. ["n1", "n2", "n3"]', cluster);
  const user = o.user ?? process.env.USER ?? "root";
  const hosts = listed.map((entry, i): ResolvedSshHost => {
    const h = typeof entry === "string" ? parseHostWord(entry, `ssh.hosts[${i}]`, cluster) : entry;
    if (typeof h !== "object" || h === null || typeof h.host !== "string" || !HOST.test(h.host))
      throw invalid(`hosts[${i}]`, `ssh.hosts[${i}] must name a host, received ${describeValue(entry)}`, 'e.g. { host: "10.0.0.5", port: 22 }', cluster);
    const port = h.port ?? 22;
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw invalid(`hosts[${i}].port`, `ssh.hosts[${i}].port must be a port number, received ${describeValue(h.port)}`, "e.g. 22", cluster);
    const hostUser = h.user ?? user;
    const identity = h.identity ?? o.identity;
    if (identity !== undefined && (typeof identity !== "string" || !isAbsolute(resolve(identity))))
      throw invalid(`hosts[${i}].identity`, `the identity must be a key file path, received ${describeValue(identity)}`, "e.g. ~/.ssh/id_ed25519", cluster);
    checkDir(h.dir, `hosts[${i}].dir`, cluster);
    return {
      dir: h.dir ?? o.dir ?? DEFAULT_SSH_DIR,
      host: h.host,
      port,
      user: hostUser,
      identity: identity === undefined ? undefined : resolve(identity.replace(/^~(?=\/)/, homedir())),
      address: h.address,
      label: `${hostUser}@${h.host}${port === 22 ? "" : `:${port}`}`,
    };
  });
  const labels = hosts.map((h) => h.label);
  const twice = labels.find((l, i) => labels.indexOf(l) !== i);
  if (twice) throw invalid("hosts", `ssh.hosts lists ${twice} twice`, "list each host once; several nodes may share a host", cluster);
  return { hosts, options: o };
}

function checkDir(dir: unknown, option: string, cluster: string | undefined): void {
  if (dir !== undefined && (typeof dir !== "string" || !DIR.test(dir) || dir.split("/").includes("..") || dir === "/"))
    throw invalid(
      option,
      `ssh.${option} must be an absolute directory path, received ${describeValue(dir)}`,
      'e.g. "/tmp/faultline-ssh"; runs keep their files under it',
      cluster,
    );
}

/** The private keys tried when a host names none. */
export function defaultIdentities(): string[] {
  return ["id_ed25519", "id_ecdsa", "id_rsa"].map((f) => join(homedir(), ".ssh", f));
}
