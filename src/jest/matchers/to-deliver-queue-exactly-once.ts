/// <reference types="jest" />
import { checkQueue, type QueueCheckOptions } from "../../history/checkers/queue-checker";
import { checkerMatcherResult, receivedOperations } from "./history-receiver";
import { checkMatcherOptions, rules } from "./matcher-options";

/**
 * `expect(history).toDeliverQueueExactlyOnce()`: a drained queue lost no acknowledged element,
 * delivered none twice and invented none (Jepsen's total-queue). `{ drained: false }` skips
 * the lost check for workloads that did not drain the queue.
 */
export function toDeliverQueueExactlyOnce(this: jest.MatcherContext, received: unknown, options: QueueCheckOptions = {}): jest.CustomMatcherResult {
  const ops = receivedOperations(this, "toDeliverQueueExactlyOnce", received);
  checkMatcherOptions(
    "toDeliverQueueExactlyOnce",
    options,
    { enqueue: rules.names, dequeue: rules.names, drained: rules.boolean },
    "toDeliverQueueExactlyOnce({ drained: false })",
  );
  return checkerMatcherResult(this, "toDeliverQueueExactlyOnce", ops, checkQueue(ops, options), "deliver every enqueued element exactly once");
}
