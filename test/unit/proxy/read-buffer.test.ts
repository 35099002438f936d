import { connect, type Socket } from "node:net";
import { createHash } from "node:crypto";
import { FaultProxy } from "../../../src/proxy";
import { READ_MAX, READ_MIN, ReadBuffer } from "../../../src/proxy/read-buffer";
import { delay, pattern, startServer, type TestServer } from "./net-helpers";

describe("ReadBuffer", () => {
  it("grows while reads fill it, up to 1 MiB, and shrinks after a run of small reads", () => {
    const reads = new ReadBuffer();
    expect(reads.next().length).toBe(READ_MIN);
    for (let i = 0; i < 10; i += 1) reads.settle(reads.next().length, true);
    expect(reads.next().length).toBe(READ_MAX);
    const grown = reads.next();
    reads.settle(100, true); // one burst's tail keeps the size and the buffer
    expect(reads.next()).toBe(grown);
    for (let i = 0; i < 8; i += 1) reads.settle(100, true);
    expect(reads.next().length).toBe(READ_MIN);
  });

  it("gives the next read a new buffer while bytes of the last one are still referred to", () => {
    const reads = new ReadBuffer();
    const first = reads.next();
    reads.settle(10, true);
    expect(reads.next()).toBe(first);
    reads.settle(10, false);
    expect(reads.next()).not.toBe(first);
  });
});

/**
 * Sends `payload` in 32 KiB pieces, one per turn of its event loop, so the proxy reads pieces
 * smaller than its write buffer: a write of one left pending does not pause the reading, and
 * the next read must not land in the memory that write still refers to.
 */
function drippingServer(payload: Buffer): Promise<TestServer> {
  return startServer((socket) => {
    let offset = 0;
    const next = (): void => {
      if (socket.destroyed) return;
      if (offset >= payload.length) return void socket.end();
      const piece = payload.subarray(offset, offset + 32 * 1024);
      offset += piece.length;
      if (socket.write(piece)) setImmediate(next);
      else socket.once("drain", next);
    };
    next();
  });
}

/** A client that reads slowly — stops for a while every few hundred KiB — and hashes what it got. */
function slowReader(port: number): Promise<{ bytes: number; sha: string }> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host: "127.0.0.1", port });
    const hash = createHash("sha256");
    let bytes = 0;
    let sinceStop = 0;
    socket.on("data", (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
      sinceStop += chunk.length;
      if (sinceStop > 1_000_000) {
        sinceStop = 0;
        socket.pause();
        setTimeout(() => socket.resume(), 30);
      }
    });
    socket.on("end", () => resolve({ bytes, sha: hash.digest("hex") }));
    socket.on("error", reject);
  });
}

describe.each([
  ["on the proxy thread", true],
  ["on the calling thread", false],
])("FaultProxy reading the upstream into its own buffers, %s", (_where, thread) => {
  let server: TestServer;
  let proxy: FaultProxy;
  const payload = pattern(24 << 20, 7);
  const sha = createHash("sha256").update(payload).digest("hex");

  beforeAll(async () => {
    server = await drippingServer(payload);
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    proxy = new FaultProxy({ name: "reads", upstream: { host: "127.0.0.1", port: server.port }, thread });
    await proxy.start();
  });
  afterEach(() => proxy.close());

  it("delivers a 24 MiB download byte for byte to a client that keeps stopping (writes left pending)", async () => {
    const got = await slowReader(proxy.port);
    expect(got).toEqual({ bytes: payload.length, sha });
    expect(proxy.stats.bytesDownstream).toBe(payload.length);
  });

  it("keeps it intact while a toxic and a blackhole come and go mid-stream (bytes copied before they wait)", async () => {
    const reading = slowReader(proxy.port);
    for (let i = 0; i < 6; i += 1) {
      await delay(10);
      const toxic = proxy.addToxic({ type: "latency", direction: "downstream", attributes: { latency: 5, jitter: 3 } });
      await delay(10);
      proxy.setBlackhole({ upstream: false, downstream: true });
      await delay(5);
      proxy.setBlackhole({ upstream: false, downstream: false });
      proxy.removeToxic(toxic);
    }
    expect(await reading).toEqual({ bytes: payload.length, sha });
  });
});
