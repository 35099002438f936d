/**
 * Layer 2 of the test plan: the chunk service as a real process (examples/chunk-service/dist),
 * with three real origin processes, under process and host faults — signals, kill -9, a
 * corrupted file, a descriptor limit, a moved clock. See clusters/chunk.cluster.ts.
 *
 * @cluster chunk
 */
import { existsSync } from "node:fs";
import { Agent, request } from "node:http";
import { join } from "node:path";
import { faults, useCluster, withFault } from "faultline";
import { objectBytes } from "./chunk-service/objects";

const cluster = useCluster("chunk");
const service = () => cluster.node("chunk");
const CHUNK = 64 * 1024;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json: { code?: string; now?: number; repair?: { verified: number; orphans: string[] } };
}

/** GET on the chunk service; `chunks` asks for that many whole chunks of the object from the start. */
function get(path: string, options: { chunks?: number; agent?: Agent } = {}): Promise<Reply> {
  const headers: Record<string, string> = options.chunks ? { range: `bytes=0-${options.chunks * CHUNK - 1}` } : {};
  return new Promise((resolve, reject) => {
    const req = request(`${service().url("http")}${path}`, { headers, agent: options.agent ?? false }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (part: Buffer) => parts.push(part));
      res.on("end", () => {
        const body = Buffer.concat(parts);
        const json = res.headers["content-type"] === "application/json" ? JSON.parse(body.toString()) : {};
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    // A hang fails fast and says where, instead of running into the test's timeout.
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${path}: no answer within 10s`)));
    req.end();
  });
}

/** Resolves once the chunk's data file is on disk: with a failpoint on cache.index, the write is then held between data and index. */
async function chunkWritten(id: string): Promise<void> {
  const file = join(service().dataDir, "chunks", id);
  while (!existsSync(file)) await new Promise((resolve) => setTimeout(resolve, 20));
}

test(
  "SIGTERM: the request in flight is answered in full, then the service exits 0",
  withFault("failpoint", { node: "chunk", name: "cache.index", term: "sleep(1000)" }, async () => {
    const inFlight = get("/objects/term.bin", { chunks: 1 });
    await chunkWritten("term.bin@0");
    await service().kill("SIGTERM");
    await service().waitForLog(/SIGTERM: finishing 1 requests in flight/, "2s");
    await expect(service()).not.toExitWithin("500ms"); // the failpoint holds the request for a second
    const reply = await inFlight;
    expect(reply.status).toBe(206);
    expect(reply.body.equals(objectBytes("term.bin", 0, CHUNK))).toBe(true);
    await expect(service()).toExitWithin("5s", { code: 0 });
  }),
);

test("SIGINT: the service exits 0", async () => {
  await service().kill("SIGINT");
  await expect(service()).toExitWithin("5s", { code: 0 });
  await service().waitForLog(/SIGINT: finishing 0 requests in flight/, "1s");
});

test(
  "a second SIGTERM does not wait for the request in flight: exit 143 at once",
  withFault("failpoint", { node: "chunk", name: "cache.index", term: "sleep(20000)" }, async () => {
    const inFlight = get("/objects/stuck.bin", { chunks: 1 }).catch((error: Error) => error);
    await chunkWritten("stuck.bin@0");
    await using terminate = await cluster.inject(faults.terminate({ node: "chunk", twice: true }));
    await expect(service()).toExitWithin("2s", { code: 143 });
    expect(await inFlight).toMatchObject({ code: "ECONNRESET" });
    await terminate.heal(); // starts the service again
  }),
);

test("kill -9 in the middle of a cache write, then restart: indexed chunks survive, the torn write is dropped", async () => {
  expect((await get("/objects/kept.bin", { chunks: 2 })).headers["x-cache"]).toBe("miss");
  await using held = await cluster.inject(faults.failpoint({ node: "chunk", name: "cache.index", term: "pause" }));
  const torn = get("/objects/torn.bin", { chunks: 1 }).catch((error: Error) => error);
  await chunkWritten("torn.bin@0");
  await using kill = await cluster.inject(faults.kill({ node: "chunk" }));
  expect(await torn).toMatchObject({ code: "ECONNRESET" });
  await kill.heal(); // starts the node again, on the data dir the kill left behind
  await held.heal(); // nothing left to release: the new process never had the failpoint
  expect((await get("/cache")).json.repair).toMatchObject({ dropped: [], orphans: ["torn.bin@0"] });
  const kept = await get("/objects/kept.bin", { chunks: 2 });
  expect(kept.headers["x-cache"]).toBe("hit");
  expect(kept.body.equals(objectBytes("kept.bin", 0, 2 * CHUNK))).toBe(true);
});

test("a corrupted chunk file is detected at start, dropped, and fetched again", async () => {
  await get("/objects/flipped.bin", { chunks: 1 });
  // Leaves the node stopped with bits flipped in the chunk's data file.
  await using corrupt = await cluster.inject(faults.disk({ node: "chunk", mode: "corrupt", path: "chunks/flipped.bin@0" }));
  await service().start();
  await service().waitForLog(/cache dropped flipped\.bin@0: checksum mismatch/, "1s");
  const again = await get("/objects/flipped.bin", { chunks: 1 });
  expect(again.headers["x-cache"]).toBe("miss");
  expect(again.body.equals(objectBytes("flipped.bin", 0, CHUNK))).toBe(true);
  await corrupt.heal(); // the original bytes back, and the service restarted on them
});

test("a descriptor limit turns requests into 503 EMFILE answers, not a crash; heal restores service", async () => {
  // One kept-alive connection, opened before the limit: the answer needs no new descriptor.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    expect((await get("/objects/limited.bin", { chunks: 1, agent })).status).toBe(206);
    // A Node process holds its first descriptors (stdio, epoll, event-loop pipes) for life, so
    // under a limit of 8 every new file or socket fails.
    await using limit = await cluster.inject(faults.resources({ node: "chunk", nofile: 8 }));
    const limited = await get("/objects/limited.bin", { chunks: 1, agent });
    expect(limited.status).toBe(503);
    expect(limited.json.code).toBe("EMFILE");
    expect(service().state).toBe("running");
    await limit.heal();
    expect((await get("/objects/limited.bin", { chunks: 1, agent })).status).toBe(206);
  } finally {
    agent.destroy();
  }
});

test("a clock fault moves the service's wall clock; heal puts it back", async () => {
  const skew = async (): Promise<number> => (await get("/time")).json.now! - Date.now();
  expect(Math.abs(await skew())).toBeLessThan(1000);
  const fault = await cluster.inject(faults.clock({ node: "chunk", offset: "-10m" }));
  expect(await skew()).toBeCloseTo(-10 * 60_000, -4);
  await fault.heal();
  expect(Math.abs(await skew())).toBeLessThan(1000);
});
