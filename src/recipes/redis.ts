import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { defineCluster } from "../cluster/define-cluster";
import { probeFailed } from "../cluster/probes";
import type { Cluster, ClusterDefinition, Node, ProvisionerKind } from "../cluster/types";
import type { Duration } from "../common/duration";
import { FaultlineError, describeValue, errorReason } from "../common/errors";
import { RespClient, redisCommand, type RespValue } from "./resp-client";

export interface RedisRecipeOptions {
  /** Replicas of the primary, named replica1, replica2, …. Default 2. */
  replicas?: number;
  /** Sentinels, named sentinel1, …; their quorum is a majority of them. Default 3. */
  sentinels?: number;
  /** Default "process". Partitions need "netns" or "docker", as for etcd. */
  provisioner?: ProvisionerKind;
  /** Image with redis-server and redis-sentinel, for provisioner "docker". Default "faultline/redis:local". */
  image?: string;
  /** The name Sentinel monitors the primary under. Default "faultline". */
  masterName?: string;
  /** Sentinel's down-after-milliseconds. Default 1000 (Redis's is 30000). */
  downAfterMs?: number;
  /** Sentinel's failover-timeout. Default 3000 (Redis's is 180000). */
  failoverTimeoutMs?: number;
  readyTimeout?: Duration;
}

const isSentinel = (node: Node): boolean => node.name.startsWith("sentinel");
/** Where a test's probes reach a node: direct, so client-link faults never hide it. */
const direct = (node: Node): string => node.address("redis", { direct: true });
/** How Redis and Sentinel name an instance: the address it binds. */
const own = (node: Node): string => `${node.host}:${node.port("redis")}`;

function names(replicas: number, sentinels: number): string[] {
  return ["primary", ...Array.from({ length: replicas }, (_, i) => `replica${i + 1}`), ...Array.from({ length: sentinels }, (_, i) => `sentinel${i + 1}`)];
}

/**
 * The primary the sentinels last wrote to their config files (Sentinel rewrites them at every
 * switch), or undefined before any sentinel ran. A data node that restarts reads it, as
 * deployments that ask Sentinel at boot do, so an old primary comes back as a replica instead
 * of as a second primary.
 */
function primaryInSentinelConfigs(cluster: Cluster, masterName: string): string | undefined {
  const votes = new Map<string, number>();
  for (const sentinel of cluster.nodes.filter(isSentinel)) {
    const file = join(sentinel.dataDir, "sentinel.conf");
    if (!existsSync(file)) continue;
    const match = new RegExp(`^sentinel monitor ${masterName} (\\S+) (\\d+)`, "m").exec(readFileSync(file, "utf8"));
    if (match) votes.set(`${match[1]}:${match[2]}`, (votes.get(`${match[1]}:${match[2]}`) ?? 0) + 1);
  }
  return [...votes.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}

/** What each sentinel answers to `SENTINEL get-master-addr-by-name` ("host:port"). */
async function sentinelViews(cluster: Cluster, masterName: string): Promise<Array<{ sentinel: Node; primary?: string; error?: Error }>> {
  return Promise.all(
    cluster.nodes.filter(isSentinel).map(async (sentinel) => {
      try {
        const reply = (await redisCommand(direct(sentinel), ["SENTINEL", "get-master-addr-by-name", masterName])) as string[] | null;
        return { sentinel, primary: reply ? `${reply[0]}:${reply[1]}` : undefined };
      } catch (error) {
        return { sentinel, error: error as Error };
      }
    }),
  );
}

async function role(node: Node): Promise<RespValue[]> {
  return (await redisCommand(direct(node), ["ROLE"])) as RespValue[];
}

/** The primary most sentinels name, if it answers ROLE as a master. */
async function leader(cluster: Cluster, masterName: string): Promise<Node | undefined> {
  const views = (await sentinelViews(cluster, masterName)).filter((v) => v.primary);
  const counts = new Map<string, number>();
  for (const v of views) counts.set(v.primary!, (counts.get(v.primary!) ?? 0) + 1);
  const [address, votes] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0] ?? [];
  if (!address || votes! <= cluster.nodes.filter(isSentinel).length / 2) return undefined;
  const node = cluster.nodes.find((n) => !isSentinel(n) && own(n) === address);
  if (!node) return undefined;
  try {
    return (await role(node))[0] === "master" ? node : undefined;
  } catch {
    return undefined; // Sentinel has not noticed yet that it is gone
  }
}

/**
 * Steady state, as a client that asks Sentinel sees the service: every running sentinel names
 * the same primary and can authorize a failover (SENTINEL CKQUORUM); that primary answers as
 * master; every other running data node is its connected replica (no second primary), at
 * least one is, and every sentinel lists each of them as a replica that is up. A node a fault stopped may be missing: once Sentinel has promoted a replica and
 * moved the others to it, the service has recovered.
 */
async function healthy(cluster: Cluster, masterName: string): Promise<boolean> {
  const running = (node: Node): boolean => node.state === "running";
  const views = (await sentinelViews(cluster, masterName)).filter((v) => running(v.sentinel));
  const named = new Set(views.map((v) => v.primary ?? `(${v.error?.message ?? "no answer"})`));
  if (named.size !== 1 || views.some((v) => !v.primary))
    throw probeFailed(`sentinels disagree on the primary: ${views.map((v) => `${v.sentinel.name}→${v.primary ?? errorReason(v.error)}`).join(", ")}`, {
      cluster: cluster.name,
    });
  const [address] = named;
  const primary = cluster.nodes.find((n) => !isSentinel(n) && own(n) === address);
  if (!primary) throw probeFailed(`sentinels name ${address}, which is no node of the cluster`, { cluster: cluster.name });
  for (const v of views) await probeCommand(cluster, v.sentinel, ["SENTINEL", "ckquorum", masterName]);
  const primaryRole = (await probeCommand(cluster, primary, ["ROLE"])) as RespValue[];
  if (primaryRole[0] !== "master")
    throw probeFailed(`${primary.name} is the sentinels' primary but answers ROLE ${JSON.stringify(primaryRole)}`, {
      cluster: cluster.name,
      node: primary.name,
    });
  const replicas = cluster.nodes.filter((n) => !isSentinel(n) && n !== primary && running(n));
  if (replicas.length === 0) throw probeFailed(`${primary.name} has no running replica`, { cluster: cluster.name, node: primary.name });
  for (const node of replicas) {
    const [kind, host, port, state] = (await probeCommand(cluster, node, ["ROLE"])) as RespValue[];
    if (kind !== "slave" || `${host}:${port}` !== address || state !== "connected") {
      throw probeFailed(`${node.name} is not a connected replica of ${primary.name}: ROLE ${JSON.stringify([kind, host, port, state])}`, {
        cluster: cluster.name,
        node: node.name,
      });
    }
  }
  // Sentinel learns replicas from the primary's INFO, every 10 s. A replica it has not seen yet
  // is one it cannot promote, nor move to a new primary after a failover, so until every
  // sentinel lists every replica as up, a primary failure would not be survived as designed.
  for (const v of views) {
    const known = sentinelReplicas((await probeCommand(cluster, v.sentinel, ["SENTINEL", "REPLICAS", masterName])) as string[][]);
    const unknown = replicas.filter((node) => !known.has(own(node)));
    if (unknown.length > 0) {
      throw probeFailed(`${v.sentinel.name} does not yet list ${unknown.map((n) => n.name).join(", ")} as a replica of ${primary.name} that is up`, {
        cluster: cluster.name,
        node: v.sentinel.name,
      });
    }
  }
  return true;
}

/** A command the health check sends to a node; a refusal or no answer is that node's probe failure. */
async function probeCommand(cluster: Cluster, node: Node, args: string[]): Promise<RespValue> {
  try {
    return await redisCommand(direct(node), args);
  } catch (error) {
    throw probeFailed(`${node.name} ${args.slice(0, 2).join(" ")}: ${errorReason(error)}`, { cluster: cluster.name, node: node.name, cause: error });
  }
}

/** The replicas a sentinel's `SENTINEL REPLICAS` reply lists and does not consider down, as "host:port". */
function sentinelReplicas(reply: string[][]): Set<string> {
  const up = new Set<string>();
  for (const fields of reply) {
    const info = new Map<string, string>();
    for (let i = 0; i + 1 < fields.length; i += 2) info.set(fields[i]!, fields[i + 1]!);
    const flags = (info.get("flags") ?? "").split(",");
    if (!flags.some((flag) => flag === "s_down" || flag === "o_down" || flag === "disconnected")) up.add(`${info.get("ip")}:${info.get("port")}`);
  }
  return up;
}

/**
 * A Redis primary with replicas, watched by Sentinels that fail over within seconds. Nodes
 * are named `primary`, `replica1`…, `sentinel1`… and each binds one port, "redis".
 * `cluster.leader()` is the primary the Sentinels name.
 */
export function redis(options: RedisRecipeOptions = {}): ClusterDefinition {
  const masterName = options.masterName ?? "faultline";
  const sentinels = options.sentinels ?? 3;
  for (const [option, value, min] of [
    ["replicas", options.replicas ?? 2, 1],
    ["sentinels", sentinels, 1],
  ] as const) {
    if (!Number.isInteger(value) || value < min) {
      throw new FaultlineError({
        code: "FAULTLINE_INVALID_OPTION",
        option: `recipes.redis ${option}`,
        message: `${option} must be a whole number of at least ${min}, received ${describeValue(value)}`,
        hint: "e.g. recipes.redis({ replicas: 2, sentinels: 3 })",
      });
    }
  }
  const quorum = Math.floor(sentinels / 2) + 1;
  return defineCluster({
    nodes: names(options.replicas ?? 2, sentinels),
    provisioner: options.provisioner ?? "process",
    ports: ["redis"],
    command: ({ node, cluster }) => {
      const first = own(cluster.node("primary"));
      // Protected mode (no password set) refuses every client not on loopback, whatever the
      // bind: on netns and docker each node binds its own IP, and peers and the test's clients
      // come from other addresses. The node binds only that private address.
      if (isSentinel(node)) {
        // Written once: Sentinel keeps its state (current primary, known peers) in this file.
        const file = join(node.dataDir, "sentinel.conf");
        if (!existsSync(file)) {
          const [host, port] = first.split(":");
          const lines = [
            `port ${node.port("redis")}`,
            `bind ${node.host}`,
            "protected-mode no",
            `dir ${node.dataDir}`,
            `sentinel monitor ${masterName} ${host} ${port} ${quorum}`,
            `sentinel down-after-milliseconds ${masterName} ${options.downAfterMs ?? 1000}`,
            `sentinel failover-timeout ${masterName} ${options.failoverTimeoutMs ?? 3000}`,
            `sentinel parallel-syncs ${masterName} 1`,
          ];
          writeFileSync(file, `${lines.join("\n")}\n`, { mode: 0o600 });
        }
        return ["redis-sentinel", file];
      }
      const current = primaryInSentinelConfigs(cluster, masterName) ?? first;
      const [host, port] = current.split(":");
      return [
        "redis-server",
        "--port",
        String(node.port("redis")),
        "--bind",
        node.host,
        "--protected-mode",
        "no",
        "--dir",
        node.dataDir,
        "--save",
        "",
        "--appendonly",
        "no",
        // Redis 7 waits 5 s for more replicas before a diskless full sync: a replica that
        // (re)joins would sit in "handshake" that long for nothing.
        "--repl-diskless-sync-delay",
        "0",
        ...(current === own(node) ? [] : ["--replicaof", host!, port!]),
      ];
    },
    ready: async (node, cluster) => {
      const reply = await probeCommand(cluster, node, ["PING"]);
      if (reply !== "PONG") throw probeFailed(`PING answered ${JSON.stringify(reply)}`, { cluster: node.cluster, node: node.name });
    },
    readyTimeout: options.readyTimeout ?? "10s",
    healthy: (cluster) => healthy(cluster, masterName),
    leader: (cluster) => leader(cluster, masterName),
    stop: { signal: "SIGTERM", timeout: "3s" },
    ...(options.provisioner === "docker" ? { docker: { image: options.image ?? "faultline/redis:local" } } : {}),
  });
}

/** A connection to `address` ("host:port"), e.g. `recipes.redis.client(cluster.node("primary").address("redis"))`. */
redis.client = (address: string, options?: { timeoutMs?: number }): Promise<RespClient> => RespClient.connect(address, options);
