/**
 * A toxic applied to one direction of one connection. Stages form a chain: each receives the
 * chunks the previous one let through, in order, and sends what it lets through to `next`.
 */
export interface ChunkSink {
  write(chunk: Buffer): void;
  /** The sender closed its side (FIN); nothing follows. */
  end(): void;
}

/** What a toxic may do to the whole connection it acts on. */
export interface ConnectionControl {
  /** Closes both sockets after flushing what was already written to them (FIN). */
  close(reason: string): void;
  /** Resets both sockets (RST): both peers see ECONNRESET. */
  reset(reason: string): void;
}

/** What a stage still held when it was removed; the chain passes it on, in order. */
export interface HeldData {
  chunks: Buffer[];
  ended: boolean;
}

export interface StageContext {
  readonly control: ConnectionControl;
  /** The proxy's random source (jitter, slice sizes), seedable for reproducible runs. */
  readonly random: () => number;
}

const NOWHERE: ChunkSink = { write: () => undefined, end: () => undefined };

export abstract class ToxicStage implements ChunkSink {
  /** Rewired by the link whenever the chain changes, so stages never cache it. */
  next: ChunkSink = NOWHERE;

  constructor(protected readonly context: StageContext) {}

  abstract write(chunk: Buffer): void;

  end(): void {
    this.next.end();
  }

  /**
   * Takes the stage out of its chain: stops its timers and returns what it still holds, so
   * removing a toxic never loses or reorders bytes. Called exactly once.
   */
  detach(): HeldData {
    return { chunks: [], ended: false };
  }
}
