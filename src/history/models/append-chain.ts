import { hashValue, sameValue } from "./model";

/**
 * A string or an array built by appends, kept as a chain of the appended pieces with an
 * incremental polynomial hash: appending costs the piece, not the whole value, and comparing
 * two chains walks back from their ends only until they share a link, so the search never
 * copies or flattens a long value to step, hash or compare it.
 *
 * The hash of a value `v` of length n is the sum of `unit(v[i]) * B^(n-1-i)` (mod 2^32), where a
 * unit is a UTF-16 code unit of a string or the {@link hashValue} of an array element, so that
 * `hash(a + b) = hash(a) * B^|b| + hash(b)`, whatever the pieces.
 */
export class AppendChain {
  private constructor(
    readonly prev: AppendChain | undefined,
    readonly piece: string | readonly unknown[],
    /** Length of the whole value. */
    readonly length: number,
    readonly hash: number,
    /**
     * Holds a piece no read or compare of the history ever contains, so no read or compare
     * can match it until a write replaces it: every such chain is as good as any other.
     */
    readonly poisoned: boolean,
  ) {}

  /** A chain holding `value` as one piece. */
  static of(value: string | readonly unknown[]): AppendChain {
    return new AppendChain(undefined, value, value.length, pieceOf(value).hash, false);
  }

  get isString(): boolean {
    return typeof this.piece === "string";
  }

  /**
   * `this + piece`, with the piece's hash and `B^length` worked out once by {@link pieceOf};
   * `poison` when nothing in the history can observe the piece.
   */
  append(piece: Piece, poison = false): AppendChain {
    const hash = (Math.imul(this.hash, piece.power) + piece.hash) | 0;
    return new AppendChain(this, piece.value, this.length + piece.value.length, hash, this.poisoned || poison);
  }

  /** A chain of `value` as one piece, poisoned (see {@link poisoned}). */
  static poisonedOf(value: string | readonly unknown[]): AppendChain {
    return new AppendChain(undefined, value, value.length, pieceOf(value).hash, true);
  }

  /** The whole value (allocates: for explanations, not for the search). */
  value(): string | unknown[] {
    return flatten(this);
  }

  /** Same kind, same content. */
  equals(other: AppendChain): boolean {
    return chainsEqual(this, other);
  }

  /** Same content as a plain string or array whose piece is `expected` (from {@link pieceOf}). */
  equalsValue(expected: Piece): boolean {
    return chainEquals(this, expected);
  }
}

function flatten(chain: AppendChain): string | unknown[] {
  const pieces: (string | readonly unknown[])[] = [];
  for (let c: AppendChain | undefined = chain; c; c = c.prev) pieces.push(c.piece);
  pieces.reverse();
  if (chain.isString) return pieces.join("");
  return ([] as unknown[]).concat(...(pieces as unknown[][]));
}

function chainsEqual(first: AppendChain, other: AppendChain): boolean {
  if (first === other) return true;
  if (first.hash !== other.hash || first.length !== other.length || first.isString !== other.isString) return false;
  let a: AppendChain | undefined = first;
  let b: AppendChain | undefined = other;
  let i = a.piece.length;
  let j = b.piece.length;
  for (;;) {
    // At the same point of the same link: the rest is shared.
    if (a === b && i === j) return true;
    if (i === 0 && a) {
      a = a.prev;
      i = a ? a.piece.length : 0;
      continue;
    }
    if (j === 0 && b) {
      b = b.prev;
      j = b ? b.piece.length : 0;
      continue;
    }
    if (!a || !b) return false;
    const n = Math.min(i, j);
    if (!sameRun(a.piece, i - n, b.piece, j - n, n)) return false;
    i -= n;
    j -= n;
  }
}

function chainEquals(chain: AppendChain, expected: Piece): boolean {
  const value = expected.value;
  if (chain.length !== value.length || chain.hash !== expected.hash || chain.isString !== (typeof value === "string")) return false;
  let end = value.length;
  for (let c: AppendChain | undefined = chain; c; c = c.prev) {
    const n = c.piece.length;
    if (!sameRun(c.piece, 0, value, end - n, n)) return false;
    end -= n;
  }
  return true;
}

function sameRun(a: string | readonly unknown[], from: number, b: string | readonly unknown[], at: number, n: number): boolean {
  if (typeof a === "string") {
    if (typeof b !== "string") return false;
    for (let k = 0; k < n; k++) if (a.charCodeAt(from + k) !== b.charCodeAt(at + k)) return false;
    return true;
  }
  if (typeof b === "string") return false;
  for (let k = 0; k < n; k++) if (!sameValue(a[from + k], b[at + k])) return false;
  return true;
}

const B = 0x01000193;

/** A value to append or compare against, with its hash and `B^length`, worked out once. */
export interface Piece {
  readonly value: string | readonly unknown[];
  readonly hash: number;
  readonly power: number;
}

/**
 * `hashes[i]` is the hash of the first i units of `value`: a chain of length i can only be a
 * prefix of `value` when its hash is `hashes[i]`.
 */
export function prefixHashes(value: string | readonly unknown[]): Int32Array {
  const hashes = new Int32Array(value.length + 1);
  let hash = 0;
  for (let i = 0; i < value.length; i++) {
    const unit = typeof value === "string" ? value.charCodeAt(i) : hashValue(value[i]);
    hash = (Math.imul(hash, B) + unit) | 0;
    hashes[i + 1] = hash;
  }
  return hashes;
}

export function pieceOf(value: string | readonly unknown[]): Piece {
  let hash = 0;
  let power = 1;
  for (let i = 0; i < value.length; i++) {
    const unit = typeof value === "string" ? value.charCodeAt(i) : hashValue(value[i]);
    hash = (Math.imul(hash, B) + unit) | 0;
    power = Math.imul(power, B);
  }
  return { value, hash, power };
}
