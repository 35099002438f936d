import { timers } from "../../common/timers";
import type { ResolvedAttributes } from "../toxic-spec";
import { ToxicStage, type HeldData, type StageContext } from "./toxic-stage";

/**
 * `timeout`: nothing passes in this direction; after `timeout` ms (counted from when the toxic
 * applied to the connection) the connection is closed. With 0 it stays open. Data is held, not
 * dropped, so removing the toxic delivers it in order, as a link that came back would.
 */
export class TimeoutStage extends ToxicStage {
  private held: Buffer[] = [];
  private ended = false;
  private timer: ReturnType<typeof timers.setTimeout> | undefined;

  constructor(context: StageContext, attributes: ResolvedAttributes["timeout"]) {
    super(context);
    if (attributes.timeout > 0) {
      this.timer = timers.setTimeout(() => {
        this.timer = undefined;
        context.control.close(`timeout toxic (${attributes.timeout}ms)`);
      }, attributes.timeout);
    }
  }

  override write(chunk: Buffer): void {
    this.held.push(chunk);
  }

  override end(): void {
    this.ended = true;
  }

  override detach(): HeldData {
    if (this.timer !== undefined) timers.clearTimeout(this.timer);
    this.timer = undefined;
    const held = { chunks: this.held, ended: this.ended };
    this.held = [];
    return held;
  }
}
