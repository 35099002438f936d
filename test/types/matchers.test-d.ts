/**
 * Type tests: compiled by `tsc -p tsconfig.types.json` (test/unit/types.test.ts runs it in npm test).
 * Lines marked @ts-expect-error must fail to compile; the rest must compile.
 */
import type { Cluster } from "../../src/index";
import "../../src/index";

declare const cluster: Cluster;
declare const promise: Promise<number>;

export async function compiles(): Promise<void> {
  await expect(cluster).toRecoverWithin("20s");
  await expect(cluster).toRecoverWithin(500);
  await expect(cluster).not.toBeHealthy();
  await expect(cluster).toElectLeaderWithin("10s", { different: true });
  await expect(cluster.node("n1")).toExitWithin("5s", { code: 0 });
  await expect(promise).toCompleteWithin("2s");
  expect([0, 500, 1500]).toRetryWithBackoff({ factor: 2 });
}

export async function rejects(): Promise<void> {
  // @ts-expect-error a number is not a cluster
  await expect(42).toRecoverWithin("20s");
  // @ts-expect-error "20 seconds" is not a Duration
  await expect(cluster).toRecoverWithin("20 seconds");
  // @ts-expect-error a cluster is not a node
  await expect(cluster).toExitWithin("5s");
  // @ts-expect-error a string is not a list of attempt times
  expect("soon").toRetryWithBackoff();
}

import { createHistory, models } from "../../src/index";
export function historyMatchers(): void {
  const history = createHistory();
  expect(history).toBeLinearizable(models.casRegister());
  expect(history.operations).toLoseNoWrites();
  // @ts-expect-error a cluster is not a history
  expect(cluster).toBeLinearizable(models.register());
  expect(history).toBeConsistent("snapshot-isolation");
  expect(history).toBeSerializable();
  expect(history.operations).toBeStrictSerializable({ cycleSearchBudget: 1_000_000 });
  // @ts-expect-error the shorthand names its model: no model argument
  expect(history).toBeSerializable("serializable");
  // @ts-expect-error a cluster is not a history
  expect(cluster).toBeReadCommitted();
}
