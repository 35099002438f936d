/**
 * Reconnection scenarios against a real three-member etcd (Debian's etcd-server), as local
 * processes. Partitions need network namespaces: they are in etcd-partitions.test.ts.
 *
 * @cluster etcd
 */
import { useCluster, faults, recipes } from "faultline";
import { endpointsFrom, note } from "./etcd/cluster-helpers";
import { RetryingEtcd } from "./etcd/retrying-client";
import { ResumingWatch } from "./etcd/resuming-watch";
import { Writer } from "./etcd/writer";

const cluster = useCluster("etcd");

/** Writers and watches a test started, stopped after it whether it passed or not. */
const running: Array<{ stop(): unknown }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((one) => one.stop()));
});
function track<T extends { stop(): unknown }>(one: T): T {
  running.push(one);
  return one;
}

async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${ms}ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test("S2: after the leader is killed, a new leader is elected and clients resume within bounds", async () => {
  const leader = (await cluster.leader())!;
  // The client tries the leader first, as one that was talking to it would.
  const writer = track(new Writer(recipes.etcd.client(endpointsFrom(cluster, leader), { timeoutMs: 1000 }), "s2/"));
  await writer.nextAck();

  const killedAt = performance.now();
  await using fault = await cluster.inject(faults.kill({ node: "leader" }));
  const resumed = writer.nextAck();
  await expect(cluster).toElectLeaderWithin("5s", { different: true });
  const electedAfter = performance.now() - killedAt;
  await expect(resumed).toCompleteWithin("5s");
  const resumedAfter = (await resumed).at - killedAt;
  note(cluster, `S2: ${leader.name} killed; new leader after ${Math.round(electedAfter)}ms, writes resumed after ${Math.round(resumedAfter)}ms`);

  // A fresh client that knows every member works right away, without the dead one.
  const fresh = new RetryingEtcd(recipes.etcd.client(endpointsFrom(cluster, leader), { timeoutMs: 1000 }));
  await expect(fresh.put("s2/fresh", "ok")).resolves.toBeGreaterThan(0);
  await writer.stop();
  await fault.heal();
  await expect(cluster).toRecoverWithin("20s");
});

test("S4: a member stopped with SIGTERM and started again rejoins, and no acknowledged write is lost", async () => {
  const node = (await cluster.leader())!;
  const writer = track(new Writer(recipes.etcd.client(endpointsFrom(cluster, node), { timeoutMs: 1000 }), "s4/"));
  await until(() => writer.acked.length >= 20, 5000, "20 writes before the stop");

  await node.kill("SIGTERM");
  // etcd shuts down cleanly, then re-raises the signal (Go's convention), so it dies "by SIGTERM".
  await expect(node).toExitWithin("5s", { signal: "SIGTERM" });
  await expect(node.waitForLog(/closed etcd server/, "1s")).resolves.toBeTruthy();
  // Writes it misses while down must reach it through the log when it is back.
  const missed = writer.acked.length;
  await until(() => writer.acked.length >= missed + 20, 5000, "20 writes while the member is down");

  const stoppedFor = performance.now();
  await node.start();
  note(cluster, `S4: ${node.name} back and ready ${Math.round(performance.now() - stoppedFor)}ms after start`);
  // A client that only knows the restarted member reconnects to it.
  const pinned = recipes.etcd.client([node.url("client")], { timeoutMs: 2000 });
  const write = pinned.put("s4/after-restart", "ok");
  await expect(write).toCompleteWithin("5s");
  await expect(write).resolves.toBeGreaterThan(0);
  await writer.stop();

  // Every acknowledged write is there, read (linearizably) through the restarted member.
  const stored = new Map((await pinned.range("s4/", { prefix: true })).map((kv) => [kv.key, kv.value]));
  expect(writer.acked.length).toBeGreaterThanOrEqual(40);
  const lost = writer.acked.filter((ack) => stored.get(ack.key) !== ack.value);
  expect(lost).toEqual([]);
  await expect(cluster).toRecoverWithin("20s");
});

test("S5: when its member dies a bare watch just stops; a resuming watch misses no event", async () => {
  // A follower: writes go on through the others while the watches are without their member.
  const leader = (await cluster.leader())!;
  const node = cluster.nodes.find((n) => n !== leader)!;
  const bare = recipes.etcd.client([node.url("client")]).watch("s5/", { prefix: true });
  track({ stop: () => bare.cancel() });
  const resuming = track(new ResumingWatch(recipes.etcd.client(endpointsFrom(cluster, node)), "s5/", { prefix: true, retryDelayMs: 300 }));
  await Promise.all([bare.ready, resuming.ready]);
  const others = cluster.nodes.filter((n) => n !== node);
  const writer = track(
    new Writer(
      recipes.etcd.client(
        others.map((n) => n.url("client")),
        { timeoutMs: 1000 },
      ),
      "s5/",
    ),
  );
  await until(() => writer.acked.length >= 20 && bare.events.length >= 10, 5000, "events before the kill");

  await using fault = await cluster.inject(faults.kill({ node: node.name }));
  await expect(bare.closed).toCompleteWithin("3s");
  const seenByBare = bare.events.length;
  const ackedAtKill = writer.acked.length;
  await until(() => writer.acked.length >= ackedAtKill + 30, 10_000, "30 writes after the kill");
  await writer.stop();

  // The bare watch saw nothing after its member died.
  expect(bare.isOpen).toBe(false);
  expect(bare.events.length).toBe(seenByBare);
  expect(seenByBare).toBeLessThan(writer.acked.length);
  // The resuming one reconnected and delivers every acknowledged write, in order, each once.
  const last = writer.acked.at(-1)!.revision;
  await until(() => resuming.events.some((e) => e.modRevision >= last), 5000, "the resuming watch to catch up");
  resuming.stop();
  expect(resuming.reconnects).toBeGreaterThanOrEqual(1);
  const revisions = resuming.events.map((e) => e.modRevision);
  expect(revisions).toEqual([...new Set(revisions)].sort((a, b) => a - b));
  const delivered = new Set(resuming.events.map((e) => `${e.key}@${e.modRevision}`));
  expect(writer.acked.filter((ack) => !delivered.has(`${ack.key}@${ack.revision}`))).toEqual([]);
  note(
    cluster,
    `S5: bare watch stopped after ${seenByBare} events; resuming watch reconnected ${resuming.reconnects}× and delivered ${resuming.events.length}`,
  );
  await fault.heal();
});
