import type { ResolvedAttributes } from "../toxic-spec";
import { ToxicStage, type StageContext } from "./toxic-stage";

/**
 * `limit_data`: lets exactly `bytes` bytes through (counted from when the toxic applied to the
 * connection), then closes the connection.
 */
export class LimitDataStage extends ToxicStage {
  private remaining: number;
  private done = false;

  constructor(context: StageContext, attributes: ResolvedAttributes["limit_data"]) {
    super(context);
    this.remaining = attributes.bytes;
  }

  override write(chunk: Buffer): void {
    if (this.done) return;
    if (chunk.length < this.remaining) {
      this.remaining -= chunk.length;
      this.next.write(chunk);
      return;
    }
    if (this.remaining > 0) this.next.write(chunk.subarray(0, this.remaining));
    this.remaining = 0;
    this.done = true;
    this.context.control.close("limit_data toxic");
  }

  override end(): void {
    if (!this.done) this.next.end();
  }
}
