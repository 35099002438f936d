/**
 * The objects the storage origins serve. Their bytes are a function of the key and the offset,
 * so an origin needs no storage, every origin serves the same object, and a test can compute the
 * bytes it expects for any range.
 */

/** Size of every object, in bytes (4 MiB). */
export const OBJECT_SIZE = 4 * 1024 * 1024;

function seedOf(key: string): number {
  let hash = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

/** Bytes `[start, end)` of object `key` (clamped to the object). */
export function objectBytes(key: string, start: number, end: number): Buffer {
  const seed = seedOf(key);
  const from = Math.max(0, start);
  const to = Math.min(end, OBJECT_SIZE);
  const out = Buffer.alloc(Math.max(0, to - from));
  for (let i = 0; i < out.length; i++) {
    const offset = from + i;
    out[i] = (seed ^ Math.imul(offset, 0x9e3779b1) ^ (offset >>> 11)) & 0xff;
  }
  return out;
}

/** A byte range `[start, end)`. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Parses an HTTP `Range` header of one range, `bytes=a-b` (inclusive end, as HTTP has it) or
 * `bytes=a-`, against an object of `size` bytes. Undefined when absent; "invalid" when malformed
 * or unsatisfiable.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | "invalid" | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d+)-(\d*)$/.exec(header.trim());
  if (!match) return "invalid";
  const start = Number(match[1]);
  const end = match[2] === "" ? size : Math.min(Number(match[2]) + 1, size);
  return start < end ? { start, end } : "invalid";
}
