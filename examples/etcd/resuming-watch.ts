import type { EtcdClient, EtcdWatch, WatchEvent } from "faultline";

/**
 * A watch that survives the member it is connected to: when the stream ends, it opens a new
 * one on the client's next endpoint starting at the revision after the last event it
 * delivered, so no event is missed and none is delivered twice.
 */
export class ResumingWatch {
  /** Every event delivered, in order, across reconnections. */
  readonly events: WatchEvent[] = [];
  /** How many times the stream was re-opened after it ended. */
  reconnects = 0;
  private current?: EtcdWatch;
  private stopped = false;
  /** Every event up to this revision has been delivered (once a stream was confirmed). */
  private revision = 0;
  private confirmed = false;
  readonly ready: Promise<void>;

  constructor(
    private readonly client: EtcdClient,
    private readonly key: string,
    private readonly options: { prefix?: boolean; retryDelayMs?: number } = {},
  ) {
    this.ready = this.open(undefined);
  }

  stop(): void {
    this.stopped = true;
    this.current?.cancel();
  }

  private async open(startRevision: number | undefined): Promise<void> {
    const watch = this.client.watch(this.key, { prefix: this.options.prefix, startRevision });
    this.current = watch;
    watch.onEvent((event) => {
      // Defensive: a resumed stream starts after `revision`, so this never drops anything etcd sent once.
      if (event.modRevision <= this.revision) return;
      this.revision = event.modRevision;
      this.events.push(event);
    });
    try {
      await watch.ready;
      if (!this.confirmed) this.revision = Math.max(this.revision, watch.revision);
      this.confirmed = true;
    } catch {
      // The member did not confirm: `closed` below moves on to the next one.
    }
    void watch.closed.then(() => this.resume());
  }

  private async resume(): Promise<void> {
    if (this.stopped) return;
    this.client.rotate();
    this.reconnects++;
    await new Promise((resolve) => setTimeout(resolve, this.options.retryDelayMs ?? 100));
    // Before any stream was confirmed there is nothing to resume from: start afresh.
    if (!this.stopped) await this.open(this.confirmed ? this.revision + 1 : undefined);
  }
}
