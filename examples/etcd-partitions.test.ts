/**
 * Partition scenarios against a real three-member etcd. Members run in their own network
 * namespaces, so a partition is iptables rules between them: this needs Linux and root.
 * Without root the file is skipped with the reason, unless FAULTLINE_REQUIRE=all, where it
 * fails with faultline's FAULTLINE_PERMISSION error.
 *
 * @cluster etcd-netns
 */
import { useCluster, faults, models, recipes, type Cluster, type History, type Node } from "faultline";
import { endpointsFrom, note } from "./etcd/cluster-helpers";
import { DEFAULT_BACKOFF, RetryingEtcd } from "./etcd/retrying-client";

const unavailable = process.getuid?.() === 0 ? undefined : 'partitions between etcd members need provisioner "netns" (Linux, root)';
const describeNetns = unavailable && process.env.FAULTLINE_REQUIRE !== "all" ? describe.skip : describe;

const cluster = useCluster("etcd-netns");
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `member` itself reports that it has no leader: it knows it is cut off. */
async function untilLeaderless(member: Node, ms: number): Promise<void> {
  const client = recipes.etcd.client([member.url("client", "http", { direct: true })], { timeoutMs: 500 });
  const deadline = performance.now() + ms;
  while ((await client.status()).leader !== "0") {
    if (performance.now() > deadline) throw new Error(`${member.name} still follows a leader ${ms}ms into its isolation`);
    await sleep(50);
  }
}

describeNetns(`etcd under partitions${unavailable ? ` (${unavailable})` : ""}`, () => {
  test("S1: with the leader isolated, a client without retries fails, a retrying one backs off ×2 or fails over, and no data is corrupted", async () => {
    const kv = recipes.etcd.client(recipes.etcd.endpoints(cluster));
    await kv.put("s1/seed", "before");
    const isolated = (await cluster.leader())!;
    const isolatedAt = performance.now();
    {
      await using partition = await cluster.inject(faults.partition({ isolate: isolated.name }));
      await expect(cluster).toElectLeaderWithin("5s", { different: true });
      note(
        cluster,
        `S1: ${isolated.name} isolated; the majority elected ${(await cluster.leader())?.name} after ${Math.round(performance.now() - isolatedAt)}ms`,
      );
      await untilLeaderless(isolated, 3000);

      // Three clients that were all talking to the isolated member.
      const bare = recipes.etcd.client([isolated.url("client")]);
      const pinned = new RetryingEtcd(recipes.etcd.client([isolated.url("client")]));
      const failover = new RetryingEtcd(recipes.etcd.client(endpointsFrom(cluster, isolated)));
      const [bareResult, pinnedResult, failoverResult] = await Promise.allSettled([
        bare.put("s1/bare", "x"),
        pinned.put("s1/pinned", "x"),
        failover.put("s1/failover", "y"),
      ]);

      // Without retries: one clear, immediate failure.
      expect(bareResult).toMatchObject({ status: "rejected", reason: { code: "ETCD_ERROR", message: expect.stringMatching(/no leader/) } });
      // Retrying against the isolated member only: 3 retries 500 ms, 1 s, 2 s apart, then a clear error.
      expect(pinnedResult).toMatchObject({ status: "rejected", reason: { message: expect.stringMatching(/gave up after 4 attempts.*no leader/) } });
      expect(pinned.attempts).toRetryWithBackoff({ attempts: 4, factor: DEFAULT_BACKOFF.factor, minDelay: "500ms", maxDelay: "30s", tolerance: 0.3 });
      // Retrying with every member: one failure on the isolated one, then the majority serves it.
      expect(failoverResult).toMatchObject({ status: "fulfilled" });
      expect(failover.attempts).toHaveLength(2);
      expect(failover.attempts).toRetryWithBackoff({ attempts: 2, minDelay: "500ms", tolerance: 0.3 });
      await partition.heal();
    }
    await expect(cluster).toRecoverWithin("10s");

    // Every member, the formerly isolated one too, holds exactly the acknowledged writes.
    for (const member of cluster.nodes) {
      const stored = await recipes.etcd.client([member.url("client")]).range("s1/", { prefix: true });
      expect(Object.fromEntries(stored.map((e) => [e.key, e.value]))).toEqual({ "s1/seed": "before", "s1/failover": "y" });
    }
  });

  test("S3: writes need a quorum; without one they fail cleanly, never with a false ack; after healing the history is linearizable", async () => {
    const history = cluster.history();
    const workers = startWorkers(history, cluster, 3);
    try {
      await sleep(1000);

      // One member cut off: the other two are a majority and keep serving.
      const leader = (await cluster.leader())!;
      const follower = cluster.nodes.find((n) => n !== leader)!;
      {
        await using cut = await cluster.inject(faults.partition({ isolate: follower.name }));
        const majority = recipes.etcd.client(cluster.nodes.filter((n) => n !== follower).map((n) => n.url("client")));
        await expect(majority.put("s3/one-cut", "ok")).resolves.toBeGreaterThan(0);
        const from = history.now();
        await sleep(1500);
        expect(okBetween(history, from, history.now()).filter((op) => op.f !== "read").length).toBeGreaterThan(0);
        await cut.heal();
      }
      await expect(cluster).toRecoverWithin("10s");

      // Every member cut off from every other: no majority anywhere.
      const appliedAt = history.now();
      {
        await using all = await cluster.inject(faults.partition({ groups: cluster.nodes.map((n) => [n.name]) }));
        await sleep(1500);
        const lone = cluster.nodes.map((n) => recipes.etcd.client([n.url("client")], { timeoutMs: 1500 }).put("s3/no-quorum", n.name));
        for (const attempt of await Promise.allSettled(lone)) {
          expect(attempt).toMatchObject({ status: "rejected", reason: { code: expect.stringMatching(/^(ETIMEDOUT|ETCD_ERROR)$/) } });
        }
        // Nothing invoked after the partition began was acknowledged before it healed.
        expect(okBetween(history, appliedAt, history.now())).toEqual([]);
        await all.heal();
      }
      await expect(cluster).toRecoverWithin("10s");
      await sleep(1000);
    } finally {
      await workers.stop();
    }
    note(cluster, `S3: ${history.length} operations recorded (${history.operations.filter((op) => op.type === "ok").length} ok)`);
    expect(history).toBeLinearizable(models.casRegister());
  });
});

type Operation = History["operations"][number];

/** Completions of type ok whose operation was invoked at or after `from` and completed before `to`. */
function okBetween(history: History, from: number, to: number): Operation[] {
  const invoked = new Map<unknown, Operation>();
  const out: Operation[] = [];
  for (const op of history.operations) {
    if (op.type === "invoke") invoked.set(op.process, op);
    else if (op.type === "ok" && (invoked.get(op.process)?.time ?? -1) >= from && (op.time ?? Infinity) < to) out.push(op);
  }
  return out;
}

/** `count` clients doing random reads, writes and compare-and-sets on one key, recorded in `history`. */
function startWorkers(history: History, cluster: Cluster, count: number): { stop(): Promise<void> } {
  let running = true;
  const key = "s3/register";
  const loops = Array.from({ length: count }, async (_, id) => {
    const kv = recipes.etcd.client(recipes.etcd.endpoints(cluster), { timeoutMs: 1000 });
    const client = history.client(id);
    while (running) {
      const dice = Math.random();
      const a = Math.floor(Math.random() * 5);
      const b = Math.floor(Math.random() * 5);
      if (dice < 0.4) {
        await client.invoke("read", null, async () => {
          const kv1 = await kv.get(key);
          return kv1 === undefined ? null : Number(kv1.value);
        });
      } else if (dice < 0.7) {
        await client.invoke("write", a, async () => {
          await kv.put(key, String(a));
        });
      } else {
        await client.invoke("cas", [a, b], () => kv.cas(key, String(a), String(b)));
      }
      await sleep(30);
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}
