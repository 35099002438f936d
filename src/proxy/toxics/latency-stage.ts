import { monoNowMs } from "../../common/timers";
import type { ResolvedAttributes } from "../toxic-spec";
import { TimedQueue } from "./timed-queue";
import { ToxicStage, type HeldData, type StageContext } from "./toxic-stage";

/**
 * `latency`: each chunk leaves `latency ± jitter` ms after it arrived. A chunk never overtakes
 * the one before it (TCP keeps order), so with jitter a chunk may wait a little longer.
 */
export class LatencyStage extends ToxicStage {
  private readonly queue = new TimedQueue((chunk) => (chunk === null ? this.next.end() : this.next.write(chunk)));

  constructor(
    context: StageContext,
    private readonly attributes: ResolvedAttributes["latency"],
  ) {
    super(context);
  }

  override write(chunk: Buffer): void {
    const { latency, jitter } = this.attributes;
    const delay = Math.max(0, latency + (this.context.random() * 2 - 1) * jitter);
    this.queue.push(chunk, Math.max(monoNowMs() + delay, this.queue.lastDue));
  }

  /** The FIN follows the last chunk without a delay of its own, as in Toxiproxy. */
  override end(): void {
    this.queue.push(null, Math.max(monoNowMs(), this.queue.lastDue));
  }

  override detach(): HeldData {
    return this.queue.drain();
  }
}
