/**
 * Client writes waiting for their log entry to be applied. They outlive a lost leadership: an
 * entry appended by an old leader may still be committed by the next one, and is then answered
 * `ok`. A write is answered with an error only when that is true:
 * - another entry got committed at its index → it can never commit (`write lost`, definite);
 * - the request timeout passed → it may still commit later (`no quorum`, indeterminate).
 */
import { RequestError } from "./types";
import type { ApplyResult } from "./types";

interface PendingWrite {
  term: number;
  resolve: (result: ApplyResult & { index: number }) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class PendingWrites {
  /** By log index; a node that led twice may wait on two entries at one index (only one can commit). */
  private readonly waiting = new Map<number, PendingWrite[]>();

  constructor(private readonly timeoutMs: number) {}

  /** Waits for the entry at `index`, appended in `term`, to be applied. */
  add(index: number, term: number): Promise<ApplyResult & { index: number }> {
    return new Promise((resolve, reject) => {
      const write: PendingWrite = { term, resolve, reject, timer: undefined as unknown as NodeJS.Timeout };
      write.timer = setTimeout(() => {
        const rest = (this.waiting.get(index) ?? []).filter((w) => w !== write);
        if (rest.length > 0) this.waiting.set(index, rest);
        else this.waiting.delete(index);
        reject(new RequestError(503, "no quorum", { definite: false }));
      }, this.timeoutMs);
      this.waiting.set(index, [...(this.waiting.get(index) ?? []), write]);
    });
  }

  /** The entry committed at `index` has `term`: that write succeeded, any other there never will. */
  applied(index: number, term: number, result: ApplyResult): void {
    const writes = this.waiting.get(index);
    if (!writes) return;
    this.waiting.delete(index);
    for (const write of writes) {
      clearTimeout(write.timer);
      if (write.term === term) write.resolve({ ...result, index });
      else write.reject(new RequestError(503, "write lost", { definite: true }));
    }
  }

  failAll(error: Error): void {
    for (const writes of this.waiting.values()) {
      for (const write of writes) {
        clearTimeout(write.timer);
        write.reject(error);
      }
    }
    this.waiting.clear();
  }
}
