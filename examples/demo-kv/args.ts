/** Command-line options of `server.js`. */
import type { PeerAddress } from "./types";

export interface ServerOptions {
  id: string;
  host: string;
  port: number;
  peers: PeerAddress[];
  dataDir: string;
  electionTimeoutMs: number;
  heartbeatMs: number;
  rpcTimeoutMs: number;
  requestTimeoutMs: number;
  /** A bug planted on purpose, for showing how faultline finds and shrinks it (see BUGS). */
  bug: PlantedBug | null;
}

/**
 * Bugs that can be planted in a node, off unless named with `--bug`:
 * - `bootstrap-alone`: a node with a log that finds no peer answering when it starts decides it
 *   is the last one left and leads alone, in a new term. It takes two faults in this order to
 *   show: a partition isolating the node, then a restart (or a kill healed while the partition
 *   holds). After the heal its term wins and the majority's acknowledged writes are lost.
 */
export const BUGS = ["bootstrap-alone"] as const;
export type PlantedBug = (typeof BUGS)[number];

export const USAGE =
  "usage: node server.js --id n1 --port 40123 [--host 127.0.0.1] --peers n2=127.0.0.1:40555,n3=127.0.0.1:40556 " +
  "--data-dir DIR [--election-timeout 300] [--heartbeat 75] [--rpc-timeout 200] [--request-timeout 1500] [--bug bootstrap-alone]";

export function parseArgs(argv: readonly string[]): ServerOptions {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) throw new Error(`unexpected argument "${arg}"`);
    const eq = arg.indexOf("=");
    if (eq > 0) {
      values.set(arg.slice(2, eq), arg.slice(eq + 1));
    } else {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith("--")) throw new Error(`${arg} needs a value`);
      values.set(arg.slice(2), value);
      i++;
    }
  }
  const known = new Set(["id", "host", "port", "peers", "data-dir", "election-timeout", "heartbeat", "rpc-timeout", "request-timeout", "bug"]);
  for (const key of values.keys()) if (!known.has(key)) throw new Error(`unknown option --${key}`);

  const required = (key: string): string => {
    const value = values.get(key);
    if (value === undefined || value === "") throw new Error(`--${key} is required`);
    return value;
  };
  const int = (key: string, fallback: number, min: number): number => {
    const text = values.get(key);
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${key} must be an integer >= ${min}, got "${text}"`);
    return n;
  };

  const id = required("id");
  const port = int("port", -1, 1);
  if (port < 1 || port > 65535) throw new Error("--port is required (1-65535)");
  const peers = parsePeers(values.get("peers") ?? "", id);
  const electionTimeoutMs = int("election-timeout", 300, 10);
  const heartbeatMs = int("heartbeat", Math.max(5, Math.floor(electionTimeoutMs / 4)), 1);
  if (heartbeatMs >= electionTimeoutMs) throw new Error("--heartbeat must be shorter than --election-timeout");
  const bug = values.get("bug") ?? null;
  if (bug !== null && !(BUGS as readonly string[]).includes(bug)) throw new Error(`--bug must be one of ${BUGS.join(", ")}, got "${bug}"`);
  return {
    id,
    host: values.get("host") ?? "127.0.0.1",
    port,
    peers,
    dataDir: required("data-dir"),
    electionTimeoutMs,
    heartbeatMs,
    rpcTimeoutMs: int("rpc-timeout", Math.min(200, electionTimeoutMs), 1),
    requestTimeoutMs: int("request-timeout", 1500, 1),
    bug: bug as PlantedBug | null,
  };
}

/** `n2=127.0.0.1:40555,n3=[::1]:40556` → peer addresses; an empty string means a single node. */
export function parsePeers(text: string, self: string): PeerAddress[] {
  const peers: PeerAddress[] = [];
  for (const part of text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const match = /^([^=]+)=(\[[^\]]+\]|[^:]+):(\d+)$/.exec(part);
    if (!match) throw new Error(`bad peer "${part}": expected id=host:port`);
    const id = match[1]!;
    const host = match[2]!.replace(/^\[|\]$/g, "");
    const port = Number(match[3]);
    if (id === self) throw new Error(`--peers must not list this node (${self})`);
    if (peers.some((p) => p.id === id)) throw new Error(`peer ${id} listed twice`);
    if (port < 1 || port > 65535) throw new Error(`bad port in peer "${part}"`);
    peers.push({ id, host, port });
  }
  return peers;
}
