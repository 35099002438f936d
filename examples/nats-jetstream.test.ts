/**
 * NATS JetStream under a leader failure (Debian's nats-server).
 *
 * @cluster nats
 */
import { useCluster, faults, recipes, type Node } from "faultline";
import { Publisher } from "./nats/publisher";

const cluster = useCluster("nats");

async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${ms}ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Retries `attempt` until it resolves, for up to `ms`. */
async function eventually<T>(attempt: () => Promise<T>, ms: number): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Kills `node` while the publisher runs, waits for `count` more acknowledgements, restarts it. */
async function killThrough(publisher: Publisher, node: Node, label: string, count = 30): Promise<void> {
  const killedAt = performance.now();
  const before = publisher.acked.length;
  await using fault = await cluster.inject(faults.kill({ node: node.name }));
  await until(() => publisher.acked.length >= before + count, 30_000, `${count} acknowledged messages after killing the ${label}`);
  const message = `nats: killed ${node.name} (${label}); publishes resumed after ${Math.round(publisher.acked[before]!.at - killedAt)}ms`;
  cluster.timeline.record({ type: "note", message });
  console.info(message);
  await fault.heal();
  await expect(cluster).toRecoverWithin("30s");
}

test("a stream with 3 replicas keeps every acknowledged message through a stream-leader and a meta-leader kill", async () => {
  const admin = recipes.nats.jetstream(await recipes.nats.client(recipes.nats.addresses(cluster)), 5000);
  await admin.addStream({ name: "ORDERS", subjects: ["orders.>"], num_replicas: 3 });
  const streamLeader = async (): Promise<string | undefined> => (await eventually(() => admin.streamInfo("ORDERS"), 10_000)).cluster?.leader;

  const publisher = new Publisher(recipes.nats.addresses(cluster), "orders.new");
  try {
    await until(() => publisher.acked.length >= 30, 10_000, "30 acknowledged messages before any kill");
    const first = cluster.node((await streamLeader())!);
    admin.client.close();
    await killThrough(publisher, first, "stream leader");
    await killThrough(publisher, (await cluster.leader())!, "JetStream meta leader");
    await publisher.stop();

    const reader = recipes.nats.jetstream(await recipes.nats.client(recipes.nats.addresses(cluster)), 2000);
    const info = await eventually(() => reader.streamInfo("ORDERS"), 10_000);
    expect(info.cluster?.leader).toMatch(/^n\d+$/);
    // Read the whole stream back through a pull consumer (a new consumer may take a moment
    // to get a leader of its own, so keep fetching until all the stream holds has come).
    await eventually(() => reader.addConsumer("ORDERS", "audit"), 10_000);
    const read: string[] = [];
    const deadline = performance.now() + 15_000;
    while (read.length < info.state.messages && performance.now() < deadline) {
      const batch = await reader.fetch("ORDERS", "audit", { batch: 100, expiresMs: 500 }).catch(() => []);
      for (const m of batch) reader.ack(m);
      read.push(...batch.map((m) => m.data.toString()));
    }
    reader.client.close();
    // Every acknowledged message is there, and none twice (retries carried the same Nats-Msg-Id).
    expect(publisher.acked.length).toBeGreaterThanOrEqual(90);
    expect(publisher.acked.filter((ack) => !read.includes(ack.id))).toEqual([]);
    expect(read.length).toBe(new Set(read).size);
    expect(new Set(publisher.acked.map((a) => a.seq)).size).toBe(publisher.acked.length);
  } finally {
    await publisher.stop();
  }
});
