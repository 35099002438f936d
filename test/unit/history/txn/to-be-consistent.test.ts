import { createHistory, txnClient, type Operation } from "../../../../src/history";
import type { HistoryMatchers } from "../../../../src/jest/matchers/history-matcher-types";
import { matchers } from "../../../../src/jest/matchers/register";
import {
  toBeConsistent,
  toBeReadCommitted,
  toBeSerializable,
  toBeSnapshotIsolated,
  toBeStrictSerializable,
} from "../../../../src/jest/matchers/to-be-consistent";
import { ListStore, readSkewHistory, serial } from "./support";

expect.extend({ toBeConsistent, toBeSerializable, toBeStrictSerializable, toBeSnapshotIsolated, toBeReadCommitted });

// Registration and global typing are done elsewhere; here the matcher is typed locally.
const check = (value: unknown): HistoryMatchers<void> & { not: HistoryMatchers<void> } => expect(value) as never;

function failure(fn: () => void): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message.replace(/\u001b\[\d+m/g, "");
  }
  throw new Error("expected the assertion to fail");
}

const readSkew: Operation[] = readSkewHistory();

describe("toBeConsistent", () => {
  it("is registered with the other matchers", () => {
    expect(matchers.toBeConsistent).toBe(toBeConsistent);
  });

  it("passes a history recorded through txnClient against a serializable store", async () => {
    const history = createHistory();
    const store = new ListStore();
    await Promise.all(
      [0, 1, 2].map(async (c) => {
        const client = txnClient(history, c);
        for (let i = 0; i < 5; i++) {
          await client.transact(
            [
              ["append", "k", c * 10 + i],
              ["r", "k", null],
            ],
            async (txn) => store.apply(txn),
          );
        }
      }),
    );
    check(history).toBeConsistent("strict-serializable");
    check(history.operations).toBeConsistent(["snapshot-isolation", "serializable"]);
  });

  it("fails on read skew with the G-single cycle explained and the transactions marked", () => {
    const message = failure(() => check(readSkew).toBeConsistent("serializable"));
    expect(message).toContain(
      "Expected the history to be serializable, but it is not.\n3 transactions (5 micro-operations, list-append): not serializable. Found G-single ×1.",
    );
    expect(message).toContain("G-single: read skew: a cycle with exactly one anti-dependency");
    expect(message).toContain("  - T1 < T2, because T1 read x as empty and did not see T2's append of 1, the first element of x.");
    expect(message).toContain("  - However, T2 < T1, because T1 read y = [1], which ends with T2's append of 1: a contradiction!");
    expect(message).toMatch(/> #2 p0 ok {5}txn/);
    check(readSkew).toBeConsistent("read-committed");
    check(readSkew).not.toBeConsistent("snapshot-isolation");
  });

  it("says what held when .not fails", () => {
    const message = failure(() => check(serial([["append", "x", 1]])).not.toBeConsistent("serializable"));
    expect(message).toContain("Expected the history not to be serializable, but it is: 1 transactions");
  });

  it("refuses an unknown model and a receiver that is not a history", () => {
    const wrongModel = failure(() => check(readSkew).toBeConsistent("serialisable" as never));
    expect(wrongModel).toContain('expected value must be a consistency model such as "serializable", or a list of them');
    const wrongReceiver = failure(() => check({ ops: [] }).toBeConsistent("serializable"));
    expect(wrongReceiver).toContain("received value must be a History or an array of operations");
  });

  describe("shorthands name the model in the matcher", () => {
    it("are registered", () => {
      expect([matchers.toBeSerializable, matchers.toBeStrictSerializable, matchers.toBeSnapshotIsolated, matchers.toBeReadCommitted]).toEqual([
        toBeSerializable,
        toBeStrictSerializable,
        toBeSnapshotIsolated,
        toBeReadCommitted,
      ]);
    });

    it("fail read skew where the model forbids it, with the cycle, and pass it where it allows it", () => {
      const message = failure(() => check(readSkew).toBeSerializable());
      expect(message).toContain("expect(history).toBeSerializable()");
      expect(message).toContain("Expected the history to be serializable, but it is not.");
      expect(message).toContain("G-single: read skew");
      expect(failure(() => check(readSkew).toBeSnapshotIsolated())).toContain("Expected the history to be snapshot-isolation, but it is not.");
      expect(failure(() => check(readSkew).toBeStrictSerializable())).toContain("G-single");
      check(readSkew).toBeReadCommitted();
      check(readSkew).not.toBeSerializable();
    });

    it("pass a serial history, and say so when .not fails", () => {
      const history = serial([["append", "x", 1]], [["r", "x", [1]]]);
      check(history).toBeSerializable();
      check(history).toBeStrictSerializable();
      check(history).toBeSnapshotIsolated();
      check(history).toBeReadCommitted();
      expect(failure(() => check(history).not.toBeStrictSerializable())).toContain("Expected the history not to be strict-serializable, but it is");
    });

    it("refuse a receiver that is not a history, naming themselves", () => {
      expect(failure(() => check("txns").toBeSnapshotIsolated())).toMatch(/FAULTLINE_MATCHER_RECEIVER[\s\S]*toBeSnapshotIsolated/);
    });
  });
});
