import { join } from "node:path";
import { httpAnswer } from "../../helpers/http-answer";
import { faults } from "../../../src/faults/catalog";
import { defineCluster } from "../../../src/cluster/define-cluster";
import type { CommandContext } from "../../../src/cluster/types";
import { startedCluster } from "../../integration/started-cluster";

const servers = join(__dirname, "..", "..", "fixtures", "servers");

const fetchData = (url: string): Promise<{ status: number; body: string }> => httpAnswer(`${url}/data`);

// A stack rather than N alike nodes: two "db" nodes and an "app" that reads from db1 and must
// start after the db group is ready. Real processes on the process provisioner.
const spec = defineCluster({
  nodes: {
    db: {
      count: 2,
      ports: ["http"],
      command: ({ node }: CommandContext) => [process.execPath, join(servers, "tiny-node.js"), "--name", node.name, "--port", String(node.port("http"))],
    },
    app: {
      ports: ["web"],
      dependsOn: ["db"],
      command: ({ node, cluster }: CommandContext) => [
        process.execPath,
        join(servers, "relay-node.js"),
        "--port",
        String(node.port("web")),
        "--upstream",
        cluster.peerAddress(node, cluster.node("db1"), "http"),
      ],
    },
  },
});

describe("clusters whose nodes differ (per-node specs)", () => {
  const stack = startedCluster(spec, "stack");

  it("names nodes by group, gives each its own ports, and starts a node after the nodes it depends on", async () => {
    const cluster = stack();
    expect(cluster.nodes.map((n) => [n.name, n.group])).toEqual([
      ["db1", "db"],
      ["db2", "db"],
      ["app", "app"],
    ]);
    expect(() => cluster.node("app").address("web")).not.toThrow();
    expect(cluster.node("db1").proxy("http")).toBeDefined();
    expect(cluster.node("app").proxy("http")).toBeUndefined();
    // The app logs what it found when it tried its upstream once at start.
    expect(await cluster.node("app").waitForLog(/upstream (answered|unreachable) at start/, "10s")).toContain("upstream answered at start");
    const { status, body } = await fetchData(cluster.node("app").url("web"));
    expect(status).toBe(200);
    expect(JSON.parse(body)).toMatchObject({ name: "db1" });
  });

  it("a fault naming a group acts on every node of the group", async () => {
    const cluster = stack();
    const fault = await cluster.inject(faults.kill({ node: "db" }));
    try {
      expect(cluster.node("db1").state).toBe("exited");
      expect(cluster.node("db2").state).toBe("exited");
      expect(cluster.node("app").state).toBe("running");
      expect((await fetchData(cluster.node("app").url("web"))).status).toBe(502);
    } finally {
      await fault.heal();
    }
    await cluster.waitUntilHealthy("20s");
    expect((await fetchData(cluster.node("app").url("web"))).status).toBe(200);
  }, 30_000);

  it("partitions groups by name: app cut from db, then healed", async () => {
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

  it("cuts only the links between two sides with between, leaving the rest connected", async () => {
    const cluster = stack();
    const fault = await cluster.inject(faults.partition({ between: ["app", "db2"] }));
    try {
      // app reads from db1, which is not on either side.
      expect((await fetchData(cluster.node("app").url("web"))).status).toBe(200);
      expect(cluster.peerAddress(cluster.node("app"), cluster.node("db2"), "http")).toBeDefined();
    } finally {
      await fault.heal();
    }
    const cut = await cluster.inject(faults.partition({ between: ["app", "db"] }));
    try {
      expect((await fetchData(cluster.node("app").url("web"))).status).toBe(502);
    } finally {
      await cut.heal();
    }
    expect(() => faults.partition({ between: ["app"] as never })).toThrow(/two sides/);
    await expect(cluster.inject(faults.partition({ between: ["db", "db1"] }))).rejects.toMatchObject({ option: "partition.between" });
  }, 30_000);
});
