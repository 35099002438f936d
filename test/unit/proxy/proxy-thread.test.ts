import { spawn, type ChildProcess } from "node:child_process";
import { isFaultlineError } from "../../../src/common/errors";
import { FaultProxy } from "../../../src/proxy";

/**
 * A process of its own with an echo server and a client: the client reaches the echo server
 * through a proxy of this process, and counts the round trips it completes in a window that
 * starts when told "go". Neither end lives on this thread, so only the proxy can be stalled by it.
 */
const PEER = `
const net = require("node:net");
const server = net.createServer((s) => s.on("data", (d) => s.write(d)));
server.listen(0, "127.0.0.1", () => process.send({ echo: server.address().port }));
process.on("message", (message) => {
  if (message.proxy) {
    const socket = net.connect({ host: "127.0.0.1", port: message.proxy, noDelay: true });
    socket.once("data", () => process.send({ ready: true }));
    socket.write("warm-up");
    process.on("message", (go) => {
      if (!go.go) return;
      const until = Date.now() + go.windowMs;
      let count = 0;
      socket.on("data", () => {
        count += 1;
        if (Date.now() < until) socket.write("x");
      });
      setTimeout(() => process.send({ count }), go.windowMs);
      socket.write("x");
    });
  }
});
process.on("disconnect", () => process.exit(0));
`;

const children: ChildProcess[] = [];
const proxies: FaultProxy[] = [];

afterEach(async () => {
  for (const proxy of proxies.splice(0)) await proxy.close();
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

function startPeer(): ChildProcess {
  const peer = spawn(process.execPath, ["-e", PEER], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  children.push(peer);
  return peer;
}

function next<T>(child: ChildProcess, key: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (message: Record<string, unknown>): void => {
      if (!(key in message)) return;
      child.off("message", on);
      resolve(message[key] as T);
    };
    child.on("message", on);
  });
}

/** Blocks this thread (no timer, no I/O callback runs) for `ms`. */
function blockThread(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Round trips the peer completes through the proxy while this thread is blocked for longer than its window. */
async function roundTripsWhileBlocked(thread: boolean): Promise<number> {
  const peer = startPeer();
  const echo = await next<number>(peer, "echo");
  const proxy = new FaultProxy({ name: `blocked-${thread}`, upstream: { host: "127.0.0.1", port: echo }, thread });
  proxies.push(proxy);
  await proxy.start();
  const ready = next(peer, "ready");
  peer.send({ proxy: proxy.port });
  await ready;
  const counted = next<number>(peer, "count");
  await new Promise((resolve) => peer.send({ go: true, windowMs: 300 }, resolve));
  blockThread(800);
  return counted;
}

describe("the proxy thread", () => {
  it("keeps forwarding while the test's thread is blocked (and a proxy on the calling thread does not)", async () => {
    expect(await roundTripsWhileBlocked(true)).toBeGreaterThan(20);
    expect(await roundTripsWhileBlocked(false)).toBeLessThanOrEqual(1);
  });

  it("makes each change before the call returns: a blackhole set from the test holds the next byte", async () => {
    const peer = startPeer();
    const echo = await next<number>(peer, "echo");
    const proxy = new FaultProxy({ name: "ordered", upstream: { host: "127.0.0.1", port: echo } });
    proxies.push(proxy);
    await proxy.start();
    const ready = next(peer, "ready");
    peer.send({ proxy: proxy.port });
    await ready;
    proxy.setBlackhole({ upstream: true, downstream: false });
    const counted = next<number>(peer, "count");
    peer.send({ go: true, windowMs: 300 });
    expect(await counted).toBe(0);
    expect(proxy.blackhole).toEqual({ upstream: true, downstream: false });
    expect(proxy.stats.active).toBe(1);
  });

  it.each([
    ["on the proxy thread", true],
    ["on the calling thread", false],
  ])("keeps what a closed proxy counted readable, and refuses changes to it, %s", async (_where, thread) => {
    const proxy = new FaultProxy({ name: "closed", upstream: { host: "127.0.0.1", port: 9 }, thread });
    await proxy.start();
    proxy.addToxic({ type: "latency", name: "slow", attributes: { latency: 5 } });
    const release = proxy.hold({ upstream: true });
    const closing = proxy.close();
    // Refused from the moment close() is called, not only once it is done.
    expect(() => proxy.setBlackhole({ upstream: true, downstream: true })).toThrow(expect.objectContaining({ code: "FAULTLINE_PROXY" }));
    await closing;
    expect(() => proxy.addToxic({ type: "latency", attributes: { latency: 1 } })).toThrow(expect.objectContaining({ code: "FAULTLINE_PROXY" }));
    expect(() => proxy.hold({ downstream: true })).toThrow(expect.objectContaining({ code: "FAULTLINE_PROXY" }));
    expect(() => proxy.setUpstream({ host: "127.0.0.1", port: 10 })).toThrow(expect.objectContaining({ code: "FAULTLINE_PROXY" }));
    // Undoing is harmless: a heal that runs after the proxy closed leaves its final state alone.
    release();
    expect(proxy.removeToxic("slow")).toBe(false);
    proxy.clearToxics();
    proxy.cutConnections();
    expect(proxy.toxics.map((t) => t.id)).toEqual(["slow"]);
    expect(proxy.blackhole).toEqual({ upstream: true, downstream: false });
    expect(proxy.stats).toMatchObject({ connections: 0, active: 0 });
    await expect(proxy.start()).rejects.toMatchObject({ code: "FAULTLINE_PROXY" });
  });

  it.each([
    ["on the proxy thread", [true, true, true]],
    ["on the calling thread", [false, false, false]],
    ["on both", [false, true, false]],
  ])("takes holds on several proxies together, all or none, %s", async (_where, threads) => {
    const [a, b, c] = threads.map((thread, i) => new FaultProxy({ name: `link-${i}`, upstream: { host: "127.0.0.1", port: 9 }, thread }));
    proxies.push(a, b, c);
    for (const proxy of [a, b, c]) await proxy.start();
    const release = FaultProxy.holdTogether([
      [a, { upstream: true }],
      [b, { downstream: true }],
      [c, { upstream: true, downstream: true }],
    ]);
    expect([a, b, c].map((proxy) => proxy.blackhole)).toEqual([
      { upstream: true, downstream: false },
      { upstream: false, downstream: true },
      { upstream: true, downstream: true },
    ]);
    release();
    release(); // a second release changes nothing
    for (const proxy of [a, b, c]) expect(proxy.blackhole).toEqual({ upstream: false, downstream: false });

    // A closed proxy among them (the last one, then the middle one too): none of the holds stays.
    for (const closed of [c, b]) {
      await closed.close();
      expect(() => FaultProxy.holdTogether([a, b, c].map((proxy) => [proxy, { upstream: true, downstream: true }]))).toThrow(
        expect.objectContaining({ code: "FAULTLINE_PROXY", message: expect.stringMatching(/"link-[12]" is closed: hold/) }),
      );
      expect(a.blackhole).toEqual({ upstream: false, downstream: false });
      if (closed === c) expect(b.blackhole).toEqual({ upstream: false, downstream: false });
    }
    // A release after some of its proxies closed lets go of the open ones and is harmless for the rest.
    const d = new FaultProxy({ name: "link-3", upstream: { host: "127.0.0.1", port: 9 }, thread: threads[1] });
    proxies.push(d);
    await d.start();
    const late = FaultProxy.holdTogether([
      [a, { upstream: true }],
      [d, { upstream: true }],
    ]);
    await d.close();
    late();
    expect(a.blackhole).toEqual({ upstream: false, downstream: false });
  });

  it("gives a toxic it cannot send to the thread the same coded error as on the calling thread", async () => {
    const proxy = new FaultProxy({ name: "unsendable", upstream: { host: "127.0.0.1", port: 9 } });
    proxies.push(proxy);
    const spec = { type: "latency", attributes: { latency: () => 5 } } as unknown as Parameters<FaultProxy["addToxic"]>[0];
    expect(() => proxy.addToxic(spec)).toThrow(expect.objectContaining({ code: expect.stringMatching(/^FAULTLINE_INVALID_/) }));
    expect(proxy.toxics).toEqual([]);
  });

  it("refuses a random function together with thread: true, and a bad FAULTLINE_PROXY_THREAD", () => {
    const upstream = { host: "127.0.0.1", port: 9 };
    expect(() => new FaultProxy({ name: "both", upstream, random: Math.random, thread: true })).toThrow(
      expect.objectContaining({ code: "FAULTLINE_INVALID_OPTION", option: "thread" }),
    );
    const saved = process.env.FAULTLINE_PROXY_THREAD;
    process.env.FAULTLINE_PROXY_THREAD = "yes";
    try {
      const error: unknown = (() => {
        try {
          return new FaultProxy({ name: "env", upstream });
        } catch (e) {
          return e;
        }
      })();
      expect(isFaultlineError(error)).toBe(true);
      expect(error).toMatchObject({ code: "FAULTLINE_INVALID_OPTION", option: "FAULTLINE_PROXY_THREAD" });
    } finally {
      if (saved === undefined) delete process.env.FAULTLINE_PROXY_THREAD;
      else process.env.FAULTLINE_PROXY_THREAD = saved;
    }
  });
});
