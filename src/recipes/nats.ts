import { defineCluster } from "../cluster/define-cluster";
import { nodeHttpGet, probeFailed, probes } from "../cluster/probes";
import type { Cluster, ClusterDefinition, Node, ProvisionerKind } from "../cluster/types";
import type { Duration } from "../common/duration";
import { which } from "../common/which";
import { NatsClient } from "./nats-client";
import { JetStream } from "./nats-jetstream";

export interface NatsRecipeOptions {
  /** Servers, named n1, n2, …. Default 3 (JetStream clustering needs at least 3). */
  nodes?: number;
  /** Enable JetStream, stored in each node's data dir. Default true. */
  jetstream?: boolean;
  /** Default "process". Partitions need "netns" or "docker", as for etcd. */
  provisioner?: ProvisionerKind;
  /** Image with nats-server, for provisioner "docker". Default "faultline/nats:local". */
  image?: string;
  readyTimeout?: Duration;
}

/**
 * Debian installs nats-server in /usr/sbin, which a non-root PATH often lacks: look there too,
 * and fall back to the bare name so a missing binary gets faultline's install hint.
 */
function natsBinary(): string {
  return which("nats-server") ?? which("nats-server", "/usr/local/sbin:/usr/sbin:/sbin") ?? "nats-server";
}

async function monitor(node: Node, path: string): Promise<{ status: number; body: string }> {
  return nodeHttpGet(node, "monitor", path, 1000);
}

/** The JetStream meta leader a server names in /jsz ("" when it knows none). */
async function metaLeaderOf(node: Node): Promise<string> {
  const { status, body } = await monitor(node, "/jsz");
  if (status !== 200) throw probeFailed(`${node.name} /jsz answered ${status}: ${body.trim()}`, { cluster: node.cluster, node: node.name });
  return (JSON.parse(body) as { meta_cluster?: { leader?: string } }).meta_cluster?.leader ?? "";
}

/**
 * The JetStream meta leader: a server that answers /jsz?leader-only=true (the others answer
 * 400) and that a majority of the servers name in /jsz. A leader cut off from the others keeps
 * answering as leader until it notices it lost its quorum (10 s or more in NATS 2.9), beside the
 * leader the majority has elected meanwhile; only the majority's leader is the leader.
 */
async function leader(cluster: Cluster): Promise<Node | undefined> {
  const [claims, named] = await Promise.all([
    Promise.allSettled(cluster.nodes.map((node) => monitor(node, "/jsz?leader-only=true"))),
    Promise.allSettled(cluster.nodes.map(metaLeaderOf)),
  ]);
  const votes = (name: string): number => named.filter((n) => n.status === "fulfilled" && n.value === name).length;
  return cluster.nodes.find((node, i) => {
    const claim = claims[i]!;
    return claim.status === "fulfilled" && claim.value.status === 200 && votes(node.name) > cluster.nodes.length / 2;
  });
}

/** Steady state: every server's /healthz is ok and, with JetStream, all name the same meta leader. */
async function healthy(cluster: Cluster, jetstream: boolean): Promise<boolean> {
  for (const node of cluster.nodes) {
    const { status, body } = await monitor(node, "/healthz");
    if (status !== 200) throw probeFailed(`${node.name} /healthz answered ${status}: ${body.trim()}`, { cluster: cluster.name, node: node.name });
  }
  if (!jetstream) return true;
  const leaders = await Promise.all(cluster.nodes.map(metaLeaderOf));
  if (new Set(leaders).size !== 1 || !leaders[0])
    throw probeFailed(`servers disagree on the JetStream meta leader: ${cluster.nodes.map((n, i) => `${n.name}→${leaders[i] || "none"}`).join(", ")}`, {
      cluster: cluster.name,
    });
  return true;
}

/**
 * A clustered NATS with JetStream: servers named n1, n2, … (their NATS server names too) with
 * ports "client", "cluster" (routes) and "monitor" (HTTP monitoring), all bound to the node's
 * own host. `cluster.leader()` is the JetStream meta leader.
 */
export function nats(options: NatsRecipeOptions = {}): ClusterDefinition {
  const jetstream = options.jetstream ?? true;
  return defineCluster({
    nodes: options.nodes ?? 3,
    provisioner: options.provisioner ?? "process",
    ports: ["client", "cluster", "monitor"],
    command: ({ node, cluster }) => [
      options.provisioner === "docker" ? "nats-server" : natsBinary(),
      "--addr",
      node.host,
      "--port",
      String(node.port("client")),
      "--http_port",
      String(node.port("monitor")), // served on --addr's host
      "--server_name",
      node.name,
      "--cluster_name",
      `faultline-${cluster.name}`,
      "--cluster",
      `nats://${node.host}:${node.port("cluster")}`,
      "--routes",
      cluster.nodes
        .filter((peer) => peer !== node)
        .map((peer) => `nats://${peer.host}:${peer.port("cluster")}`)
        .join(","),
      ...(jetstream ? ["--jetstream", "--store_dir", node.dataDir] : []),
    ],
    // Ready once it serves with JetStream on; the full /healthz (meta leader known, streams
    // current) is the cluster's steady state.
    ready: probes.http({ port: "monitor", path: jetstream ? "/healthz?js-enabled-only=true" : "/healthz" }),
    readyTimeout: options.readyTimeout ?? "15s",
    healthy: (cluster) => healthy(cluster, jetstream),
    ...(jetstream ? { leader } : {}),
    stop: { signal: "SIGTERM", timeout: "3s" },
    ...(options.provisioner === "docker" ? { docker: { image: options.image ?? "faultline/nats:local" } } : {}),
  });
}

/** A connection to the first server of `addresses` that answers: `recipes.nats.client(recipes.nats.addresses(cluster))`. */
nats.client = (addresses: string | readonly string[], options?: { timeoutMs?: number; name?: string }): Promise<NatsClient> =>
  NatsClient.connect(addresses, options);
/** The JetStream API over a connection. */
nats.jetstream = (client: NatsClient, timeoutMs?: number): JetStream => new JetStream(client, timeoutMs);
/** Every server's client address, as a test dials it (through the fault proxies). */
nats.addresses = (cluster: Cluster): string[] => cluster.nodes.map((node) => node.address("client"));
