import { monoNowMs } from "../../common/timers";
import type { ResolvedAttributes } from "../toxic-spec";
import { TimedQueue } from "./timed-queue";
import { ToxicStage, type HeldData, type StageContext } from "./toxic-stage";

/** Largest piece sent at once, in ms of transfer time: keeps the rate smooth for big writes. */
const PIECE_MS = 100;

/**
 * `bandwidth`: a link of `rate` KB/s (1 KB = 1000 bytes, so `rate` is also bytes per ms). Each
 * piece leaves when the link would have finished transmitting it after the previous one.
 */
export class BandwidthStage extends ToxicStage {
  private readonly queue = new TimedQueue((chunk) => (chunk === null ? this.next.end() : this.next.write(chunk)));
  private readonly pieceSize: number;

  constructor(
    context: StageContext,
    private readonly attributes: ResolvedAttributes["bandwidth"],
  ) {
    super(context);
    this.pieceSize = Math.max(1, Math.floor(attributes.rate * PIECE_MS));
  }

  override write(chunk: Buffer): void {
    const now = monoNowMs();
    for (let offset = 0; offset < chunk.length; offset += this.pieceSize) {
      const piece = chunk.subarray(offset, offset + this.pieceSize);
      this.queue.push(piece, Math.max(now, this.queue.lastDue) + piece.length / this.attributes.rate);
    }
  }

  override end(): void {
    this.queue.push(null, Math.max(monoNowMs(), this.queue.lastDue));
  }

  override detach(): HeldData {
    return this.queue.drain();
  }
}
