/** Smallest and largest buffer a dialled socket reads into. */
export const READ_MIN = 64 * 1024;
export const READ_MAX = 1024 * 1024;

/**
 * The memory a dialled (upstream) socket reads into, through `net.connect`'s `onread`, instead
 * of a fresh 64 KiB buffer per read. It grows while reads fill it, up to 1 MiB, so a bulk stream
 * takes a fraction of the reads and callbacks (and half the CPU per byte, measured in
 * bench/proxy.bench.js); eight reads in a row that fit the smallest size bring it back down.
 *
 * The buffer is read into again only when the caller says nothing still refers to what was read
 * (`reusable`); otherwise the next read gets a new one, so bytes handed on are never overwritten.
 * (Node gives no such option for an accepted socket, so the client side reads as before.)
 */
export class ReadBuffer {
  private buffer = Buffer.allocUnsafe(READ_MIN);
  /** Reads in a row that would have fitted the smallest size. */
  private small = 0;

  /** Where the next read goes: `onread.buffer`. */
  readonly next = (): Buffer => this.buffer;

  /** After a read of `bytes`: picks the buffer for the next one. */
  settle(bytes: number, reusable: boolean): void {
    const size = this.buffer.length;
    this.small = bytes <= READ_MIN ? this.small + 1 : 0;
    let wanted = size;
    if (bytes === size) wanted = Math.min(size * 2, READ_MAX);
    else if (this.small >= SHRINK_AFTER) wanted = READ_MIN;
    if (!reusable || wanted !== size) this.buffer = Buffer.allocUnsafe(wanted);
  }
}

/** Small reads in a row after which a grown buffer goes back to the smallest size (a burst's tail is one or two). */
const SHRINK_AFTER = 8;
