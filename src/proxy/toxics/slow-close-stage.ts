import { timers } from "../../common/timers";
import type { ResolvedAttributes } from "../toxic-spec";
import { ToxicStage, type HeldData, type StageContext } from "./toxic-stage";

/** `slow_close`: data passes; the close (FIN) waits `delay` ms before it goes on. */
export class SlowCloseStage extends ToxicStage {
  private timer: ReturnType<typeof timers.setTimeout> | undefined;

  constructor(
    context: StageContext,
    private readonly attributes: ResolvedAttributes["slow_close"],
  ) {
    super(context);
  }

  override write(chunk: Buffer): void {
    this.next.write(chunk);
  }

  override end(): void {
    this.timer = timers.setTimeout(() => {
      this.timer = undefined;
      this.next.end();
    }, this.attributes.delay);
  }

  override detach(): HeldData {
    const ended = this.timer !== undefined;
    if (this.timer !== undefined) timers.clearTimeout(this.timer);
    this.timer = undefined;
    return { chunks: [], ended };
  }
}
