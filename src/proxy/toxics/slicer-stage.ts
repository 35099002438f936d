import { monoNowMs } from "../../common/timers";
import type { ResolvedAttributes } from "../toxic-spec";
import { TimedQueue } from "./timed-queue";
import { ToxicStage, type HeldData, type StageContext } from "./toxic-stage";

/**
 * `slicer`: cuts every chunk into slices of `averageSize ± sizeVariation` bytes, written one by
 * one `delay` µs apart, so the receiver sees many small reads (partial frames, split headers).
 */
export class SlicerStage extends ToxicStage {
  private readonly queue = new TimedQueue((chunk) => (chunk === null ? this.next.end() : this.next.write(chunk)));
  private readonly gapMs: number;

  constructor(
    context: StageContext,
    private readonly attributes: ResolvedAttributes["slicer"],
  ) {
    super(context);
    this.gapMs = attributes.delay / 1000;
  }

  override write(chunk: Buffer): void {
    const { averageSize, sizeVariation } = this.attributes;
    const now = monoNowMs();
    let offset = 0;
    while (offset < chunk.length) {
      const wanted = averageSize + Math.round((this.context.random() * 2 - 1) * sizeVariation);
      const size = Math.min(Math.max(1, wanted), chunk.length - offset);
      // The first slice of a quiet link leaves at once; every later one waits its gap.
      this.queue.push(chunk.subarray(offset, offset + size), Math.max(now, this.queue.lastDue + this.gapMs));
      offset += size;
    }
  }

  override end(): void {
    this.queue.push(null, Math.max(monoNowMs(), this.queue.lastDue));
  }

  override detach(): HeldData {
    return this.queue.drain();
  }
}
