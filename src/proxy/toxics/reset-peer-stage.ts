import { timers } from "../../common/timers";
import type { ResolvedAttributes } from "../toxic-spec";
import { ToxicStage, type HeldData, type StageContext } from "./toxic-stage";

/**
 * `reset_peer`: the first data (or close) in this direction arms a timer; when it fires the
 * connection is reset, so both peers see ECONNRESET. From the first data on nothing passes,
 * as in Toxiproxy, where the triggering chunk never arrives.
 */
export class ResetPeerStage extends ToxicStage {
  private held: Buffer[] = [];
  private ended = false;
  private timer: ReturnType<typeof timers.setTimeout> | undefined;

  constructor(
    context: StageContext,
    private readonly attributes: ResolvedAttributes["reset_peer"],
  ) {
    super(context);
  }

  override write(chunk: Buffer): void {
    this.held.push(chunk);
    this.arm();
  }

  override end(): void {
    this.ended = true;
    this.arm();
  }

  override detach(): HeldData {
    if (this.timer !== undefined) timers.clearTimeout(this.timer);
    this.timer = undefined;
    const held = { chunks: this.held, ended: this.ended };
    this.held = [];
    return held;
  }

  private arm(): void {
    if (this.timer !== undefined) return;
    // Even with timeout 0 the reset waits for a timer tick, never inside the read callback.
    this.timer = timers.setTimeout(() => {
      this.context.control.reset(`reset_peer toxic (${this.attributes.timeout}ms)`);
    }, this.attributes.timeout);
  }
}
