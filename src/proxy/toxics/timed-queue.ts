import { monoNowMs, timers } from "../../common/timers";
import type { HeldData } from "./toxic-stage";

interface Item {
  /** `null` marks the end of the stream. */
  chunk: Buffer | null;
  /** Monotonic ms at which the item may leave. */
  due: number;
}

/**
 * A FIFO whose items leave at given times, driven by a single timer for the head. Due times
 * must not decrease (callers take `max(…, lastDue)`), which is what keeps chunks in order.
 */
export class TimedQueue {
  private items: Item[] = [];
  private head = 0;
  private timer: ReturnType<typeof timers.setTimeout> | undefined;
  /** Due time of the last item pushed; -Infinity before the first. */
  lastDue = -Infinity;

  constructor(private readonly emit: (chunk: Buffer | null) => void) {}

  push(chunk: Buffer | null, due: number): void {
    this.lastDue = due;
    this.items.push({ chunk, due });
    if (this.items.length - this.head === 1) this.run();
  }

  /** Stops the timer and hands back everything not yet emitted. */
  drain(): HeldData {
    if (this.timer !== undefined) timers.clearTimeout(this.timer);
    this.timer = undefined;
    const rest = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    const ended = rest.length > 0 && rest[rest.length - 1]!.chunk === null;
    return { chunks: rest.flatMap((item) => (item.chunk === null ? [] : [item.chunk])), ended };
  }

  private readonly run = (): void => {
    this.timer = undefined;
    const now = monoNowMs();
    while (this.head < this.items.length && this.items[this.head]!.due <= now) {
      const item = this.items[this.head]!;
      this.head += 1;
      this.emit(item.chunk);
    }
    if (this.head >= this.items.length) {
      this.items = [];
      this.head = 0;
      return;
    }
    // Compact now and then so a long-lived queue does not keep every chunk it ever held.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    // Timers tick in whole ms and may fire a little early against hrtime: run() rechecks.
    const wait = Math.max(1, Math.ceil(this.items[this.head]!.due - now));
    this.timer = timers.setTimeout(this.run, wait);
  };
}
