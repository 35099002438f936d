import { recipes, type NatsClient } from "faultline";

export interface Acked {
  id: string;
  seq: number;
  /** performance.now() when the stream acknowledged it. */
  at: number;
}

/**
 * A publisher as an application would write one: each message carries a Nats-Msg-Id, so when
 * an acknowledgement does not come (timeout, lost connection, stream without a leader) it
 * retries the same message — on a new connection to the next server if the old one is gone —
 * and the stream stores it once.
 */
export class Publisher {
  readonly acked: Acked[] = [];
  readonly errors: string[] = [];
  private client?: NatsClient;
  private next = 0;
  private running = true;
  private readonly done: Promise<void>;

  constructor(
    private readonly addresses: readonly string[],
    private readonly subject: string,
  ) {
    this.done = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
    this.client?.close();
  }

  private async loop(): Promise<void> {
    for (let n = 1; this.running; n++) {
      const id = `msg-${n}`;
      while (this.running) {
        try {
          const js = recipes.nats.jetstream(await this.connection(), 2000);
          const ack = await js.publish(this.subject, id, { msgId: id });
          this.acked.push({ id, seq: ack.seq, at: performance.now() });
          break;
        } catch (error) {
          this.errors.push(`${id}: ${(error as Error).message}`);
          if ((error as { code?: string }).code !== "NATS_JS_ERROR") this.drop();
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    }
  }

  /** The current connection, or a new one to the next server that answers. */
  private async connection(): Promise<NatsClient> {
    if (!this.client) {
      const start = this.next++ % this.addresses.length;
      this.client = await recipes.nats.client([...this.addresses.slice(start), ...this.addresses.slice(0, start)], { timeoutMs: 1000 });
      void this.client.closed.then(() => this.drop());
    }
    return this.client;
  }

  private drop(): void {
    this.client?.close();
    this.client = undefined;
  }
}
