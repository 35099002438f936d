/**
 * Redis Sentinel under a primary failure (Debian's redis-server and redis-sentinel).
 *
 * @cluster redis
 */
import { useCluster, faults, recipes, type Node } from "faultline";

const cluster = useCluster("redis");

async function command(node: Node, ...args: string[]): Promise<unknown> {
  const client = await recipes.redis.client(node.address("redis"));
  try {
    return await client.command(...args);
  } finally {
    client.close();
  }
}

test("Sentinel promotes a replica when the primary is killed, and no replicated write is lost", async () => {
  const old = (await cluster.leader())!;
  const keys = Array.from({ length: 50 }, (_, i) => `order:${i}`);
  const client = await recipes.redis.client(old.address("redis"));
  try {
    for (const [i, key] of keys.entries()) await client.command("SET", key, String(i));
    // WAIT: both replicas have every write above before we pull the plug.
    expect(await client.command("WAIT", "2", "2000")).toBe(2);
  } finally {
    client.close();
  }

  const killedAt = performance.now();
  await using fault = await cluster.inject(faults.kill({ node: old.name }));
  await expect(cluster).toElectLeaderWithin("15s", { different: true });
  const promotedAfter = performance.now() - killedAt;
  // Recovered: the sentinels agree on the promoted replica and the other replica follows it.
  await expect(cluster).toRecoverWithin("15s");
  const recoveredAfter = performance.now() - killedAt;
  const promoted = (await cluster.leader())!;
  cluster.timeline.record({
    type: "note",
    message: `redis: ${old.name} killed; ${promoted.name} promoted after ${Math.round(promotedAfter)}ms, service recovered after ${Math.round(recoveredAfter)}ms`,
  });
  console.info(
    `redis: ${old.name} killed; ${promoted.name} promoted after ${Math.round(promotedAfter)}ms, service recovered after ${Math.round(recoveredAfter)}ms`,
  );

  expect(promoted.name).toMatch(/^replica/);
  expect(await command(promoted, "MGET", ...keys)).toEqual(keys.map((_, i) => String(i)));
  expect(await command(promoted, "SET", "after", "failover")).toBe("OK");

  // The old primary comes back as a replica of the new one, not as a second primary.
  await fault.heal();
  await expect(cluster).toRecoverWithin("15s");
  expect(await command(old, "ROLE")).toEqual(expect.arrayContaining(["slave", promoted.host, promoted.port("redis")]));
  expect(await command(old, "GET", "after")).toBe("failover");
});
