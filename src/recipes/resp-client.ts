import { connect, type Socket } from "node:net";
import { timers } from "../common/timers";
import { codedError } from "./http-json";

/** A RESP2 reply: simple and bulk strings, integers, nil, arrays. Error replies reject. */
export type RespValue = string | number | null | RespValue[];

interface Pending {
  resolve: (value: RespValue) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Parses one reply at `offset`; undefined when the buffer does not hold all of it yet. */
function parse(buffer: Buffer, offset: number): { value: RespValue | Error; next: number } | undefined {
  const end = buffer.indexOf("\r\n", offset);
  if (end < 0) return undefined;
  const type = String.fromCharCode(buffer[offset]!);
  const line = buffer.toString("utf8", offset + 1, end);
  const after = end + 2;
  switch (type) {
    case "+":
      return { value: line, next: after };
    case "-":
      return { value: codedError(line, "REDIS_ERROR"), next: after };
    case ":":
      return { value: Number(line), next: after };
    case "$": {
      const length = Number(line);
      if (length < 0) return { value: null, next: after };
      if (buffer.length < after + length + 2) return undefined;
      return { value: buffer.toString("utf8", after, after + length), next: after + length + 2 };
    }
    case "*": {
      const count = Number(line);
      if (count < 0) return { value: null, next: after };
      const items: RespValue[] = [];
      let next = after;
      for (let i = 0; i < count; i++) {
        const item = parse(buffer, next);
        if (!item) return undefined;
        // An error inside an array (e.g. from EXEC) is kept as its message.
        items.push(item.value instanceof Error ? item.value.message : item.value);
        next = item.next;
      }
      return { value: items, next };
    }
    default:
      return { value: codedError(`unexpected RESP type byte ${JSON.stringify(type)}`, "EBADRESPONSE"), next: buffer.length };
  }
}

const encode = (args: readonly string[]): string => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;

/**
 * A minimal Redis (and Sentinel) client over one TCP connection, no dependencies. Commands are
 * pipelined in order; a lost connection rejects everything pending with Node's error code
 * (ECONNREFUSED, ECONNRESET), a command that takes too long with ETIMEDOUT, an error reply
 * with `code: "REDIS_ERROR"` and Redis's message (e.g. "READONLY You can't write against a
 * read only replica.").
 */
export class RespClient {
  private readonly pending: Pending[] = [];
  private buffer: Buffer = Buffer.alloc(0);
  private failure?: Error;

  private constructor(
    private readonly socket: Socket,
    readonly address: string,
    private readonly timeoutMs: number,
  ) {
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (error) => this.fail(error));
    socket.on("close", () => this.fail(codedError(`connection to ${address} closed`, "ECONNRESET")));
  }

  /** Connects to `host:port` within `timeoutMs` (default 2000), which also bounds each command. */
  static connect(address: string, options: { timeoutMs?: number } = {}): Promise<RespClient> {
    const timeoutMs = options.timeoutMs ?? 2000;
    const [host, port] = splitAddress(address);
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const onError = (error: Error): void => {
        timers.clearTimeout(timer);
        reject(error);
      };
      const timer = timers.setTimeout(() => {
        socket.destroy();
        reject(codedError(`no connection to ${address} within ${timeoutMs}ms`, "ETIMEDOUT"));
      }, timeoutMs);
      socket.once("error", onError);
      socket.once("connect", () => {
        timers.clearTimeout(timer);
        socket.removeListener("error", onError);
        resolve(new RespClient(socket, address, timeoutMs));
      });
    });
  }

  command(...args: string[]): Promise<RespValue> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = timers.setTimeout(() => {
        const error = codedError(`${args[0]} to ${this.address} got no reply within ${this.timeoutMs}ms`, "ETIMEDOUT");
        this.socket.destroy(error);
      }, this.timeoutMs);
      this.pending.push({ resolve, reject, timer });
      this.socket.write(encode(args));
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    let offset = 0;
    for (;;) {
      const reply = offset < this.buffer.length ? parse(this.buffer, offset) : undefined;
      if (!reply) break;
      offset = reply.next;
      const waiter = this.pending.shift();
      if (!waiter) continue; // nothing asked for it (cannot happen without pub/sub)
      timers.clearTimeout(waiter.timer);
      if (reply.value instanceof Error) waiter.reject(reply.value);
      else waiter.resolve(reply.value);
    }
    this.buffer = this.buffer.subarray(offset);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.pending.splice(0)) {
      timers.clearTimeout(waiter.timer);
      waiter.reject(this.failure);
    }
  }
}

/** One command on a fresh connection, closed afterwards: for probes. */
export async function redisCommand(address: string, args: string[], timeoutMs = 1000): Promise<RespValue> {
  const client = await RespClient.connect(address, { timeoutMs });
  try {
    return await client.command(...args);
  } finally {
    client.close();
  }
}

function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(":");
  return [address.slice(0, colon), Number(address.slice(colon + 1))];
}
