import { FaultProxy } from "../../../src/proxy";
import { client, echoServer, pattern, startServer, within, HANG, type TestClient, type TestServer } from "./net-helpers";

const cleanup: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function setup(server: Promise<TestServer>): Promise<{ proxy: FaultProxy; server: TestServer }> {
  const started = await server;
  cleanup.push(() => started.close());
  const proxy = new FaultProxy({ name: "partition", upstream: { host: "127.0.0.1", port: started.port } });
  cleanup.push(() => proxy.close());
  await proxy.start();
  return { proxy, server: started };
}

function open(proxy: FaultProxy): TestClient {
  const c = client(proxy.port);
  cleanup.push(() => void c.socket.destroy());
  return c;
}

/** A server that records what it receives and sends whatever the test asks. */
function recordingServer(): { server: Promise<TestServer>; received: () => Buffer } {
  const parts: Buffer[] = [];
  return {
    server: startServer((socket) => socket.on("data", (chunk: Buffer) => parts.push(chunk))),
    received: () => Buffer.concat(parts),
  };
}

describe("setBlackhole", () => {
  it("holds traffic both ways, then delivers all of it in order when healed", async () => {
    const { proxy } = await setup(echoServer());
    const c = open(proxy);
    c.socket.write("before ");
    await c.waitFor(7);
    proxy.setBlackhole({ upstream: true, downstream: true });
    const payload = pattern(300_000, 9);
    c.socket.write(payload);
    expect(await within(c.waitFor(7 + 1), 300)).toBe(HANG);
    proxy.setBlackhole({ upstream: false, downstream: false });
    c.socket.end();
    const received = await within(c.closed, 5000);
    expect(received).not.toBe(HANG);
    if (received === HANG) return;
    expect(received.error).toBeUndefined();
    expect(received.data.equals(Buffer.concat([Buffer.from("before "), payload]))).toBe(true);
  });

  it("holds data already inside a toxic chain too", async () => {
    const { proxy } = await setup(echoServer());
    proxy.addToxic({ type: "latency", attributes: { latency: 50 } });
    const c = open(proxy);
    c.socket.write("in flight");
    await new Promise((resolve) => setTimeout(resolve, 20));
    proxy.setBlackhole({ upstream: false, downstream: true });
    expect(await within(c.waitFor(9), 300)).toBe(HANG);
    proxy.setBlackhole({ upstream: false, downstream: false });
    expect((await c.waitFor(9)).data.toString()).toBe("in flight");
  });

  it("accepts new clients during a partition but connects them upstream only once healed", async () => {
    const recording = recordingServer();
    const { proxy, server } = await setup(recording.server);
    proxy.setBlackhole({ upstream: true, downstream: true });
    const c = open(proxy);
    await c.connected;
    c.socket.write("queued while partitioned");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(server.sockets).toHaveLength(0);
    expect(proxy.connectionAttempts).toHaveLength(1);
    expect(proxy.stats.active).toBe(1);
    proxy.setBlackhole({ upstream: false, downstream: false });
    for (let i = 0; i < 100 && recording.received().length < 24; i += 1) await new Promise((r) => setTimeout(r, 10));
    expect(server.sockets).toHaveLength(1);
    expect(recording.received().toString()).toBe("queued while partitioned");
  });

  it("cuts one direction only: a one-way partition", async () => {
    const recording = recordingServer();
    const { proxy, server } = await setup(recording.server);
    const c = open(proxy);
    await c.connected;
    for (let i = 0; i < 100 && server.sockets.length === 0; i += 1) await new Promise((r) => setTimeout(r, 5));
    proxy.setBlackhole({ upstream: true, downstream: false });
    c.socket.write("client speaks");
    server.sockets[0]!.write("server speaks");
    expect((await c.waitFor(13)).data.toString()).toBe("server speaks");
    expect(recording.received().length).toBe(0);
    proxy.setBlackhole({ upstream: false, downstream: false });
    for (let i = 0; i < 100 && recording.received().length < 13; i += 1) await new Promise((r) => setTimeout(r, 5));
    expect(recording.received().toString()).toBe("client speaks");
    expect(proxy.blackhole).toEqual({ upstream: false, downstream: false });
  });

  it("close() shuts everything down at once, held connections and bytes included", async () => {
    const { proxy } = await setup(echoServer());
    const c = open(proxy);
    c.socket.write("x");
    await c.waitFor(1);
    proxy.setBlackhole({ upstream: true, downstream: true });
    const pending = open(proxy);
    await pending.connected;
    await proxy.close();
    expect(await within(Promise.all([c.closed, pending.closed]), 2000)).not.toBe(HANG);
  });
});

describe("hold", () => {
  it("stacks: a direction held by two overlapping faults flows again only when both release", async () => {
    const { proxy } = await setup(echoServer());
    const c = open(proxy);
    c.socket.write("a");
    await c.waitFor(1);
    const releaseFirst = proxy.hold({ upstream: true, downstream: true });
    const releaseSecond = proxy.hold({ downstream: true });
    releaseFirst();
    expect(proxy.blackhole).toEqual({ upstream: false, downstream: true });
    c.socket.write("b");
    expect(await within(c.waitFor(2), 300)).toBe(HANG);
    releaseFirst(); // a second release of the same hold changes nothing
    expect(proxy.blackhole).toEqual({ upstream: false, downstream: true });
    releaseSecond();
    expect((await c.waitFor(2)).data.toString()).toBe("ab");
    expect(proxy.blackhole).toEqual({ upstream: false, downstream: false });
  });

  it("keeps a hold in place when setBlackhole clears its own setting", async () => {
    const { proxy } = await setup(echoServer());
    const release = proxy.hold({ upstream: true });
    proxy.setBlackhole({ upstream: true, downstream: true });
    proxy.setBlackhole({ upstream: false, downstream: false });
    expect(proxy.blackhole).toEqual({ upstream: true, downstream: false });
    release();
    expect(proxy.blackhole).toEqual({ upstream: false, downstream: false });
  });
});
