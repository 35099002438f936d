import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import { timers } from "../common/timers";
import { codedError, type CodedError } from "./http-json";

/** A message as NATS delivers it; `status` is set for status messages (503 no responders, 404 no messages, …). */
export interface NatsMessage {
  subject: string;
  reply?: string;
  data: Buffer;
  headers: Record<string, string>;
  status?: number;
}

type Handler = (message: NatsMessage) => void;

const CRLF = "\r\n";

/**
 * A minimal NATS client speaking the text protocol over one TCP connection (CONNECT, PUB, HPUB,
 * SUB, UNSUB, PING/PONG, MSG, HMSG), no dependencies. It does not reconnect: when the server
 * goes, `closed` resolves and every pending request rejects with Node's code (ECONNRESET), so
 * reconnecting stays visible in the caller's code. Requests time out with ETIMEDOUT, and with
 * `code: "NATS_NO_RESPONDERS"` when nothing subscribes to the subject.
 */
export class NatsClient {
  /** Resolves with the reason once the connection has ended. */
  readonly closed: Promise<CodedError>;
  private readonly subscriptions = new Map<number, Handler>();
  private readonly pongs: Array<() => void> = [];
  private readonly inbox = `_INBOX.${randomBytes(8).toString("hex")}`;
  /** Rejecters of everything waiting for the server, called when the connection ends. */
  private readonly waiting = new Set<(error: Error) => void>();
  private nextSid = 1;
  private nextReply = 1;
  private buffer: Buffer = Buffer.alloc(0);
  private failure?: CodedError;
  private markClosed!: (error: CodedError) => void;

  private constructor(
    private readonly socket: Socket,
    readonly address: string,
    readonly timeoutMs: number,
  ) {
    this.closed = new Promise((resolve) => (this.markClosed = resolve));
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (error) => this.fail(error as CodedError));
    socket.on("close", () => this.fail(codedError(`connection to ${address} closed`, "ECONNRESET")));
  }

  /** Connects to the first of `addresses` ("host:port") that answers, within `timeoutMs` each (default 2000). */
  static async connect(addresses: string | readonly string[], options: { timeoutMs?: number; name?: string } = {}): Promise<NatsClient> {
    const list = typeof addresses === "string" ? [addresses] : addresses;
    const timeoutMs = options.timeoutMs ?? 2000;
    let last: unknown;
    for (const address of list) {
      try {
        return await NatsClient.connectOne(address, timeoutMs, options.name ?? "faultline");
      } catch (error) {
        last = error;
      }
    }
    throw last ?? codedError("no NATS address given", "EINVAL");
  }

  private static async connectOne(address: string, timeoutMs: number, name: string): Promise<NatsClient> {
    const colon = address.lastIndexOf(":");
    const socket = connect({ host: address.slice(0, colon), port: Number(address.slice(colon + 1)) });
    await new Promise<void>((resolve, reject) => {
      const timer = timers.setTimeout(() => socket.destroy(codedError(`no connection to ${address} within ${timeoutMs}ms`, "ETIMEDOUT")), timeoutMs);
      socket.once("connect", () => (timers.clearTimeout(timer), resolve()));
      socket.once("error", (error) => (timers.clearTimeout(timer), reject(error)));
    });
    const client = new NatsClient(socket, address, timeoutMs);
    // no_responders: a request nobody serves fails at once (status 503) instead of timing out.
    const options = { verbose: false, pedantic: false, headers: true, no_responders: true, protocol: 1, name, lang: "node", version: "faultline" };
    socket.write(`CONNECT ${JSON.stringify(options)}${CRLF}`);
    await client.flush();
    return client;
  }

  /** Round trip to the server: everything sent before has been processed. */
  flush(): Promise<void> {
    return this.withTimeout("PING", (resolve) => {
      this.pongs.push(resolve);
      this.socket.write(`PING${CRLF}`);
    });
  }

  publish(subject: string, data: string | Buffer = "", options: { reply?: string; headers?: Record<string, string> } = {}): void {
    if (this.failure) throw this.failure;
    const payload = typeof data === "string" ? Buffer.from(data) : data;
    const reply = options.reply ? ` ${options.reply}` : "";
    if (options.headers && Object.keys(options.headers).length) {
      const head = Buffer.from(
        `NATS/1.0${CRLF}${Object.entries(options.headers)
          .map(([k, v]) => `${k}: ${v}${CRLF}`)
          .join("")}${CRLF}`,
      );
      this.socket.write(
        Buffer.concat([Buffer.from(`HPUB ${subject}${reply} ${head.length} ${head.length + payload.length}${CRLF}`), head, payload, Buffer.from(CRLF)]),
      );
    } else {
      this.socket.write(Buffer.concat([Buffer.from(`PUB ${subject}${reply} ${payload.length}${CRLF}`), payload, Buffer.from(CRLF)]));
    }
  }

  subscribe(subject: string, handler: Handler): () => void {
    const sid = this.nextSid++;
    this.subscriptions.set(sid, handler);
    this.socket.write(`SUB ${subject} ${sid}${CRLF}`);
    return () => {
      this.subscriptions.delete(sid);
      if (!this.failure) this.socket.write(`UNSUB ${sid}${CRLF}`);
    };
  }

  /** Publishes with a reply subject and resolves with the first answer. */
  async request(subject: string, data: string | Buffer = "", options: { timeoutMs?: number; headers?: Record<string, string> } = {}): Promise<NatsMessage> {
    const messages = await this.collect(subject, data, { ...options, until: () => true });
    return messages[0]!;
  }

  /**
   * Publishes with a reply subject and gathers answers until `until(message)` says it was the
   * last, or `timeoutMs` passes (then resolves with what came, or rejects ETIMEDOUT if nothing did).
   */
  collect(
    subject: string,
    data: string | Buffer,
    options: { timeoutMs?: number; headers?: Record<string, string>; until: (message: NatsMessage) => boolean },
  ): Promise<NatsMessage[]> {
    // A subscription of its own: answers such as fetched messages keep their original subject,
    // so only the subscription id tells whose they are.
    const reply = `${this.inbox}.${this.nextReply++}`;
    const got: NatsMessage[] = [];
    let unsubscribe = (): void => undefined;
    return this.withTimeout(
      `request ${subject}`,
      (resolve, reject) => {
        unsubscribe = this.subscribe(reply, (message) => {
          if (message.status === 503) return reject(codedError(`no responders for ${subject} on ${this.address}`, "NATS_NO_RESPONDERS", { definite: true }));
          got.push(message);
          if (options.until(message)) resolve(got);
        });
        this.publish(subject, data, { reply, headers: options.headers });
      },
      options.timeoutMs,
      () => (got.length ? got : undefined),
    ).finally(() => unsubscribe());
  }

  close(): void {
    this.socket.destroy();
  }

  private withTimeout<T>(
    what: string,
    start: (resolve: (value: T) => void, reject: (error: Error) => void) => void,
    timeoutMs = this.timeoutMs,
    partial?: () => T | undefined,
  ): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      const timer = timers.setTimeout(() => {
        this.waiting.delete(onClose);
        const sofar = partial?.();
        if (sofar !== undefined) resolve(sofar);
        else reject(codedError(`${what} to ${this.address} got no answer within ${timeoutMs}ms`, "ETIMEDOUT"));
      }, timeoutMs);
      const done =
        <A extends unknown[]>(f: (...args: A) => void) =>
        (...args: A) => {
          timers.clearTimeout(timer);
          this.waiting.delete(onClose);
          f(...args);
        };
      const onClose = done(reject);
      this.waiting.add(onClose);
      start(done(resolve), done(reject));
    });
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    let offset = 0;
    for (;;) {
      const end = this.buffer.indexOf(CRLF, offset);
      if (end < 0) break;
      const line = this.buffer.toString("utf8", offset, end);
      const [op, ...args] = line.split(" ").filter(Boolean);
      if (op === "MSG" || op === "HMSG") {
        const total = Number(args.at(-1));
        const start = end + 2;
        if (this.buffer.length < start + total + 2) break; // wait for the payload
        const headerBytes = op === "HMSG" ? Number(args.at(-2)) : 0;
        const [subject, sid, reply] = [args[0]!, Number(args[1]), args.length === (op === "HMSG" ? 5 : 4) ? args[2] : undefined];
        const message = {
          subject,
          reply,
          data: this.buffer.subarray(start + headerBytes, start + total),
          ...parseHeaders(this.buffer.toString("utf8", start, start + headerBytes)),
        };
        offset = start + total + 2;
        this.subscriptions.get(sid)?.(message);
        continue;
      }
      offset = end + 2;
      if (op === "PING") this.socket.write(`PONG${CRLF}`);
      else if (op === "PONG") this.pongs.shift()?.();
      else if (op === "-ERR") this.socket.destroy(codedError(`${this.address}: ${line}`, "NATS_ERROR"));
    }
    this.buffer = this.buffer.subarray(offset);
  }

  private fail(error: CodedError): void {
    if (this.failure) return;
    this.failure = error;
    this.markClosed(error);
    for (const reject of [...this.waiting]) reject(error);
  }
}

/** `NATS/1.0 404 No Messages\r\nKey: value\r\n\r\n` -> status and headers. */
function parseHeaders(block: string): { headers: Record<string, string>; status?: number } {
  if (!block) return { headers: {} };
  const [first, ...rest] = block.split(CRLF);
  const status = /^NATS\/1\.0 (\d{3})/.exec(first ?? "")?.[1];
  const headers: Record<string, string> = {};
  for (const line of rest) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return status ? { headers, status: Number(status) } : { headers };
}
