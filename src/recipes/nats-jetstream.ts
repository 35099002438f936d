import { codedError } from "./http-json";
import type { NatsClient, NatsMessage } from "./nats-client";

export interface StreamConfig {
  name: string;
  subjects: string[];
  /** Default 1. */
  num_replicas?: number;
  /** Default "file". */
  storage?: "file" | "memory";
  [key: string]: unknown;
}

export interface PubAck {
  stream: string;
  seq: number;
  /** True when the server had this message id already and stored nothing new. */
  duplicate: boolean;
}

export interface StreamInfo {
  config: StreamConfig;
  state: { messages: number; first_seq: number; last_seq: number };
  /** The stream's Raft group: `leader` is a server name. */
  cluster?: { name?: string; leader?: string; replicas?: Array<{ name: string; current: boolean }> };
}

/** A message fetched from a consumer; `seq` is its stream sequence. */
export interface FetchedMessage extends NatsMessage {
  seq: number;
}

/**
 * The JetStream API (`$JS.API.*` request subjects) over a {@link NatsClient}: streams,
 * acknowledged publishes, and pull consumers. API errors reject with `code: "NATS_JS_ERROR"`,
 * the server's description, and its `errCode`.
 */
export class JetStream {
  constructor(
    readonly client: NatsClient,
    private readonly timeoutMs = client.timeoutMs,
  ) {}

  /** Creates the stream (or confirms an identical one exists). */
  async addStream(config: StreamConfig): Promise<StreamInfo> {
    return (await this.api(`STREAM.CREATE.${config.name}`, { storage: "file", num_replicas: 1, ...config })) as unknown as StreamInfo;
  }

  async streamInfo(name: string): Promise<StreamInfo> {
    return (await this.api(`STREAM.INFO.${name}`, {})) as unknown as StreamInfo;
  }

  /**
   * Publishes and waits for the stream's acknowledgement: once it resolves, the message is
   * stored by a quorum of the stream's replicas. `msgId` makes a retried publish idempotent.
   */
  async publish(subject: string, data: string | Buffer, options: { msgId?: string } = {}): Promise<PubAck> {
    const headers = options.msgId ? { "Nats-Msg-Id": options.msgId } : undefined;
    const answer = await this.client.request(subject, data, { timeoutMs: this.timeoutMs, headers });
    const ack = this.decode(answer, `publish ${subject}`);
    return { stream: String(ack.stream), seq: Number(ack.seq), duplicate: ack.duplicate === true };
  }

  /** A durable pull consumer; acknowledgements are explicit (see {@link ack}). */
  async addConsumer(stream: string, durable: string, config: Record<string, unknown> = {}): Promise<void> {
    await this.api(`CONSUMER.DURABLE.CREATE.${stream}.${durable}`, {
      stream_name: stream,
      config: { durable_name: durable, ack_policy: "explicit", deliver_policy: "all", ...config },
    });
  }

  /**
   * Up to `batch` messages through `$JS.API.CONSUMER.MSG.NEXT`: resolves with what arrived
   * before the server said there is no more (404/408) or `expiresMs` passed.
   */
  async fetch(stream: string, consumer: string, options: { batch: number; expiresMs?: number }): Promise<FetchedMessage[]> {
    const expiresMs = options.expiresMs ?? 1000;
    const request = { batch: options.batch, expires: expiresMs * 1_000_000 };
    let count = 0;
    const messages = await this.client
      .collect(`$JS.API.CONSUMER.MSG.NEXT.${stream}.${consumer}`, JSON.stringify(request), {
        timeoutMs: expiresMs + this.timeoutMs,
        until: (m) => m.status !== undefined || ++count >= options.batch,
      })
      .catch((error: { code?: string }) => (error.code === "ETIMEDOUT" ? [] : Promise.reject(error)));
    return messages.filter((m) => m.status === undefined).map((m) => ({ ...m, seq: streamSequence(m.reply) }));
  }

  /** Acknowledges a fetched message so its consumer moves past it. */
  ack(message: NatsMessage): void {
    if (message.reply) this.client.publish(message.reply, "+ACK");
  }

  private async api(path: string, body: unknown): Promise<Record<string, unknown>> {
    const answer = await this.client.request(`$JS.API.${path}`, JSON.stringify(body), { timeoutMs: this.timeoutMs });
    return this.decode(answer, path);
  }

  private decode(answer: NatsMessage, what: string): Record<string, unknown> {
    const json = JSON.parse(answer.data.toString("utf8") || "{}") as Record<string, unknown>;
    const error = json.error as { code?: number; err_code?: number; description?: string } | undefined;
    if (error) {
      throw codedError(`JetStream ${what} on ${this.client.address}: ${error.description ?? "error"} (${error.code})`, "NATS_JS_ERROR", {
        status: error.code,
        ...(error.err_code === undefined ? {} : { errCode: error.err_code }),
      });
    }
    return json;
  }
}

/**
 * The stream sequence in an ack subject: `$JS.ACK.<stream>.<consumer>.<delivered>.<seq>.…` (9
 * tokens), or with domain and account hash after `$JS.ACK` and a random token last (12).
 */
function streamSequence(reply: string | undefined): number {
  const tokens = (reply ?? "").split(".");
  return Number(tokens.length >= 12 ? tokens[7] : tokens[5]);
}
