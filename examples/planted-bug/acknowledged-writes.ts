import { expect } from "@jest/globals";
import type { Cluster } from "faultline";
import { DemoClient } from "../demo-kv/dist/client";

/** Writes acknowledged in the current run: key → value. */
const acknowledged = new Map<string, string>();
let run = 0;

/** One PUT straight to a node: true when that node acknowledged it (a follower answers 421). */
async function put(url: string, key: string, value: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/kv/${encodeURIComponent(key)}`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ value }),
      signal: AbortSignal.timeout(1000),
    });
    return response.status === 200;
  } catch {
    return false; // refused, reset or timed out: not acknowledged
  }
}

/**
 * The workload, while the faults hold: a client attached to each node writes through it, in
 * six rounds over about two seconds (long enough for a majority to elect a new leader). Only a
 * leader that committed a write acknowledges it.
 */
export async function writeThroughEveryNode(cluster: Cluster): Promise<void> {
  run++;
  acknowledged.clear();
  for (let round = 0; round < 6; round++) {
    if (round > 0) await new Promise((resolve) => setTimeout(resolve, 400));
    await Promise.all(
      cluster.nodes.map(async (node) => {
        const key = `run${run}-${node.name}-${round}`;
        const value = `${node.name}@${round}`;
        if (await put(node.url("http"), key, value)) acknowledged.set(key, value);
      }),
    );
  }
}

/** The check once the faults are healed: the cluster recovers and every acknowledged write reads back. */
export async function everyAcknowledgedWriteSurvives(cluster: Cluster): Promise<void> {
  await expect(cluster).toRecoverWithin("15s");
  const client = new DemoClient(
    cluster.nodes.map((node) => node.url("http")),
    { timeoutMs: 2000 },
  );
  for (const [key, value] of acknowledged) {
    const read = await client.get(key);
    if (read.value !== value)
      throw new Error(
        `the acknowledged write ${key}=${value} is lost: after the heal the cluster holds ${read.found ? JSON.stringify(read.value) : "nothing"}`,
      );
  }
}
