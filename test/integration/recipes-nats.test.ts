import { startCluster } from "../../src/cluster/start-cluster";
import type { FaultlineCluster } from "../../src/cluster/faultline-cluster";
import { faults } from "../../src/faults/catalog";
import { which } from "../../src/provisioners/which";
import { recipes } from "../../src/recipes";
import { beginRun, endRun, type RunContext } from "../../src/reaper/run-context";
import { requireOrSkip } from "../helpers/requirements";
import { listeningAddresses } from "./recipes-helpers";

jest.setTimeout(90_000);

const describeNats = requireOrSkip("nats-server (apt-get install nats-server)", () =>
  which("nats-server") || which("nats-server", "/usr/sbin:/sbin") ? undefined : "nats-server is not on PATH or in /usr/sbin",
);

describeNats("recipes.nats on provisioner process", () => {
  let run: RunContext;
  let cluster: FaultlineCluster;
  beforeAll(async () => {
    run = beginRun();
    cluster = await startCluster(recipes.nats({ nodes: 3 }), { name: "nats", run });
  });
  afterAll(async () => {
    await cluster?.stop();
    if (run) await endRun(run);
  });

  it("binds every port on 127.0.0.1 only", () => {
    for (const [node, addresses] of listeningAddresses(cluster)) {
      expect({ node, count: addresses.length }).toEqual({ node, count: 3 });
      for (const address of addresses) expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    }
  });

  it("names the JetStream meta leader, and is healthy", async () => {
    const leader = await cluster.leader();
    expect(cluster.nodes.map((n) => n.name)).toContain(leader?.name);
    expect(await cluster.isHealthy()).toBe(true);
  });

  it("stores acknowledged messages in a replicated stream and delivers them to a pull consumer", async () => {
    const client = await recipes.nats.client(recipes.nats.addresses(cluster));
    try {
      const js = recipes.nats.jetstream(client);
      const info = await js.addStream({ name: "RECIPE", subjects: ["recipe.>"], num_replicas: 3 });
      expect(info.config.num_replicas).toBe(3);
      const acks = [];
      for (let i = 1; i <= 5; i++) acks.push(await js.publish("recipe.x", `m${i}`, { msgId: `m${i}` }));
      expect(acks.map((a) => a.seq)).toEqual([1, 2, 3, 4, 5]);
      expect((await js.publish("recipe.x", "m1", { msgId: "m1" })).duplicate).toBe(true);
      await js.addConsumer("RECIPE", "reader");
      const got = await js.fetch("RECIPE", "reader", { batch: 10, expiresMs: 500 });
      expect(got.map((m) => [m.seq, m.data.toString()])).toEqual([1, 2, 3, 4, 5].map((i) => [i, `m${i}`]));
    } finally {
      client.close();
    }
  });

  it("elects a different meta leader after the leader is killed, and recovers when it restarts", async () => {
    const before = (await cluster.leader())!;
    const fault = await cluster.inject(faults.kill({ node: "leader" }));
    try {
      const deadline = Date.now() + 20_000;
      let after = await cluster.leader();
      while (!after || after.name === before.name) {
        if (Date.now() > deadline) throw new Error(`no new meta leader within 20s (before: ${before.name})`);
        await new Promise((r) => setTimeout(r, 200));
        after = await cluster.leader();
      }
      expect(after.name).not.toBe(before.name);
    } finally {
      await fault.heal();
    }
    await cluster.waitUntilHealthy("30s");
  });
});
