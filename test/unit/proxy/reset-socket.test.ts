import { connect, type Socket } from "node:net";
import { FaultProxy } from "../../../src/proxy";
import { resetSocket } from "../../../src/proxy/reset-socket";
import { delay, startServer, within, type TestServer } from "./net-helpers";

let server: TestServer;
let accepted: Promise<Socket>;
const sockets: Socket[] = [];

beforeEach(async () => {
  let accept!: (socket: Socket) => void;
  accepted = new Promise((resolve) => (accept = resolve));
  server = await startServer((peer) => accept(peer));
});

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await server.close();
});

/** A connected client, and what became of it and of the server's side. */
async function pair(): Promise<{ client: Socket; peer: Socket; errors: string[]; closed: Promise<void>; peerSaw: Promise<string> }> {
  const client = connect(server.port, "127.0.0.1");
  sockets.push(client);
  const errors: string[] = [];
  client.on("error", (error: NodeJS.ErrnoException) => errors.push(error.code ?? error.message));
  await new Promise((resolve) => client.once("connect", resolve));
  const peer = await accepted;
  peer.on("data", () => undefined);
  const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
  const peerSaw = new Promise<string>((resolve) => {
    peer.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    peer.once("close", () => resolve("close without error"));
  });
  return { client, peer, errors, closed, peerSaw };
}

describe("resetSocket", () => {
  it("resets a socket whose shutdown is under way (Node's own reset fails there and leaves the socket open for good)", async () => {
    const { client, peer, errors, closed, peerSaw } = await pair();
    await new Promise((resolve) => client.write("x", resolve));
    client.end(); // everything is flushed, so the shutdown starts now and ends a turn later
    resetSocket(client);
    expect(await within(closed, 2000)).toBeUndefined();
    expect(errors).toEqual([]);
    // The peer read the end of the stream first; what it writes next meets the reset.
    if (!peer.readableEnded) await new Promise((resolve) => peer.once("end", resolve));
    peer.write("y");
    expect(await within(peerSaw, 2000)).toMatch(/^(ECONNRESET|EPIPE)$/);
  });

  it("resets at once a socket that ended with bytes still unsent (no shutdown has started)", async () => {
    const { client, peer, errors, closed } = await pair();
    peer.pause(); // the peer reads nothing, so the client's bytes stay queued
    client.write(Buffer.alloc(16 * 1024 * 1024));
    client.end();
    expect(client.writableLength).toBeGreaterThan(0);
    resetSocket(client);
    expect(client.destroyed).toBe(true);
    expect(await within(closed, 2000)).toBeUndefined();
    expect(errors).toEqual([]);
  });

  it("resets an open socket", async () => {
    const { client, errors, closed, peerSaw } = await pair();
    resetSocket(client);
    expect(await within(closed, 2000)).toBeUndefined();
    expect(errors).toEqual([]);
    expect(await within(peerSaw, 2000)).toBe("ECONNRESET");
  });
});

describe("a fault proxy", () => {
  it("resets the node's side when cut in the same turn as it passes on the client's end", async () => {
    const proxy = new FaultProxy({ name: "cut-while-ending", upstream: { host: "127.0.0.1", port: server.port }, thread: false });
    await proxy.start();
    try {
      const client = connect(proxy.port, "127.0.0.1");
      sockets.push(client);
      client.on("error", () => undefined);
      const node = await accepted;
      node.on("data", () => undefined);
      const nodeSaw = new Promise<string>((resolve) => node.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message)));
      const release = proxy.hold({ upstream: true });
      client.end();
      // The proxy reads the client's end and keeps it while the hold lasts (no event says when).
      await delay(200);
      release(); // passes the end on: the node's side starts its shutdown...
      proxy.cutConnections(); // ...and is reset before that shutdown is done
      if (!node.readableEnded) await within(new Promise((resolve) => node.once("end", resolve)), 2000);
      node.write("y");
      expect(await within(nodeSaw, 2000)).toMatch(/^(ECONNRESET|EPIPE)$/);
    } finally {
      await proxy.close();
    }
  });
});
