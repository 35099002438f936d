import { FaultProxy, type ToxicSpec } from "../../../src/proxy";
import { client, delay, echoServer, pattern, seeded, sendingServer, within, HANG, type TestClient, type TestServer } from "./net-helpers";

const cleanup: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function setup(server: Promise<TestServer>, random?: () => number): Promise<FaultProxy> {
  const started = await server;
  cleanup.push(() => started.close());
  const proxy = new FaultProxy({ name: "toxics", upstream: { host: "127.0.0.1", port: started.port }, random });
  cleanup.push(() => proxy.close());
  await proxy.start();
  return proxy;
}

function open(proxy: FaultProxy): TestClient {
  const c = client(proxy.port);
  cleanup.push(() => void c.socket.destroy());
  return c;
}

/** Round trip of one small message through an echo, in ms. */
async function roundTrip(c: TestClient, message = "ping"): Promise<number> {
  const before = c.received.bytes;
  const start = performance.now();
  c.socket.write(message);
  await c.waitFor(before + message.length);
  return performance.now() - start;
}

describe("latency", () => {
  it("delays each direction it is set on by at least the latency, keeping bytes in order", async () => {
    const proxy = await setup(echoServer());
    const c = open(proxy);
    await roundTrip(c);
    proxy.addToxic({ type: "latency", attributes: { latency: 100 } });
    expect(await roundTrip(c)).toBeGreaterThanOrEqual(100);
    proxy.addToxic({ type: "latency", direction: "upstream", attributes: { latency: "50ms" } });
    expect(await roundTrip(c)).toBeGreaterThanOrEqual(150);
  });

  it("keeps order under jitter", async () => {
    const proxy = await setup(echoServer());
    proxy.addToxic({ type: "latency", attributes: { latency: 20, jitter: 15 } });
    const c = open(proxy);
    const payload = pattern(200_000);
    for (let i = 0; i < payload.length; i += 1000) {
      c.socket.write(payload.subarray(i, i + 1000));
      if (i % 20_000 === 0) await delay(2);
    }
    c.socket.end();
    const received = await c.closed;
    expect(received.data.equals(payload)).toBe(true);
  });
});

describe("under the test's fake timers", () => {
  it("still delays and delivers: toxics run on timers captured at load", async () => {
    const proxy = await setup(echoServer());
    proxy.addToxic({ type: "latency", attributes: { latency: 30 } });
    proxy.addToxic({ type: "slicer", direction: "upstream", attributes: { averageSize: 2, delay: 1000 } });
    jest.useFakeTimers();
    try {
      const c = open(proxy);
      c.socket.write("fake clocks cannot stall the proxy");
      expect((await c.waitFor(34)).data.toString()).toBe("fake clocks cannot stall the proxy");
    } finally {
      jest.useRealTimers();
    }
  });
});

describe("bandwidth", () => {
  it("throttles to the rate in KB/s and delivers every byte", async () => {
    const payload = pattern(50_000);
    const proxy = await setup(sendingServer(payload));
    proxy.addToxic({ type: "bandwidth", attributes: { rate: 100 } }); // 100 KB/s -> 50 KB in ~500 ms
    const start = performance.now();
    const received = await open(proxy).closed;
    expect(received.data.equals(payload)).toBe(true);
    expect(performance.now() - start).toBeGreaterThanOrEqual(400);
  });
});

describe("slow_close", () => {
  it("delays the close but not the data", async () => {
    const proxy = await setup(sendingServer(Buffer.from("bye")));
    proxy.addToxic({ type: "slow_close", attributes: { delay: 200 } });
    const received = await open(proxy).closed;
    expect(received.data.toString()).toBe("bye");
    expect(received.endAt! - received.firstAt!).toBeGreaterThanOrEqual(190);
  });
});

describe("timeout", () => {
  it("stops all data and closes the connection after the timeout", async () => {
    const proxy = await setup(echoServer());
    proxy.addToxic({ type: "timeout", attributes: { timeout: 200 } });
    const c = open(proxy);
    await c.connected;
    const start = performance.now();
    c.socket.write("anyone there?");
    const received = await within(c.closed, 5000);
    expect(received).not.toBe(HANG);
    expect(c.received.data.length).toBe(0);
    expect(performance.now() - start).toBeGreaterThanOrEqual(190);
  });

  it("with 0 never closes; removing the toxic delivers what was held, in order", async () => {
    const proxy = await setup(echoServer());
    const id = proxy.addToxic({ type: "timeout", attributes: { timeout: 0 } });
    const c = open(proxy);
    c.socket.write("one ");
    c.socket.write("two");
    expect(await within(c.closed, 400)).toBe(HANG);
    expect(c.received.data.length).toBe(0);
    expect(proxy.removeToxic(id)).toBe(true);
    expect(proxy.removeToxic(id)).toBe(false);
    expect((await c.waitFor(7)).data.toString()).toBe("one two");
  });
});

describe("reset_peer", () => {
  it("resets the connection after the timeout: the client sees ECONNRESET", async () => {
    const proxy = await setup(echoServer());
    proxy.addToxic({ type: "reset_peer", attributes: { timeout: 100 } });
    const c = open(proxy);
    await c.connected;
    const start = performance.now();
    c.socket.write("hello");
    const received = await c.closed;
    expect(received.error?.code).toBe("ECONNRESET");
    expect(performance.now() - start).toBeGreaterThanOrEqual(90);
  });
});

describe("slicer", () => {
  it("delivers data in several small chunks, intact", async () => {
    const payload = pattern(300);
    const proxy = await setup(sendingServer(payload));
    proxy.addToxic({ type: "slicer", attributes: { averageSize: 10, sizeVariation: 5, delay: 2000 } });
    const received = await open(proxy).closed;
    expect(received.data.equals(payload)).toBe(true);
    expect(received.chunks).toBeGreaterThanOrEqual(10);
  });
});

describe("limit_data", () => {
  it("closes the connection after exactly that many bytes", async () => {
    const payload = pattern(100_000);
    const proxy = await setup(sendingServer(payload, false));
    proxy.addToxic({ type: "limit_data", attributes: { bytes: 1000 } });
    const received = await within(open(proxy).closed, 5000);
    expect(received).not.toBe(HANG);
    if (received === HANG) return;
    expect(received.data.equals(payload.subarray(0, 1000))).toBe(true);
  });
});

describe("down", () => {
  it("refuses new connections (reset at once) but still records the attempts", async () => {
    const proxy = await setup(echoServer());
    const id = proxy.addToxic({ type: "down" });
    const refused = open(proxy);
    refused.socket.on("connect", () => refused.socket.write("x"));
    const received = await refused.closed;
    expect(received.data.length).toBe(0);
    expect(received.error?.code).toBe("ECONNRESET");
    expect(proxy.connectionAttempts).toHaveLength(1);
    proxy.removeToxic(id);
    const c = open(proxy);
    expect(await roundTrip(c)).toBeGreaterThanOrEqual(0);
  });

  it("leaves open connections alone unless cutExisting", async () => {
    const proxy = await setup(echoServer());
    const kept = open(proxy);
    await roundTrip(kept);
    const id = proxy.addToxic({ type: "down" });
    await roundTrip(kept);
    proxy.removeToxic(id);
    proxy.addToxic({ type: "down", attributes: { cutExisting: true } });
    expect((await kept.closed).error?.code).toBe("ECONNRESET");
  });
});

describe("toxicity", () => {
  const stall: ToxicSpec = { type: "timeout", attributes: { timeout: 0 } };

  async function stalled(proxy: FaultProxy, count: number): Promise<number> {
    const clients = Array.from({ length: count }, () => open(proxy));
    const answered = await Promise.all(clients.map((c) => within(roundTrip(c), 300)));
    return answered.filter((r) => r === HANG).length;
  }

  it("0 affects no connection", async () => {
    const proxy = await setup(echoServer());
    proxy.addToxic({ ...stall, toxicity: 0 });
    expect(await stalled(proxy, 5)).toBe(0);
  });

  it("1 affects every connection", async () => {
    const proxy = await setup(echoServer());
    proxy.addToxic({ ...stall, toxicity: 1 });
    expect(await stalled(proxy, 5)).toBe(5);
  });

  it("0.5 affects some connections and spares others, decided per connection", async () => {
    const proxy = await setup(echoServer(), seeded(7));
    proxy.addToxic({ ...stall, toxicity: 0.5 });
    const hung = await stalled(proxy, 12);
    expect(hung).toBeGreaterThan(0);
    expect(hung).toBeLessThan(12);
  });
});

describe("toxics on open connections", () => {
  it("add and remove take effect on an open connection, back and forth", async () => {
    const proxy = await setup(echoServer());
    const c = open(proxy);
    await roundTrip(c);
    const id = proxy.addToxic({ type: "latency", attributes: { latency: 80 } });
    expect(await roundTrip(c)).toBeGreaterThanOrEqual(80);
    proxy.removeToxic(id);
    const fast = await roundTrip(c);
    proxy.addToxic({ type: "latency", attributes: { latency: 80 } });
    expect(await roundTrip(c)).toBeGreaterThanOrEqual(80);
    proxy.clearToxics();
    expect(proxy.toxics).toEqual([]);
    expect(fast).toBeGreaterThanOrEqual(0);
  });

  it("never loses or reorders bytes while toxics come and go mid-stream", async () => {
    const proxy = await setup(echoServer());
    const c = open(proxy);
    const payload = pattern(2_000_000, 3);
    let offset = 0;
    const writer = (async () => {
      while (offset < payload.length) {
        c.socket.write(payload.subarray(offset, offset + 4096));
        offset += 4096;
        if (offset % 65_536 === 0) await delay(1);
      }
      c.socket.end();
    })();
    const kinds: ToxicSpec[] = [
      { type: "latency", attributes: { latency: 5, jitter: 5 } },
      { type: "slicer", direction: "upstream", attributes: { averageSize: 512, sizeVariation: 100 } },
      { type: "bandwidth", attributes: { rate: 20_000 } },
      { type: "timeout", direction: "upstream", attributes: { timeout: 0 } },
    ];
    let rounds = 0;
    for (; c.received.bytes < payload.length && rounds < 300; rounds += 1) {
      const id = proxy.addToxic(kinds[rounds % kinds.length]!);
      await delay(3);
      proxy.removeToxic(id);
      await delay(1);
    }
    await writer;
    expect(rounds).toBeGreaterThan(4);
    proxy.clearToxics();
    const received = await within(c.closed, 10_000);
    expect(received).not.toBe(HANG);
    if (received === HANG) return;
    expect(received.data.length).toBe(payload.length);
    expect(received.data.equals(payload)).toBe(true);
  });

  it("lists active toxics with ids and defaults", async () => {
    const proxy = await setup(echoServer());
    const a = proxy.addToxic({ type: "latency", attributes: { latency: "1s" } });
    const b = proxy.addToxic({ type: "latency", attributes: { latency: 5 } });
    expect(a).toBe("latency_downstream");
    expect(b).toBe("latency_downstream_2");
    expect(proxy.toxics[0]).toEqual({ id: a, type: "latency", direction: "downstream", toxicity: 1, attributes: { latency: 1000, jitter: 0 } });
    expect(() => proxy.addToxic({ type: "latency", name: a, attributes: { latency: 1 } })).toThrow(
      expect.objectContaining({ code: "FAULTLINE_INVALID_OPTION" }),
    );
  });
});
