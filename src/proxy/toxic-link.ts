import type { Socket } from "node:net";
import type { ChunkSink, ToxicStage } from "./toxics/toxic-stage";

/** Bytes forwarded in one direction, shared by all connections of a proxy. */
export interface ByteCounter {
  bytes: number;
}

// Why the source socket is paused; it resumes when no reason is left.
const DRAIN = 1; // the destination's write buffer is full
const BUFFER = 2; // toxics hold more than HIGH_WATER bytes
const HOLD = 4; // blackholed

/** Bytes a toxic chain may hold before the sender is paused (TCP backpressure, not memory). */
const HIGH_WATER = 1 << 20;
const LOW_WATER = HIGH_WATER >> 1;

/**
 * One direction of one proxied connection: reads `src`, writes `dst`.
 *
 * With no toxic and no blackhole a chunk goes straight from the `data` handler into
 * `dst.write` (the fast path, as cheap as `pipe`). Otherwise chunks enter a chain of
 * {@link ToxicStage}s whose last stage writes to `dst`. Stages can be added and removed while
 * data flows: a removed stage hands what it held to the stage after it, so nothing is lost or
 * reordered, and the link returns to the fast path when the chain is empty.
 */
export class ToxicLink {
  private readonly stages: { id: string; stage: ToxicStage }[] = [];
  private readonly sink: ChunkSink;
  private entry: ChunkSink;
  private fast = true;
  private paused = 0;
  /** Bytes inside the chain or held by a blackhole. */
  private buffered = 0;
  /** Defined while blackholed: what reached the end of the chain and waits to be delivered. */
  private held: Buffer[] | undefined;
  private heldEnd = false;
  private closed = false;

  constructor(
    private readonly src: Socket,
    private readonly dst: Socket,
    private readonly counter: ByteCounter,
    /** How bytes arrive: `data` events, or {@link forwardRead} calls (a source with `onread`). */
    reads: "data" | "onread" = "data",
  ) {
    this.sink = { write: (chunk) => this.deliver(chunk), end: () => this.deliverEnd() };
    this.entry = this.sink;
    if (reads === "data") src.on("data", this.onData);
    src.on("end", this.onEnd);
    dst.on("drain", this.onDrain);
  }

  /** Appends a stage to the chain; it acts on data read from now on. */
  add(id: string, stage: ToxicStage): void {
    stage.next = this.sink;
    const last = this.stages[this.stages.length - 1];
    if (last) last.stage.next = stage;
    this.stages.push({ id, stage });
    this.entry = this.stages[0]!.stage;
    this.fast = false;
  }

  /** Removes a stage; what it held goes on to the rest of the chain, in order. */
  remove(id: string): void {
    const index = this.stages.findIndex((s) => s.id === id);
    if (index < 0) return;
    const { stage } = this.stages[index]!;
    this.stages.splice(index, 1);
    const after = this.stages[index]?.stage ?? this.sink;
    const before = this.stages[index - 1];
    if (before) before.stage.next = after;
    this.entry = this.stages[0]?.stage ?? this.sink;
    this.updateFast();
    const held = stage.detach();
    for (const chunk of held.chunks) after.write(chunk);
    if (held.ended) after.end();
  }

  /** Blackholes the direction (bytes wait, in order) or lets it flow again. */
  setHeld(hold: boolean): void {
    if (this.closed || hold === (this.held !== undefined)) return;
    if (hold) {
      this.held = [];
      this.fast = false;
      this.pause(HOLD);
      return;
    }
    const held = this.held!;
    this.held = undefined;
    this.updateFast();
    for (const chunk of held) this.deliver(chunk);
    if (this.heldEnd) {
      this.heldEnd = false;
      this.dst.end();
    }
    this.resume(HOLD);
  }

  /** Stops forwarding for good and clears every toxic's timers; the sockets are the caller's. */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.src.pause();
    for (const { stage } of this.stages.splice(0)) stage.detach();
    this.held = undefined;
    this.entry = this.sink;
  }

  /**
   * Forwards `chunk`, a view of the buffer the source read into (see {@link ReadBuffer}), in
   * place of a `data` event. Returns whether that buffer may be read into again: a chunk that
   * would wait (behind queued bytes, in a toxic, in a blackhole) is copied first; one written
   * straight to the destination is not, and keeps its buffer only while the write is pending.
   */
  forwardRead(chunk: Buffer): boolean {
    if (this.fast && this.dst.writableLength === 0) {
      this.onData(chunk);
      return this.dst.writableLength === 0;
    }
    this.onData(Buffer.from(chunk));
    return true;
  }

  private updateFast(): void {
    this.fast = this.stages.length === 0 && this.held === undefined;
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.fast) {
      this.counter.bytes += chunk.length;
      if (!this.dst.write(chunk)) this.pause(DRAIN);
      return;
    }
    if (this.closed) return;
    this.buffered += chunk.length;
    if (this.buffered > HIGH_WATER) this.pause(BUFFER);
    this.entry.write(chunk);
  };

  private readonly onEnd = (): void => {
    if (this.fast) this.dst.end();
    else if (!this.closed) this.entry.end();
  };

  private readonly onDrain = (): void => {
    this.resume(DRAIN);
  };

  private deliver(chunk: Buffer): void {
    if (this.closed || this.dst.destroyed) return;
    if (this.held !== undefined) {
      this.held.push(chunk);
      return;
    }
    this.buffered -= chunk.length;
    this.counter.bytes += chunk.length;
    if (!this.dst.write(chunk)) this.pause(DRAIN);
    if (this.buffered <= LOW_WATER) this.resume(BUFFER);
  }

  private deliverEnd(): void {
    if (this.closed) return;
    if (this.held !== undefined) this.heldEnd = true;
    else this.dst.end();
  }

  private pause(reason: number): void {
    if (this.paused === 0) this.src.pause();
    this.paused |= reason;
  }

  private resume(reason: number): void {
    if ((this.paused & reason) === 0) return;
    this.paused &= ~reason;
    if (this.paused === 0 && !this.closed) this.src.resume();
  }
}
