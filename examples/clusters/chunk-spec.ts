import { join } from "node:path";
import type { Cluster, ClusterSpec, Node } from "faultline";

/**
 * The chunk service (examples/chunk-service) as a cluster of local processes: node "chunk"
 * serves byte ranges from its cache in its data dir, and "origin-a", "origin-b", "origin-c" are
 * the storage origins it falls back to in that order. Shared by chunk.cluster.ts and
 * chunk-disk.cluster.ts, which differ only in what they add to this spec.
 */
const dist = join(__dirname, "..", "chunk-service", "dist");
const ORIGINS = ["origin-a", "origin-b", "origin-c"];

async function get(node: Node, path: string): Promise<Response> {
  return fetch(`${node.url("http", "http", { direct: true })}${path}`, { signal: AbortSignal.timeout(2000) });
}

export function chunkClusterSpec(extra: Partial<ClusterSpec> = {}): ClusterSpec {
  return {
    nodes: ["chunk", ...ORIGINS],
    provisioner: "process",
    // "failpoints" is only served by the chunk node, which imports faultline/failpoints.
    ports: ["http", "failpoints"],
    command: ({ node, cluster }) => {
      const listen = ["--host", node.host, "--port", String(node.port("http"))];
      if (node.name !== "chunk") return [process.execPath, join(dist, "origin-main.js"), "--name", node.name, ...listen];
      // Each origin through its own link, so a partition can cut the chunk service off from one.
      const origins = ORIGINS.flatMap((name) => ["--origin", `${name}=http://${cluster.peerAddress(node, cluster.node(name), "http")}`]);
      return [process.execPath, join(dist, "server.js"), ...listen, "--data-dir", node.dataDir, "--timeout", "1000", ...origins];
    },
    env: ({ node }): Record<string, string> => (node.name === "chunk" ? { FAULTLINE_FAILPOINTS_HTTP: `${node.host}:${node.port("failpoints")}` } : {}),
    ready: async (node) => {
      const response = await get(node, "/ready");
      if (response.status !== 200) throw new Error(`GET /ready answered ${response.status}`);
    },
    readyTimeout: "10s",
    // Steady state: the chunk service reaches every origin.
    healthy: async (cluster: Cluster) => {
      const response = await get(cluster.node("chunk"), "/health");
      if (response.status !== 200) throw new Error(`chunk /health answered ${response.status}: ${await response.text()}`);
    },
    stop: { signal: "SIGTERM", timeout: "5s" },
    ...extra,
  };
}
