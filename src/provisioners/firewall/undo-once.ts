/** Wraps an undo so a second call returns the first call's promise: heals are safe to call twice. */
export function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}

/** Runs every undo; rethrows the first failure once all have run. */
export async function runAll(undos: ReadonlyArray<() => Promise<void>>): Promise<void> {
  const failure = (await Promise.allSettled(undos.map((undo) => undo()))).find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failure) throw failure.reason;
}
