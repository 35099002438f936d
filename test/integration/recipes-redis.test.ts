import { startCluster } from "../../src/cluster/start-cluster";
import type { FaultlineCluster } from "../../src/cluster/faultline-cluster";
import { faults } from "../../src/faults/catalog";
import { which } from "../../src/provisioners/which";
import { recipes } from "../../src/recipes";
import { beginRun, endRun, type RunContext } from "../../src/reaper/run-context";
import { requireOrSkip } from "../helpers/requirements";
import { listeningAddresses } from "./recipes-helpers";

jest.setTimeout(90_000);

const describeRedis = requireOrSkip("redis-server and redis-sentinel (apt-get install redis-server redis-sentinel)", () =>
  ["redis-server", "redis-sentinel"].filter((b) => !which(b)).map((b) => `${b} is not on PATH`)[0],
);

describeRedis("recipes.redis on provisioner process", () => {
  let run: RunContext;
  let cluster: FaultlineCluster;
  beforeAll(async () => {
    run = beginRun();
    cluster = await startCluster(recipes.redis({ replicas: 2, sentinels: 3 }), { name: "redis", run });
  });
  afterAll(async () => {
    await cluster?.stop();
    if (run) await endRun(run);
  });

  it("names its nodes by role, and the sentinels' primary is the leader", async () => {
    expect(cluster.nodes.map((n) => n.name)).toEqual(["primary", "replica1", "replica2", "sentinel1", "sentinel2", "sentinel3"]);
    expect((await cluster.leader())?.name).toBe("primary");
    expect(await cluster.isHealthy()).toBe(true);
  });

  it("binds every server and sentinel on 127.0.0.1 only", () => {
    for (const [node, addresses] of listeningAddresses(cluster)) {
      expect({ node, addresses }).toEqual({ node, addresses: [`127.0.0.1:${cluster.node(node).port("redis")}`] });
    }
  });

  it("replicates writes on the primary to the replicas", async () => {
    const primary = await recipes.redis.client(cluster.node("primary").address("redis"));
    try {
      expect(await primary.command("SET", "k", "v")).toBe("OK");
      expect(await primary.command("WAIT", "2", "2000")).toBe(2);
    } finally {
      primary.close();
    }
    const replica = await recipes.redis.client(cluster.node("replica1").address("redis"));
    try {
      expect(await replica.command("GET", "k")).toBe("v");
      await expect(replica.command("SET", "k", "w")).rejects.toMatchObject({ code: "REDIS_ERROR", message: expect.stringMatching(/^READONLY/) });
    } finally {
      replica.close();
    }
  });

  it("promotes a replica when the primary is killed, and takes the old primary back as a replica", async () => {
    const fault = await cluster.inject(faults.kill({ node: "leader" }));
    try {
      const deadline = Date.now() + 20_000;
      let leader = await cluster.leader();
      while (leader?.name === "primary" || leader === undefined) {
        if (Date.now() > deadline) throw new Error(`no replica promoted within 20s; leader: ${leader?.name}`);
        await new Promise((r) => setTimeout(r, 200));
        leader = await cluster.leader();
      }
      expect(leader.name).toMatch(/^replica/);
    } finally {
      await fault.heal();
    }
    await cluster.waitUntilHealthy("30s");
    const [kind] = (await (await recipes.redis.client(cluster.node("primary").address("redis"))).command("ROLE")) as string[];
    expect(kind).toBe("slave");
  });
});
