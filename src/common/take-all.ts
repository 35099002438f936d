/**
 * Takes each step in order and returns what undoes each; all or none: when a step throws, the
 * ones already taken are undone, latest first, and the error is thrown on.
 */
export function takeAll<T>(items: Iterable<T>, take: (item: T) => () => void): Array<() => void> {
  const undos: Array<() => void> = [];
  try {
    for (const item of items) undos.push(take(item));
  } catch (error) {
    for (const undo of undos.reverse()) undo();
    throw error;
  }
  return undos;
}

/** One undo for all of them, that does its work the first time only. */
export function undoAllOnce(undos: Array<() => void>): () => void {
  return () => {
    for (const undo of undos.splice(0)) undo();
  };
}
