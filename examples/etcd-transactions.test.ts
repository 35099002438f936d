/**
 * Elle's list-append workload against a real three-member etcd, under partitions and kills,
 * checked for strict serializability with toBeConsistent. Transactions commit through etcd's
 * `txn` with a compare on every touched key's mod revision (see etcd/list-append-store.ts).
 * Members run in network namespaces so a partition is iptables rules: Linux and root needed;
 * without root the file is skipped with the reason, unless FAULTLINE_REQUIRE=all.
 *
 * @cluster etcd-netns
 */
import { useCluster, faults, recipes, txnClient, checkTransactions, type Cluster, type History, type Txn } from "faultline";
import { note } from "./etcd/cluster-helpers";
import { ListAppendStore } from "./etcd/list-append-store";

const unavailable = process.getuid?.() === 0 ? undefined : 'partitions between etcd members need provisioner "netns" (Linux, root)';
const describeNetns = unavailable && process.env.FAULTLINE_REQUIRE !== "all" ? describe.skip : describe;

const cluster = useCluster("etcd-netns");
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `count` clients running random list-append transactions over a few keys until stopped. */
function startClients(history: History, target: Cluster, count: number, compare = true): { stop(): Promise<void> } {
  let running = true;
  let element = 0;
  const loops = Array.from({ length: count }, async (_, id) => {
    const store = new ListAppendStore(recipes.etcd.endpoints(target), 1000, compare);
    const client = txnClient(history, id);
    while (running) {
      const length = 1 + Math.floor(Math.random() * 4);
      const txn: Txn = Array.from({ length }, () => {
        const key = `elle/${Math.floor(Math.random() * 6)}`;
        return Math.random() < 0.5 ? (["r", key, null] as const) : (["append", key, ++element] as const);
      });
      await client.transact(txn, (t, signal) => store.run(t, signal), { timeout: "3s" });
      await sleep(10);
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

describeNetns(`list-append transactions on etcd${unavailable ? ` (${unavailable})` : ""}`, () => {
  test("transactions stay strictly serializable through a leader partition and a leader kill", async () => {
    const history = cluster.history();
    const clients = startClients(history, cluster, 4);
    try {
      await sleep(1500);
      {
        await using partition = await cluster.inject(faults.partition({ isolate: "leader" }));
        await expect(cluster).toElectLeaderWithin("5s", { different: true });
        await sleep(2000);
        await partition.heal();
      }
      await expect(cluster).toRecoverWithin("10s");
      await sleep(1500);
      {
        await using kill = await cluster.inject(faults.kill({ node: "leader" }));
        await expect(cluster).toElectLeaderWithin("5s", { different: true });
        await sleep(2000);
        await kill.heal();
      }
      await expect(cluster).toRecoverWithin("10s");
      await sleep(1500);
    } finally {
      await clients.stop();
    }
    const outcomes = { ok: 0, fail: 0, info: 0 };
    for (const op of history.operations) if (op.type !== "invoke") outcomes[op.type]++;
    note(cluster, `etcd list-append: ${outcomes.ok} committed, ${outcomes.fail} failed, ${outcomes.info} unknown transactions`);
    // The workload must have done real work, and contention or the faults turned some away, for the check to mean anything.
    expect(outcomes.ok).toBeGreaterThan(100);
    expect(outcomes.fail + outcomes.info).toBeGreaterThan(0);
    expect(history).toBeConsistent("strict-serializable");
  });

  test("without the compare, concurrent read-modify-writes overwrite appends, and the check says how", async () => {
    const history = cluster.history();
    const clients = startClients(history, cluster, 4, false);
    try {
      await sleep(3000);
    } finally {
      await clients.stop();
    }
    // A lost append shows as two reads no single order of appends explains, or as a cycle.
    note(cluster, `without the compare: ${checkTransactions(history, { model: "read-committed" }).message.split("\n")[0]}`);
    expect(history).not.toBeConsistent("read-committed");
    expect(() => expect(history).toBeConsistent("read-committed")).toThrow(/incompatible-order|G1c|G0/);
  });
});
