import { expect } from "@jest/globals";
import { recipes, type Cluster } from "faultline";

/** Writes the primary acknowledged in the current run: key → value. */
const acknowledged = new Map<string, string>();
let run = 0;

/**
 * The workload, while the faults hold: a client that found the primary when the run began keeps
 * writing to it, as an application holding a connection does, until the Sentinels name another
 * primary (a client that asks them would move then) or eight seconds pass. A write counts when
 * the primary answered OK.
 */
export async function writeToThePrimary(cluster: Cluster): Promise<void> {
  run++;
  acknowledged.clear();
  const primary = await cluster.leader();
  if (!primary) return;
  const started = performance.now();
  for (let i = 0; performance.now() - started < 8000; i++) {
    const key = `run${run}-${i}`;
    try {
      const client = await recipes.redis.client(primary.address("redis"));
      try {
        if ((await client.command("SET", key, String(i))) === "OK") acknowledged.set(key, String(i));
      } finally {
        client.close();
      }
    } catch {
      // refused, reset or timed out: not acknowledged
    }
    if (i % 5 === 4 && (await cluster.leader())?.name !== primary.name) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Once the faults are healed: Sentinel's view recovers, and every acknowledged write is on the primary it names. */
export async function everyAcknowledgedWriteSurvives(cluster: Cluster): Promise<void> {
  await expect(cluster).toRecoverWithin("40s");
  const primary = (await cluster.leader())!;
  const client = await recipes.redis.client(primary.address("redis"));
  try {
    for (const [key, value] of acknowledged) {
      const read = await client.command("GET", key);
      if (read !== value)
        throw new Error(`the acknowledged write ${key}=${value} is lost: ${primary.name}, the primary after the heal, holds ${JSON.stringify(read)}`);
    }
  } finally {
    client.close();
  }
}
