import { join } from "node:path";
import { defineCluster, type CommandContext } from "faultline";

/**
 * The compose example's stack written as a per-node spec, on provisioner "netns" (no Docker):
 * Redis, etcd and our shop service as processes of this machine, each in its own network
 * namespace with its own address. The shop finds its dependencies through `peerAddress`
 * instead of a service name. Needs Linux, root, `redis-server` and `etcd-server`.
 */
const url = ({ node }: CommandContext, port: string): string => `http://${node.host}:${node.port(port)}`;

export default defineCluster({
  provisioner: "netns",
  stop: { timeout: "3s" },
  nodes: {
    cache: {
      ports: ["6379"],
      command: ({ node }) => ["redis-server", "--bind", node.host, "--port", "6379", "--save", "", "--appendonly", "no", "--protected-mode", "no"],
    },
    store: {
      ports: ["2379", "2380"],
      command: (ctx) => [
        "etcd",
        ...["--name", ctx.node.name, "--data-dir", ctx.node.dataDir],
        ...["--listen-client-urls", url(ctx, "2379"), "--advertise-client-urls", url(ctx, "2379")],
        ...["--listen-peer-urls", url(ctx, "2380"), "--initial-advertise-peer-urls", url(ctx, "2380")],
        ...["--initial-cluster", `${ctx.node.name}=${url(ctx, "2380")}`],
      ],
    },
    shop: {
      ports: ["8080"],
      dependsOn: ["cache", "store"],
      command: () => [process.execPath, join(__dirname, "..", "stack", "app", "server.js")],
      env: ({ node, cluster }) => ({
        PORT: "8080",
        CACHE: cluster.peerAddress(node, cluster.node("cache"), "6379"),
        STORE: `http://${cluster.peerAddress(node, cluster.node("store"), "2379")}`,
      }),
    },
  },
});
