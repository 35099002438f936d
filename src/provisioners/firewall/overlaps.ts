import type { SerialQueues } from "./serial-queues";

export interface OverlapsOptions<V, S> {
  /** The state all current holds call for together, e.g. the lowest of several rate limits. */
  combine(values: readonly V[]): S;
  /**
   * Changes `key` from `current` to `next` (undefined: nothing of ours; put back what was there).
   * Rejects when the change did not happen.
   */
  enact(key: string, next: S | undefined, current: S | undefined): Promise<void>;
  /** Where changes to a key are serialised (shared with the backend's other work on that key). */
  queues: SerialQueues;
}

/** Releases one hold; a second call returns the first call's promise. */
export type Release = () => Promise<void>;

/**
 * Overlapping faults on something a node has only one of — its root qdisc, its container's
 * attachment to the network — counted, so that they heal independently: every fault holds it, the
 * state follows from all holds together, and it is changed only when that changes. Healing the
 * first of two overlapping faults leaves the second in force; healing the last puts back what
 * was there before.
 */
export class Overlaps<V, S> {
  private serial = 0;
  private readonly holds = new Map<string, Map<number, V>>();
  private readonly enacted = new Map<string, S>();

  constructor(private readonly options: OverlapsOptions<V, S>) {}

  /** Adds a hold on `key` and enacts the resulting state; on failure the hold is gone again. */
  async hold(key: string, value: V): Promise<Release> {
    const id = ++this.serial;
    const holds = this.holds.get(key) ?? new Map<number, V>();
    this.holds.set(key, holds);
    holds.set(id, value);
    try {
      await this.sync(key);
    } catch (error) {
      this.drop(key, id);
      // A failed change left the enacted state as it was, which the remaining holds call for.
      await this.sync(key).catch(() => undefined);
      throw error;
    }
    let released: Promise<void> | undefined;
    return () =>
      (released ??= (async () => {
        this.drop(key, id);
        await this.sync(key);
      })());
  }

  /** How many faults hold `key` now. */
  count(key: string): number {
    return this.holds.get(key)?.size ?? 0;
  }

  /** `key`'s object was made anew without our state (a node's new container): enacts the holds on it again. */
  reapply(key: string): Promise<void> {
    return this.options.queues.run(key, async () => {
      this.enacted.delete(key);
      await this.syncNow(key);
    });
  }

  private sync(key: string): Promise<void> {
    return this.options.queues.run(key, () => this.syncNow(key));
  }

  private async syncNow(key: string): Promise<void> {
    const values = [...(this.holds.get(key)?.values() ?? [])];
    const next = values.length ? this.options.combine(values) : undefined;
    const current = this.enacted.get(key);
    if (next === current) return;
    await this.options.enact(key, next, current);
    if (next === undefined) this.enacted.delete(key);
    else this.enacted.set(key, next);
  }

  private drop(key: string, id: number): void {
    const holds = this.holds.get(key);
    holds?.delete(id);
    if (holds?.size === 0) this.holds.delete(key);
  }
}
