/** The follower side of AppendEntries' log matching, on the log alone. */
import type { Storage } from "./storage";
import type { AppendRequest } from "./types";

/**
 * Checks that our log holds the leader's entry at `prevLogIndex`, then appends the new entries,
 * cutting our log at the first entry that conflicts with them. Entries we already have are
 * kept, so a delayed or reordered request never truncates anything. Changes are flushed before returning.
 * On a mismatch, `conflictIndex` is where the leader should retry from: just past our log's
 * end, or the first index of our conflicting term.
 * Overwriting a committed entry is refused (it would mean two leaders committed at one index),
 * unless `rollback` — only with the planted bug, whose point is a loss nothing stops; then
 * `truncatedFrom` tells the caller to rebuild its state machine.
 */
export function matchAndAppend(
  log: Storage,
  req: AppendRequest,
  commitIndex: number,
  rollback = false,
): { matchIndex: number; truncatedFrom?: number } | { conflictIndex: number } {
  if (req.prevLogIndex > log.lastIndex) return { conflictIndex: log.lastIndex + 1 };
  if (log.termAt(req.prevLogIndex) !== req.prevLogTerm) {
    const conflictTerm = log.termAt(req.prevLogIndex);
    let first = req.prevLogIndex;
    while (first > 1 && log.termAt(first - 1) === conflictTerm) first--;
    return { conflictIndex: first };
  }
  let index = req.prevLogIndex;
  let truncatedFrom: number | undefined;
  for (const entry of req.entries) {
    index++;
    if (index <= log.lastIndex) {
      if (log.termAt(index) === entry.term) continue; // already have it (maybe a reordered RPC)
      if (index <= commitIndex && !rollback) throw new Error(`refusing to overwrite committed entry ${index}`);
      log.truncateFrom(index);
      truncatedFrom ??= index;
    }
    log.append([entry]);
  }
  log.flush();
  return { matchIndex: req.prevLogIndex + req.entries.length, truncatedFrom };
}
