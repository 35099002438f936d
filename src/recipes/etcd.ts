import { defineCluster } from "../cluster/define-cluster";
import { nodeHttpGet, probeFailed, probes } from "../cluster/probes";
import type { Duration } from "../common/duration";
import { FaultlineError, describeValue, errorReason } from "../common/errors";
import type { Cluster, ClusterDefinition, Node, ProvisionerKind } from "../cluster/types";
import { EtcdClient, etcdClient, type EtcdStatus } from "./etcd-client";

export interface EtcdRecipeOptions {
  /** Members, named n1, n2, …. Default 3. */
  nodes?: number;
  /**
   * Default "process". Partitions between members need "netns" or "docker": every etcd member
   * advertises one peer URL that all others dial, so per-link proxies cannot cut single links.
   */
  provisioner?: ProvisionerKind;
  /** Image with an `etcd` binary, for provisioner "docker". Default "faultline/etcd:local" (`faultline image from-host --binary /usr/bin/etcd --tag faultline/etcd:local`). */
  image?: string;
  /** Raft heartbeat in ms. Default 50 (etcd's is 100): short, so elections finish in well under a second. */
  heartbeatMs?: number;
  /** Raft election timeout in ms; at least 5 × heartbeatMs. Default 500 (etcd's is 1000). */
  electionMs?: number;
  /** Extra etcd flags, appended last. */
  args?: string[];
  /** How long one member may take to become ready. Default "20s". */
  readyTimeout?: Duration;
}

/** What a test dials: the member's client URL, through the fault proxy unless `direct`. */
function clientUrl(node: Node, direct = false): string {
  return node.url("client", "http", { direct });
}

/** Where the member serves its peers. Every member dials this same URL (see `provisioner`). */
function peerUrl(node: Node): string {
  return `http://${node.host}:${node.port("peer")}`;
}

/** Status of every member that answers (direct, so client-link faults never hide a member). */
async function statuses(cluster: Cluster, timeoutMs = 1000): Promise<Array<{ node: Node; status?: EtcdStatus; error?: Error }>> {
  return Promise.all(
    cluster.nodes.map(async (node) => {
      try {
        return { node, status: await new EtcdClient([clientUrl(node, true)], { timeoutMs }).status() };
      } catch (error) {
        return { node, error: error as Error };
      }
    }),
  );
}

/**
 * The member that says it leads, in the highest term: asked of etcd itself, so a member that
 * merely believes in a dead leader cannot name it, and an isolated ex-leader (which steps down
 * once it misses a quorum: etcd runs Raft with CheckQuorum) is not counted.
 */
async function leader(cluster: Cluster): Promise<Node | undefined> {
  const claims = (await statuses(cluster)).filter((s) => s.status && s.status.leader !== "0" && s.status.leader === s.status.memberId);
  claims.sort((a, b) => b.status!.raftTerm - a.status!.raftTerm);
  return claims[0]?.node;
}

/** Steady state: every member answers /health true and all name the same leader, who is one of them. */
async function healthy(cluster: Cluster): Promise<boolean> {
  const all = await statuses(cluster);
  const down = all.filter((s) => !s.status);
  if (down.length) {
    throw probeFailed(`members not answering: ${down.map((s) => `${s.node.name} (${errorReason(s.error)})`).join(", ")}`, {
      cluster: cluster.name,
      node: down.length === 1 ? down[0]!.node.name : undefined,
    });
  }
  const leaders = new Set(all.map((s) => s.status!.leader));
  const ids = new Set(all.map((s) => s.status!.memberId));
  const [only] = leaders;
  if (leaders.size !== 1 || only === "0" || !ids.has(only!)) {
    throw probeFailed(`members disagree on the leader: ${all.map((s) => `${s.node.name}→${s.status!.leader}@${s.status!.raftTerm}`).join(", ")}`, {
      cluster: cluster.name,
    });
  }
  for (const node of cluster.nodes) {
    const { status, body } = await nodeHttpGet(node, "client", "/health", 2000);
    if (status !== 200 || !/"health"\s*:\s*"true"/.test(body))
      throw probeFailed(`${node.name} /health answered ${status}: ${body.trim()}`, { cluster: cluster.name, node: node.name });
  }
  return true;
}

/**
 * A Raft-replicated etcd cluster with short timeouts. Members bind only their own host
 * (127.0.0.1, or their namespace's IP) and keep their data in `node.dataDir`, so a restarted
 * member rejoins with its log.
 *
 * ```ts
 * export default recipes.etcd({ nodes: 3, provisioner: "netns" });
 * const kv = recipes.etcd.client(cluster.nodes.map((n) => n.url("client")));
 * ```
 */
export function etcd(options: EtcdRecipeOptions = {}): ClusterDefinition {
  const heartbeat = options.heartbeatMs ?? 50;
  const election = options.electionMs ?? 500;
  if (!(election >= 5 * heartbeat)) {
    // etcd refuses to start otherwise; say so here, at the line that chose the numbers.
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      option: "recipes.etcd electionMs",
      message: `electionMs must be at least 5 × heartbeatMs (${5 * heartbeat}), received ${describeValue(options.electionMs)}`,
      hint: "e.g. recipes.etcd({ heartbeatMs: 50, electionMs: 500 })",
    });
  }
  return defineCluster({
    nodes: options.nodes ?? 3,
    provisioner: options.provisioner ?? "process",
    ports: ["client", "peer"],
    command: ({ node, cluster }) => [
      "etcd",
      "--name",
      node.name,
      "--data-dir",
      node.dataDir,
      "--listen-client-urls",
      `http://${node.host}:${node.port("client")}`,
      "--advertise-client-urls",
      `http://${node.host}:${node.port("client")}`,
      "--listen-peer-urls",
      peerUrl(node),
      "--initial-advertise-peer-urls",
      peerUrl(node),
      "--initial-cluster",
      cluster.nodes.map((peer) => `${peer.name}=${peerUrl(peer)}`).join(","),
      // Unique per cluster directory, so members of two clusters can never join each other.
      "--initial-cluster-token",
      `faultline-${cluster.name}-${cluster.dir.split("/").pop() ?? ""}`,
      "--initial-cluster-state",
      "new",
      "--heartbeat-interval",
      String(heartbeat),
      "--election-timeout",
      String(election),
      // Pre-vote: a member coming back from a partition does not depose a healthy leader.
      "--pre-vote",
      "--logger",
      "zap",
      "--log-outputs",
      "stderr",
      ...(options.args ?? []),
    ],
    // The client port answers only once the member has joined (etcd serves clients after its
    // ReadyNotify), so /version is a readiness probe that works for a member rejoining alone.
    ready: probes.http({ port: "client", path: "/version", timeout: "2s" }),
    readyTimeout: options.readyTimeout ?? "20s",
    healthy,
    leader,
    // A leader stopping hands over leadership first, which waits for a peer; when the whole
    // cluster stops at once there is none, so do not wait etcd's full request timeout for it.
    stop: { signal: "SIGTERM", timeout: "3s" },
    ...(options.provisioner === "docker" ? { docker: { image: options.image ?? "faultline/etcd:local" } } : {}),
  });
}

/** A client over the endpoints' JSON gateway: `etcd.client(cluster.nodes.map((n) => n.url("client")))`. */
etcd.client = etcdClient;
/** The endpoints of every member, as a test dials them (through the fault proxies). */
etcd.endpoints = (cluster: Cluster): string[] => cluster.nodes.map((node) => clientUrl(node));
