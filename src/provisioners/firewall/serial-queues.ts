/**
 * Work on one key (a namespace, a container) runs one task at a time, in order: one iptables or tc
 * transaction at a time there, and a heal never overtakes the apply it undoes. Keys run in parallel.
 */
export class SerialQueues {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const next = (this.tails.get(key) ?? Promise.resolve()).then(task, task);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    // Forget an idle key, so a long run with many restarts does not keep a promise per key forever.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}
