import Docker from "dockerode";
import { httpGet } from "../../src/cluster/probes";
import { provisionCluster } from "../../src/wiring/start-cluster";
import type { ClusterSpec } from "../../src/cluster/types";
import type { FaultlineCluster } from "../../src/cluster/faultline-cluster";
import { beginRun, endRun, type RunContext } from "../../src/reaper/run-context";
import { requireOrSkip } from "../helpers/requirements";
import { dockerProblem, ensureEtcdImage, ETCD_IMAGE, httpCall, labelled } from "./docker-helpers";

jest.setTimeout(60_000);

const describeDocker = requireOrSkip("a Docker engine", dockerProblem);

/** The same `command` a cluster module would give any provisioner. */
const SPEC: ClusterSpec = {
  nodes: 3,
  provisioner: "docker",
  ports: ["client", "peer"],
  docker: { image: ETCD_IMAGE },
  // Ready once the member serves linearizable reads, which needs the cluster to have a leader.
  ready: async (node) => {
    const result = await httpGet(node.host, node.port("client"), "/health", 1000);
    if (!result.body.includes('"health":"true"')) throw new Error(`/health: ${result.body}`);
  },
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
    `http://${node.host}:${node.port("peer")}`,
    "--initial-advertise-peer-urls",
    `http://${node.host}:${node.port("peer")}`,
    "--initial-cluster",
    cluster.nodes.map((peer) => `${peer.name}=http://${cluster.peerAddress(node, peer, "peer")}`).join(","),
    "--initial-cluster-state",
    "new",
    "--heartbeat-interval",
    "50",
    "--election-timeout",
    "300",
  ],
};

describeDocker("a cluster on provisioner docker, through provisionCluster", () => {
  const docker = new Docker();
  let run: RunContext;
  let cluster: FaultlineCluster;

  beforeAll(async () => {
    run = beginRun();
    await ensureEtcdImage(docker);
    cluster = await provisionCluster(SPEC, { name: "etcd", run });
  });

  afterAll(async () => {
    await cluster?.stop().catch(() => undefined);
    if (run) await endRun(run);
  });

  it("builds peer addresses from the nodes' own IPs and fixed ports", () => {
    const [n1, n2] = cluster.nodes;
    expect(cluster.peerAddress(n1!, n2!, "peer")).toBe(`${n2!.host}:10001`);
    expect(n1!.port("client")).toBe(10000);
  });

  it("serves clients through the fault proxy and directly", async () => {
    for (const node of cluster.nodes) {
      for (const direct of [false, true]) {
        const result = await httpCall(`${node.url("client", "http", { direct })}/health`);
        expect(typeof result === "string" ? result : result.body).toContain('"health":"true"');
      }
    }
  });

  it("restarts a node in a new container under the same name", async () => {
    const node = cluster.node("n2");
    const before = node.pid;
    await node.restart();
    expect(node.state).toBe("running");
    expect(node.pid).not.toBe(before);
    await cluster.waitUntilHealthy("15s");
    expect((await labelled(docker, run.id)).containers).toHaveLength(3);
  });

  it("leaves nothing behind when the cluster stops", async () => {
    await cluster.stop();
    expect(await labelled(docker, run.id)).toEqual({ containers: [], networks: [] });
  });
});
