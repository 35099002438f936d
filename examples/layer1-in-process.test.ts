/**
 * Layer 1 of the test plan: the chunk service's logic inside the test process, no cluster.
 * Faults reach it where it meets the world — the Origin interface (`faulty()`), a failpoint
 * compiled into the cache, and HTTP to the origins (nock, through `withFault("http", …)`).
 * Three real origin servers listen on 127.0.0.1; nothing leaves the machine.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { faulty, faultyModes as modes, withFault, withFaults, type FaultSpec } from "faultline";
import { ChunkCache } from "./chunk-service/chunk-cache";
import { ChunkService } from "./chunk-service/chunk-service";
import { HttpOrigin, type Origin } from "./chunk-service/origin-client";
import { createOriginServer } from "./chunk-service/origin-server";
import { objectBytes } from "./chunk-service/objects";

const CHUNK = 64 * 1024;
/** Each origin read, and a whole health check, must finish within this. */
const TIMEOUT_MS = 500;

const servers: Server[] = [];
const urls: Record<"a" | "b" | "c", string> = { a: "", b: "", c: "" };
let dir: string;

async function listen(name: "a" | "b" | "c"): Promise<void> {
  const { server } = createOriginServer(`origin-${name}`);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  urls[name] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A service over a fresh cache in `dir`, with origins a, b, c in that order of preference. */
async function startService(origins: Origin[] = (["a", "b", "c"] as const).map((n) => new HttpOrigin(`origin-${n}`, urls[n]))): Promise<ChunkService> {
  return new ChunkService({ origins, cache: await ChunkCache.open(dir), chunkSize: CHUNK, timeoutMs: TIMEOUT_MS });
}

beforeAll(async () => {
  for (const name of ["a", "b", "c"] as const) await listen(name);
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "chunk-cache-"));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test("an origin failing every third read: those chunks come from the second origin, and every byte is right", async () => {
  const primary = faulty(new HttpOrigin("origin-a", urls.a), "healthy", { methods: ["read"], name: "origin-a" });
  const service = await startService([primary, new HttpOrigin("origin-b", urls.b)]);
  await withFault(primary.faulty.fault(modes.failEveryNth(3)), async () => {
    const result = await service.read("video.mp4", 0, 6 * CHUNK);
    expect(result.data.equals(objectBytes("video.mp4", 0, 6 * CHUNK))).toBe(true);
    expect(result.origins).toEqual(["origin-a", "origin-a", "origin-b", "origin-a", "origin-a", "origin-b"]);
    expect(service.stats.origins["origin-a"]).toMatchObject({ failed: 2, lastError: "ECONNRESET" });
  })();
});

test("a cache write cut between its data and its index is repaired at the next start", async () => {
  const service = await startService();
  await withFault("failpoint", { name: "cache.index", term: "return(crash)" }, async () => {
    await expect(service.read("photo.jpg", 0, CHUNK)).rejects.toMatchObject({ code: "EFAILPOINT" });
  })();
  // The data made it to disk; the index never heard of it.
  expect(readdirSync(join(dir, "chunks"))).toEqual(["photo.jpg@0"]);
  expect(service.cache.has("photo.jpg@0")).toBe(false);

  const restarted = await startService();
  expect(restarted.cache.report).toEqual({ verified: 0, dropped: [], orphans: ["photo.jpg@0"] });
  expect(readdirSync(join(dir, "chunks"))).toEqual([]);
  const result = await restarted.read("photo.jpg", 0, CHUNK);
  expect(result.cache).toBe("miss");
  expect(result.data.equals(objectBytes("photo.jpg", 0, CHUNK))).toBe(true);
});

test("the primary answering 503: reads fail over to the second origin", async () => {
  const service = await startService();
  await withFault("http", { origin: urls.a, path: "/objects/*", status: 503 }, async () => {
    const result = await service.read("doc.pdf", 0, 2 * CHUNK);
    expect(result.origins).toEqual(["origin-b", "origin-b"]);
    expect(result.data.equals(objectBytes("doc.pdf", 0, 2 * CHUNK))).toBe(true);
    expect(service.stats.origins["origin-a"]).toMatchObject({ failed: 2, lastError: "EORIGIN" });
  })();
});

test("a primary that hangs costs one timeout per chunk, then the second origin answers", async () => {
  const service = await startService();
  await withFault("http", { origin: urls.a, path: "/objects/*", delay: "10s" }, async () => {
    const reading = service.read("song.flac", CHUNK, 2 * CHUNK);
    await expect(reading).toCompleteWithin(TIMEOUT_MS * 2);
    expect((await reading).origins).toEqual(["origin-b"]);
    expect(service.stats.origins["origin-a"]).toMatchObject({ lastError: "ETIMEDOUT" });
  })();
});

test("every origin failing: the read fails with the cause within one timeout instead of hanging", async () => {
  const service = await startService();
  const everyOriginDown = withFaults(
    [
      ["http", { origin: urls.a, path: "/objects/*", delay: "10s" }],
      ["http", { origin: urls.b, path: "/objects/*", status: 503 }],
      ["http", { origin: urls.c, path: "/objects/*", error: "ECONNRESET" }],
    ],
    async () => {
      const reading = service.read("song.flac", 0, CHUNK);
      await expect(reading).toCompleteWithin(TIMEOUT_MS * 2);
      await expect(reading).rejects.toMatchObject({ code: "ETIMEDOUT", message: expect.stringMatching(/origin-b: .*503.*origin-c: read ECONNRESET/) });
    },
  );
  await everyOriginDown();
  expect(service.cache.size).toBe(0);
});

test("health of three origins with one hanging answers within one timeout, naming the one", async () => {
  const service = await startService();
  await withFault("http", { origin: urls.c, path: "/health", delay: "10s" }, async () => {
    const checking = service.health();
    await expect(checking).toCompleteWithin(TIMEOUT_MS * 1.5);
    expect(await checking).toMatchObject({
      ok: false,
      origins: [
        { name: "origin-a", ok: true },
        { name: "origin-b", ok: true },
        { name: "origin-c", ok: false, error: "ETIMEDOUT" },
      ],
    });
  })();
});

test("health checks run at once: three hanging origins still cost one timeout, not three", async () => {
  const service = await startService();
  const hang = (url: string): FaultSpec => ["http", { origin: url, path: "/health", delay: "10s" }];
  await withFaults([hang(urls.a), hang(urls.b), hang(urls.c)], async () => {
    const checking = service.health();
    await expect(checking).toCompleteWithin(TIMEOUT_MS * 1.5);
    expect((await checking).origins.map((o) => o.error)).toEqual(["ETIMEDOUT", "ETIMEDOUT", "ETIMEDOUT"]);
  })();
});
