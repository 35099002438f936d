/**
 * Layer 2, full disk: the chunk service with its data dir on a 16 MiB tmpfs that the fault fills
 * (clusters/chunk-disk.cluster.ts). Mounting a tmpfs needs root; without it this file skips
 * (and fails under FAULTLINE_REQUIRE=all).
 *
 * @cluster chunkDisk
 */
import { request } from "node:http";
import { faults, useCluster } from "faultline";
import { objectBytes } from "./chunk-service/objects";

const cluster = useCluster("chunkDisk");
const CHUNK = 64 * 1024;
// Skipped without root, unless FAULTLINE_REQUIRE=all (CI) asks for every requirement: then the
// test runs and fails with faultline's own FAULTLINE_PERMISSION error naming what is missing.
const asRoot = process.getuid?.() === 0 || process.env.FAULTLINE_REQUIRE === "all" ? describe : describe.skip;

function read(key: string): Promise<{ status: number; cache?: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(`${cluster.node("chunk").url("http")}/objects/${key}`, { headers: { range: `bytes=0-${CHUNK - 1}` }, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (part: Buffer) => parts.push(part));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, cache: res.headers["x-cache"] as string | undefined, body: Buffer.concat(parts) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

asRoot(`full disk${process.getuid?.() === 0 ? "" : " (skipped: needs root to mount the tmpfs)"}`, () => {
  test("a full disk turns cache writes into 507 ENOSPC answers, cached chunks are still served, and the service stays up", async () => {
    expect((await read("before.bin")).status).toBe(206);
    await using full = await cluster.inject(faults.disk({ node: "chunk", mode: "full" }));
    const refused = await read("during.bin");
    expect(refused.status).toBe(507);
    expect(JSON.parse(refused.body.toString())).toMatchObject({ code: "ENOSPC" });
    const cached = await read("before.bin");
    expect(cached).toMatchObject({ status: 206, cache: "hit" });
    expect(cached.body.equals(objectBytes("before.bin", 0, CHUNK))).toBe(true);
    expect(cluster.node("chunk").state).toBe("running");
    await full.heal();
    // The space is back, and the chunk the full disk refused is stored now.
    expect(await read("during.bin")).toMatchObject({ status: 206, cache: "miss" });
  });
});
