import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { seededRandom } from "../../../src/common/random";

/** A loopback server for proxy tests; tracks its sockets so `close()` leaves nothing open. */
export interface TestServer {
  port: number;
  /** Sockets the server accepted, in order. */
  sockets: Socket[];
  close(): Promise<void>;
}

export async function startServer(onSocket: (socket: Socket) => void): Promise<TestServer> {
  const sockets: Socket[] = [];
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.push(socket);
    socket.on("error", () => undefined);
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Echoes everything back and half-closes when the client does. */
export function echoServer(): Promise<TestServer> {
  return startServer((socket) => socket.pipe(socket));
}

/** Sends `payload` to every client, then closes its side (unless `end` is false). */
export function sendingServer(payload: Buffer, end = true): Promise<TestServer> {
  return startServer((socket) => {
    if (end) socket.end(payload);
    else socket.write(payload);
  });
}

/** What a client saw on one connection. */
export interface Received {
  /** Everything received so far (joined on demand). */
  readonly data: Buffer;
  /** Bytes received so far. */
  bytes: number;
  chunks: number;
  /** `performance.now()` of the first byte, of `end` and of `close`. */
  firstAt?: number;
  endAt?: number;
  closeAt?: number;
  error?: NodeJS.ErrnoException;
}

/** A client socket plus what it received so far; `closed` settles on close. */
export interface TestClient {
  socket: Socket;
  received: Received;
  connected: Promise<void>;
  closed: Promise<Received>;
  /** Resolves once at least `bytes` bytes arrived (or the socket closed). */
  waitFor(bytes: number): Promise<Received>;
}

export function client(port: number): TestClient {
  const socket = connect({ host: "127.0.0.1", port });
  let parts: Buffer[] = [];
  const received: Received = {
    get data() {
      if (parts.length > 1) parts = [Buffer.concat(parts)];
      return parts[0] ?? Buffer.alloc(0);
    },
    bytes: 0,
    chunks: 0,
  };
  const waiters: { bytes: number; resolve: () => void }[] = [];
  const wake = (all: boolean): void => {
    for (const waiter of [...waiters]) {
      if (all || received.bytes >= waiter.bytes) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  socket.on("data", (chunk: Buffer) => {
    received.firstAt ??= performance.now();
    parts.push(chunk);
    received.chunks += 1;
    received.bytes += chunk.length;
    wake(false);
  });
  socket.on("end", () => {
    received.endAt = performance.now();
  });
  socket.on("error", (error) => {
    received.error = error;
  });
  const closed = new Promise<Received>((resolve) =>
    socket.on("close", () => {
      received.closeAt = performance.now();
      wake(true);
      resolve(received);
    }),
  );
  const connected = new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  connected.catch(() => undefined);
  return {
    socket,
    received,
    connected,
    closed,
    waitFor: (bytes) =>
      received.bytes >= bytes || received.closeAt !== undefined
        ? Promise.resolve(received)
        : new Promise<Received>((resolve) => waiters.push({ bytes, resolve: () => resolve(received) })),
  };
}

export const HANG = Symbol("hang");

/** Resolves with `HANG` if `promise` has not settled within `ms`: a guard, never an upper bound. */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof HANG> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<typeof HANG>((resolve) => {
    timer = setTimeout(() => resolve(HANG), ms);
  });
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer));
}

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Deterministic pseudo-random bytes, so a corrupted or reordered stream is detected. */
export function pattern(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i += 1) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A seeded random source in [0, 1). */
export const seeded = seededRandom;
