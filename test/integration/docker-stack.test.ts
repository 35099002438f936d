/**
 * A stack on Docker: nodes from different images (etcd as the "db", this Node running a relay
 * service as the "app"), the app started once the db is ready, and a partition between the two
 * named by group. Real containers on one network of the run.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { httpAnswer } from "../helpers/http-answer";
import { defineCluster } from "../../src/cluster/define-cluster";
import type { CommandContext } from "../../src/cluster/types";
import { faults } from "../../src/faults/catalog";
import { requireOrSkip } from "../helpers/requirements";
import { dockerProblem, ETCD_IMAGE } from "./docker-helpers";
import { startedCluster } from "./started-cluster";

const describeDocker = requireOrSkip("a Docker engine", dockerProblem);
const describeRoot = requireOrSkip("root (partitions enter the containers' namespaces)", () =>
  process.getuid?.() === 0 ? undefined : `this process is not root (uid ${process.getuid?.()})`,
);
const RELAY = readFileSync(join(__dirname, "..", "fixtures", "servers", "relay-node.js"), "utf8");

const fetchData = (url: string): Promise<{ status: number; body: string }> => httpAnswer(`${url}/data`);

const spec = defineCluster({
  provisioner: "docker",
  stop: { timeout: "2s" },
  nodes: {
    db: {
      ports: ["client", "peer"],
      docker: { image: ETCD_IMAGE },
      command: ({ node }: CommandContext) => {
        const url = (port: string): string => `http://${node.host}:${node.port(port)}`;
        return [
          "etcd",
          ...["--name", node.name, "--data-dir", node.dataDir],
          ...["--listen-client-urls", url("client"), "--advertise-client-urls", url("client")],
          ...["--listen-peer-urls", url("peer"), "--initial-advertise-peer-urls", url("peer")],
          ...["--initial-cluster", `${node.name}=${url("peer")}`],
        ];
      },
    },
    app: {
      ports: ["web"],
      dependsOn: ["db"],
      docker: { image: "faultline/node:local" },
      command: ({ node, cluster }: CommandContext) => [
        process.execPath,
        "-e",
        RELAY,
        "--",
        ...["--host", node.host, "--port", String(node.port("web"))],
        ...["--upstream", cluster.peerAddress(node, cluster.node("db"), "client")],
      ],
    },
  },
});

describeDocker("a stack of different images on docker", () => {
  describeRoot("with faults inside the containers", () => {
    const stack = startedCluster(spec, "dstack", 90_000);

    it("runs each node from its own image, the app after the db is ready", async () => {
      const cluster = stack();
      // The app logs what it found when it tried its upstream once at start.
      expect(await cluster.node("app").waitForLog(/upstream (answered|unreachable) at start/, "10s")).toContain("upstream answered at start");
      const { status, body } = await fetchData(cluster.node("app").url("web"));
      expect(status).toBe(200);
      expect(body).toContain("404 page not found"); // etcd's answer to GET /
    });

    it("cuts app from db by group name, and heals", async () => {
      const cluster = stack();
      const fault = await cluster.inject(faults.partition({ groups: [["app"], ["db"]] }));
      try {
        const cut = await fetchData(cluster.node("app").url("web"));
        expect(cut.status).toBe(502);
        expect(cut.body).toContain("timed out");
      } finally {
        await fault.heal();
      }
      expect((await fetchData(cluster.node("app").url("web"))).status).toBe(200);
    }, 30_000);
  });
});
