/**
 * Lowe's cache for the linearizability search: the set of (linearized operations, model state)
 * configurations already explored. Reaching one again cannot lead anywhere new, so the search
 * skips it; this is what makes Wing & Gong's search practical.
 *
 * Everything lives in flat typed arrays (an open hash table of chains, and one pool holding
 * every stored bitset back to back) because allocating a typed array per configuration makes
 * the garbage collector the bottleneck.
 */
export class StateCache<S> {
  private table: Int32Array<ArrayBuffer>;
  private mask: number;
  private hashes: Int32Array<ArrayBuffer>;
  private chain: Int32Array<ArrayBuffer>;
  private pool: Uint32Array<ArrayBuffer>;
  private readonly states: S[] = [];
  private count = 0;

  constructor(
    /** 32-bit words per bitset. */
    private readonly words: number,
    private readonly equal: (a: S, b: S) => boolean,
    /** Entries to make room for up front (it grows): small partitions stay cheap to set up. */
    capacity = 1024,
  ) {
    const entries = 1 << Math.max(6, Math.ceil(Math.log2(Math.max(1, capacity))));
    this.hashes = new Int32Array(entries);
    this.chain = new Int32Array(entries);
    this.table = new Int32Array(entries * 4).fill(-1);
    this.mask = entries * 4 - 1;
    this.pool = new Uint32Array(entries * Math.max(1, words));
  }

  /** Configurations stored. */
  get size(): number {
    return this.count;
  }

  /**
   * Stores (`bits`, `state`) under `hash` and returns true, or returns false when an equal
   * configuration is already stored.
   */
  add(hash: number, bits: Uint32Array, state: S): boolean {
    const words = this.words;
    const slot = (hash ^ (hash >>> 15)) & this.mask;
    for (let e = this.table[slot]!; e !== -1; e = this.chain[e]!) {
      if (this.hashes[e] !== hash) continue;
      const base = e * words;
      let same = true;
      for (let w = 0; w < words; w++) {
        if (this.pool[base + w] !== bits[w]) {
          same = false;
          break;
        }
      }
      if (same && this.equal(this.states[e]!, state)) return false;
    }
    const e = this.count++;
    if (e === this.hashes.length) this.growEntries();
    this.hashes[e] = hash;
    this.pool.set(bits, e * words);
    this.states.push(state);
    this.chain[e] = this.table[slot]!;
    this.table[slot] = e;
    if (this.count > this.table.length * 0.75) this.rehash();
    return true;
  }

  private growEntries(): void {
    const capacity = this.hashes.length * 2;
    const hashes = new Int32Array(capacity);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const chain = new Int32Array(capacity);
    chain.set(this.chain);
    this.chain = chain;
    const pool = new Uint32Array(capacity * Math.max(1, this.words));
    pool.set(this.pool);
    this.pool = pool;
  }

  private rehash(): void {
    const size = this.table.length * 2;
    this.table = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    for (let e = 0; e < this.count; e++) {
      const hash = this.hashes[e]!;
      const slot = (hash ^ (hash >>> 15)) & this.mask;
      this.chain[e] = this.table[slot]!;
      this.table[slot] = e;
    }
  }
}
