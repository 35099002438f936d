import { join } from "node:path";
import { probes, type Cluster, type ClusterSpec } from "faultline";

/**
 * The demo key-value service (examples/demo-kv) as a cluster of Raft nodes, each told its
 * peers' addresses; `args` go to every node (e.g. a planted bug). Shared by demo.cluster.ts and
 * the planted-bug example.
 */
const server = join(__dirname, "..", "demo-kv", "dist", "server.js");

interface Health {
  id: string;
  role: string;
  term: number;
  leader: string | null;
}

async function healthOf(node: Cluster["nodes"][number]): Promise<Health> {
  const response = await fetch(`${node.url("http", "http", { direct: true })}/health`, { signal: AbortSignal.timeout(1000) });
  return (await response.json()) as Health;
}

function health(cluster: Cluster): Promise<Health[]> {
  return Promise.all(cluster.nodes.map(healthOf));
}

export function demoKvSpec(options: { nodes: number; args?: readonly string[] }): ClusterSpec {
  return {
    nodes: options.nodes,
    ports: ["http"],
    command: ({ node, cluster }) => [
      process.execPath,
      server,
      "--id",
      node.name,
      "--host",
      node.host,
      "--port",
      String(node.port("http")),
      "--data-dir",
      node.dataDir,
      // Each node reaches each peer through its own link, so the process provisioner can cut it.
      "--peers",
      cluster.nodes
        .filter((peer) => peer.name !== node.name)
        .map((peer) => `${peer.name}=${cluster.peerAddress(node, peer, "http")}`)
        .join(","),
      ...(options.args ?? []),
    ],
    // Ready once it serves HTTP; a node without a leader answers 503 and is still "up".
    ready: probes.http({ port: "http", path: "/health", status: (s) => s === 200 || s === 503 }),
    readyTimeout: "10s",
    // Steady state: every node knows the same leader in the same term.
    healthy: async (cluster) => {
      const all = await health(cluster);
      const leaders = new Set(all.map((h) => `${h.leader}@${h.term}`));
      if (leaders.size !== 1 || all[0]!.leader === null)
        throw new Error(`nodes disagree on the leader: ${all.map((h) => `${h.id}→${h.leader}@${h.term}`).join(", ")}`);
    },
    leader: async (cluster) => {
      // Ask every node that answers: a dead or paused node must not hide the leader.
      const answers = await Promise.allSettled(cluster.nodes.map(healthOf));
      const leaders = answers.flatMap((a) => (a.status === "fulfilled" && a.value.role === "leader" ? [a.value] : []));
      return leaders.sort((a, b) => b.term - a.term)[0]?.id;
    },
    stop: { signal: "SIGTERM", timeout: "5s" },
  };
}
