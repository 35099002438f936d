/**
 * The demo suite: a three-node replicated key-value service (examples/demo-kv) under faults.
 * Each test reads as what it checks; `npm run demo` runs it with nothing but Node.
 *
 * @cluster demo
 */
import { useCluster, withFault, faults, models } from "faultline";
import { DemoClient } from "./demo-kv/dist/client";

const cluster = useCluster("demo");
const client = () =>
  new DemoClient(
    cluster.nodes.map((node) => node.url("http")),
    { timeoutMs: 2000 },
  );

test("the cluster comes back after its leader is killed", async () => {
  await using fault = await cluster.inject(faults.kill({ node: "leader" }));
  await expect(cluster).toElectLeaderWithin("10s", { different: true });
  await fault.heal();
  await expect(cluster).toRecoverWithin("20s");
});

test(
  "a write acknowledged before the leader dies survives it",
  withFault("kill", { node: "leader", recoverWithin: "20s" }, async () => {
    const kv = client();
    await expect(cluster).toElectLeaderWithin("10s", { different: true });
    await kv.put("color", "blue");
    expect((await kv.get("color")).value).toBe("blue");
  }),
);

test("SIGTERM makes a node exit cleanly", async () => {
  const node = cluster.node("n2");
  await node.kill("SIGTERM");
  await expect(node).toExitWithin("5s", { code: 0 });
});

test(
  "a paused follower does not stop the others from serving",
  withFault("pause", { node: "n3" }, async () => {
    const leader = await cluster.leader();
    if (leader?.name === "n3") await expect(cluster).toElectLeaderWithin("10s", { different: "n3" });
    await client().put("paused", "still-writable");
    expect((await client().get("paused")).value).toBe("still-writable");
  }),
);

test(
  "an isolated leader is replaced by the majority",
  withFault("partition", { isolate: "leader" }, async () => {
    await expect(cluster).toElectLeaderWithin("10s", { different: true });
  }),
);

test(
  "latency on client links slows requests but loses nothing",
  withFault("latency", { latency: "150ms" }, async () => {
    const started = performance.now();
    await client().put("slow", "but-sure");
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    expect((await client().get("slow")).value).toBe("but-sure");
  }),
);

test(
  "the cluster stays healthy through a restart of one node",
  withFault("restart", { node: "n1", recoverWithin: "20s" }, async () => {
    expect(cluster.node("n1").state).toBe("running");
  }),
);

test(
  "what clients were told during a leader partition is linearizable",
  withFault("partition", { isolate: "leader" }, async () => {
    const history = cluster.history();
    const deadline = performance.now() + 3000;
    // Three clients on one register: reads, writes and compare-and-sets, as in Jepsen's cas-register test.
    await Promise.all(
      [1, 2, 3].map(async (id) => {
        const kv = new DemoClient(
          cluster.nodes.map((node) => node.url("http")),
          { timeoutMs: 500 },
        );
        const client = history.client(id);
        for (let i = 0; performance.now() < deadline; i++) {
          const pick = (id * 7 + i) % 3;
          if (pick === 0) await client.invoke("read", null, async () => (await kv.get("register")).value);
          else if (pick === 1) await client.invoke("write", id * 100 + i, async () => void (await kv.put("register", id * 100 + i)));
          else await client.invoke("cas", [id * 100 + i - 1, id * 100 + i], async () => (await kv.cas("register", id * 100 + i - 1, id * 100 + i)).ok);
        }
      }),
    );
    expect(history.operations.filter((op) => op.type === "ok").length).toBeGreaterThan(10);
    expect(history).toBeLinearizable(models.casRegister());
  }),
);
