import { createServer, type AddressInfo } from "node:net";
import { isFaultlineError } from "../../../src/common/errors";
import { monoNowMs } from "../../../src/common/timers";
import { FaultProxy } from "../../../src/proxy";
import { client, echoServer, pattern, sendingServer, startServer, within, HANG, type TestClient, type TestServer } from "./net-helpers";

const cleanup: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function proxyTo(server: TestServer, name = "test"): Promise<FaultProxy> {
  const proxy = new FaultProxy({ name, upstream: { host: "127.0.0.1", port: server.port } });
  cleanup.push(() => proxy.close());
  await proxy.start();
  return proxy;
}

function track(c: TestClient): TestClient {
  cleanup.push(() => void c.socket.destroy());
  return c;
}

async function serve(server: Promise<TestServer>): Promise<TestServer> {
  const started = await server;
  cleanup.push(() => started.close());
  return started;
}

describe("FaultProxy without faults", () => {
  it("forwards a large stream both ways, byte for byte and in order", async () => {
    const proxy = await proxyTo(await serve(echoServer()));
    const payload = pattern(4 << 20);
    const c = track(client(proxy.port));
    c.socket.end(payload);
    const received = await c.closed;
    expect(received.error).toBeUndefined();
    expect(received.data.equals(payload)).toBe(true);
    expect(proxy.stats).toMatchObject({ connections: 1, bytesUpstream: payload.length, bytesDownstream: payload.length });
  });

  it("passes half-closes on: the server still answers after the client closed its side", async () => {
    const server = await serve(
      startServer((socket) => {
        const parts: Buffer[] = [];
        socket.on("data", (chunk: Buffer) => parts.push(chunk));
        socket.on("end", () => socket.end(Buffer.concat(parts).toString().toUpperCase()));
      }),
    );
    const proxy = await proxyTo(server);
    const c = track(client(proxy.port));
    c.socket.end("hello after fin");
    const received = await c.closed;
    expect(received.data.toString()).toBe("HELLO AFTER FIN");
    expect(received.endAt).toBeDefined();
  });

  it("listens on 127.0.0.1 with an ephemeral port and reports it after start", async () => {
    const proxy = new FaultProxy({ name: "addr", upstream: { host: "127.0.0.1", port: 9 } });
    cleanup.push(() => proxy.close());
    expect(() => proxy.port).toThrow(expect.objectContaining({ code: "FAULTLINE_PROXY" }));
    await proxy.start();
    expect(proxy.host).toBe("127.0.0.1");
    expect(proxy.port).toBeGreaterThan(0);
  });

  it("fails with FAULTLINE_PORT_UNAVAILABLE naming the port when it cannot bind", async () => {
    const first = await proxyTo(await serve(echoServer()), "first");
    const second = new FaultProxy({ name: "second", listen: { port: first.port }, upstream: { host: "127.0.0.1", port: 9 } });
    cleanup.push(() => second.close());
    const error: unknown = await second.start().catch((e: unknown) => e);
    expect(isFaultlineError(error)).toBe(true);
    expect(error).toMatchObject({ code: "FAULTLINE_PORT_UNAVAILABLE" });
    expect((error as Error).message).toContain(String(first.port));
  });

  it("rejects an invalid upstream with FAULTLINE_INVALID_OPTION", () => {
    expect(() => new FaultProxy({ name: "bad", upstream: { host: "127.0.0.1", port: 70000 } })).toThrow(
      expect.objectContaining({ code: "FAULTLINE_INVALID_OPTION", option: "upstream.port" }),
    );
  });

  it("records every connection attempt with a monotonic time and tells listeners", async () => {
    const proxy = await proxyTo(await serve(echoServer()));
    const seen: number[] = [];
    const unsubscribe = proxy.onConnection((at) => seen.push(at));
    const before = monoNowMs();
    for (let i = 0; i < 3; i += 1) {
      const c = track(client(proxy.port));
      c.socket.end("x");
      await c.closed;
    }
    unsubscribe();
    const last = track(client(proxy.port));
    last.socket.end("x");
    await last.closed;
    expect(proxy.connectionAttempts).toHaveLength(4);
    expect(seen).toEqual(proxy.connectionAttempts.slice(0, 3));
    expect(proxy.connectionAttempts[0]).toBeGreaterThanOrEqual(before);
    const sorted = [...proxy.connectionAttempts].sort((a, b) => a - b);
    expect(proxy.connectionAttempts).toEqual(sorted);
    expect(proxy.stats.connections).toBe(4);
  });

  it("sends new connections to the new address after setUpstream, leaving open ones alone", async () => {
    const a = await serve(sendingServer(Buffer.from("A"), false));
    const b = await serve(sendingServer(Buffer.from("B")));
    const proxy = await proxyTo(a);
    const first = track(client(proxy.port));
    await first.waitFor(1);
    proxy.setUpstream({ host: "127.0.0.1", port: b.port });
    const second = track(client(proxy.port));
    const received = await second.closed;
    expect(received.data.toString()).toBe("B");
    expect(first.socket.destroyed).toBe(false);
    expect(first.received.data.toString()).toBe("A");
  });

  it("resets every open connection on cutConnections(): clients see ECONNRESET", async () => {
    const proxy = await proxyTo(await serve(echoServer()));
    const clients = [track(client(proxy.port)), track(client(proxy.port))];
    for (const c of clients) {
      c.socket.write("ping");
      await c.waitFor(4);
    }
    proxy.cutConnections();
    for (const c of clients) expect((await c.closed).error?.code).toBe("ECONNRESET");
    expect(proxy.stats.active).toBe(0);
  });

  it("resets the client when the upstream refuses the connection", async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const port = (s.address() as AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const proxy = new FaultProxy({ name: "refused", upstream: { host: "127.0.0.1", port: closedPort } });
    cleanup.push(() => proxy.close());
    await proxy.start();
    const received = await track(client(proxy.port)).closed;
    expect(received.error?.code).toBe("ECONNRESET");
  });

  it("close() is idempotent, destroys open connections and stops listening", async () => {
    const proxy = await proxyTo(await serve(echoServer()));
    const open = track(client(proxy.port));
    open.socket.write("x");
    await open.waitFor(1);
    await Promise.all([proxy.close(), proxy.close()]);
    await proxy.close();
    expect(await within(open.closed, 2000)).not.toBe(HANG);
    const late = track(client(proxy.port));
    expect((await late.closed).error?.code).toBe("ECONNREFUSED");
    await expect(proxy.start()).rejects.toMatchObject({ code: "FAULTLINE_PROXY" });
  });
});
