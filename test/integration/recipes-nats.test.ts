import type { FaultlineCluster } from "../../src/cluster/faultline-cluster";
import type { Node } from "../../src/cluster/types";
import { faults } from "../../src/faults/catalog";
import { netnsProblem } from "../../src/provisioners/netns/capabilities";
import { which } from "../../src/common/which";
import { recipes } from "../../src/recipes";
import type { JetStream } from "../../src/recipes/nats-jetstream";
import { requireOrSkip } from "../helpers/requirements";
import { eventually, listeningAddresses } from "./recipes-helpers";
import { startedCluster } from "./started-cluster";

jest.setTimeout(90_000);

const natsProblem = (): string | undefined =>
  which("nats-server") || which("nats-server", "/usr/sbin:/sbin") ? undefined : "nats-server is not on PATH or in /usr/sbin";
const describeNats = requireOrSkip("nats-server (apt-get install nats-server)", natsProblem);
const describeNatsNetns = requireOrSkip("nats-server and netns (root)", () => natsProblem() ?? netnsProblem());

/** Waits until the cluster names a meta leader other than `before`. */
function newLeader(cluster: FaultlineCluster, before: Node, ms: number): Promise<Node> {
  let seen: string | undefined;
  return eventually(
    () => `no meta leader in place of ${before.name} (leader: ${seen ?? "none"})`,
    ms,
    async () => {
      const leader = await cluster.leader();
      seen = leader?.name;
      return leader && leader.name !== before.name ? leader : undefined;
    },
  );
}

/**
 * Reads `stream` from the start through a new pull consumer, acknowledging as it goes: as
 * [sequence, data] pairs, once at least `count` have come (or after 10 s). A new consumer may
 * take a moment to get a leader of its own, so creating it and fetching are retried.
 */
async function readStream(js: JetStream, stream: string, count: number): Promise<Array<[number, string]>> {
  await eventually(`no consumer on ${stream}`, 10_000, () => js.addConsumer(stream, "reader").then(() => true));
  const read: Array<[number, string]> = [];
  const deadline = Date.now() + 10_000;
  while (read.length < count && Date.now() < deadline) {
    for (const message of await js.fetch(stream, "reader", { batch: 100, expiresMs: 500 }).catch(() => [])) {
      js.ack(message);
      read.push([message.seq, message.data.toString()]);
    }
  }
  return read;
}

/** What every provisioner must give: own-address binds, a meta leader, a replicated stream, and a new leader after a kill. */
function behavesLikeNats(get: () => FaultlineCluster): void {
  it("binds its client, route and monitoring ports on the node's own address only", () => {
    const cluster = get();
    for (const [node, addresses] of listeningAddresses(cluster)) {
      const { host } = cluster.node(node);
      const expected = ["client", "cluster", "monitor"].map((port) => `${host}:${cluster.node(node).port(port)}`);
      expect({ node, addresses: [...addresses].sort() }).toEqual({ node, addresses: expected.sort() });
    }
    if (cluster.provisioner === "process") expect(new Set(cluster.nodes.map((n) => n.host))).toEqual(new Set(["127.0.0.1"]));
    else expect(new Set(cluster.nodes.map((n) => n.host)).size).toBe(cluster.nodes.length);
  });

  it("names the JetStream meta leader, and is healthy", async () => {
    const cluster = get();
    const leader = await cluster.leader();
    expect(cluster.nodes.map((n) => n.name)).toContain(leader?.name);
    expect(await cluster.isHealthy()).toBe(true);
  });

  it("stores acknowledged messages in a replicated stream and delivers them to a pull consumer", async () => {
    const client = await recipes.nats.client(recipes.nats.addresses(get()));
    try {
      const js = recipes.nats.jetstream(client);
      const info = await js.addStream({ name: "RECIPE", subjects: ["recipe.>"], num_replicas: 3 });
      expect(info.config.num_replicas).toBe(3);
      const acks = [];
      for (let i = 1; i <= 5; i++) acks.push(await js.publish("recipe.x", `m${i}`, { msgId: `m${i}` }));
      expect(acks.map((a) => a.seq)).toEqual([1, 2, 3, 4, 5]);
      expect((await js.publish("recipe.x", "m1", { msgId: "m1" })).duplicate).toBe(true);
      expect(await readStream(js, "RECIPE", 5)).toEqual([1, 2, 3, 4, 5].map((i) => [i, `m${i}`]));
    } finally {
      client.close();
    }
  });

  it("elects a different meta leader after the leader is killed, and recovers when it restarts", async () => {
    const cluster = get();
    const before = (await cluster.leader())!;
    const fault = await cluster.inject(faults.kill({ node: "leader" }));
    try {
      expect(before.state).toBe("exited");
      expect((await newLeader(cluster, before, 20_000)).name).not.toBe(before.name);
    } finally {
      await fault.heal();
    }
    await cluster.waitUntilHealthy("30s");
  });
}

describeNats("recipes.nats on provisioner process", () => {
  const get = startedCluster(recipes.nats({ nodes: 3 }), "nats");
  behavesLikeNats(get);
});

describeNatsNetns("recipes.nats on provisioner netns", () => {
  const get = startedCluster(recipes.nats({ nodes: 3, provisioner: "netns" }), "nats-ns");
  behavesLikeNats(get);

  // The two servers left together are a quorum of the meta group and of the stream's group:
  // they must elect a new meta leader, although the old one never stopped, and keep the stream.
  it("isolates the meta leader with iptables: the others elect another, and a replicated stream keeps every acknowledged message", async () => {
    const cluster = get();
    const before = (await cluster.leader())!;
    const majority = cluster.nodes.filter((n) => n !== before);
    // Dialled on the majority side, where JetStream stays available.
    const client = await recipes.nats.client(majority.map((n) => n.address("client")));
    try {
      const js = recipes.nats.jetstream(client);
      await js.addStream({ name: "SPLIT", subjects: ["split.>"], num_replicas: 3 });
      for (let i = 1; i <= 3; i++) expect((await js.publish("split.x", `m${i}`, { msgId: `m${i}` })).seq).toBe(i);
      const fault = await cluster.inject(faults.partition({ isolate: before.name }));
      try {
        const after = await newLeader(cluster, before, 20_000);
        expect(majority.map((n) => n.name)).toContain(after.name);
        expect(before.state).toBe("running"); // cut off, not dead
        // A publish is acknowledged once a quorum of the stream's replicas stored it: retried
        // under the same id while the stream's own group elects a leader on the majority side.
        const ack = await eventually("the stream did not acknowledge m4", 20_000, () => js.publish("split.x", "m4", { msgId: "m4" }));
        expect(ack.seq).toBe(4);
        expect((await js.streamInfo("SPLIT")).state).toMatchObject({ messages: 4, first_seq: 1, last_seq: 4 });
      } finally {
        await fault.heal();
      }
      await cluster.waitUntilHealthy("30s");
      expect(await readStream(js, "SPLIT", 4)).toEqual([1, 2, 3, 4].map((i) => [i, `m${i}`]));
    } finally {
      client.close();
    }
  });
});
