import type { EtcdClient } from "faultline";

export interface Ack {
  key: string;
  value: string;
  revision: number;
  /** performance.now() when etcd acknowledged it. */
  at: number;
}

/**
 * A background writer: puts `prefix0001`, `prefix0002`, … one after another, each key once,
 * and remembers which etcd acknowledged. A failed put is not retried (its key may or may not
 * exist afterwards); the client moves on to its next endpoint by itself.
 */
export class Writer {
  readonly acked: Ack[] = [];
  readonly errors: Error[] = [];
  private running = true;
  private readonly done: Promise<void>;
  private waiters: Array<{ after: number; resolve: (ack: Ack) => void }> = [];

  constructor(
    private readonly client: EtcdClient,
    private readonly prefix: string,
    private readonly pauseMs = 20,
  ) {
    this.done = this.loop();
  }

  /** The first acknowledgement after now: how long writers wait to resume after a fault. */
  nextAck(): Promise<Ack> {
    const after = performance.now();
    return new Promise((resolve) => this.waiters.push({ after, resolve }));
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  private async loop(): Promise<void> {
    for (let seq = 1; this.running; seq++) {
      const key = `${this.prefix}${String(seq).padStart(5, "0")}`;
      try {
        const revision = await this.client.put(key, String(seq));
        const ack = { key, value: String(seq), revision, at: performance.now() };
        this.acked.push(ack);
        this.waiters = this.waiters.filter((w) => (w.after < ack.at ? (w.resolve(ack), false) : true));
      } catch (error) {
        this.errors.push(error as Error);
      }
      await new Promise((resolve) => setTimeout(resolve, this.pauseMs));
    }
  }
}
