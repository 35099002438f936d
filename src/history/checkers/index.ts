import { checkLinearizable } from "../linearizability/check-linearizable";
import { checkBank } from "./bank-checker";
import { checkCounter } from "./counter-checker";
import { checkQueue } from "./queue-checker";
import { checkSet } from "./set-checker";
import { checkUniqueIds } from "./unique-ids-checker";

/** Every checker, for discovery: `checkers.set(history)`, `checkers.linearizable(history, model)`. */
export const checkers = {
  linearizable: checkLinearizable,
  set: checkSet,
  counter: checkCounter,
  queue: checkQueue,
  uniqueIds: checkUniqueIds,
  bank: checkBank,
} as const;
