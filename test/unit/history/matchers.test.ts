import { createHistory, models, type History, type Model } from "../../../src/history";
import type { HistoryMatchers } from "../../../src/jest/matchers/history-matcher-types";
import { toBeLinearizable } from "../../../src/jest/matchers/to-be-linearizable";
import { toLoseNoWrites } from "../../../src/jest/matchers/to-lose-no-writes";
import { toHaveValidCounter } from "../../../src/jest/matchers/to-have-valid-counter";
import { toHaveUniqueIds } from "../../../src/jest/matchers/to-have-unique-ids";
import { toDeliverQueueExactlyOnce } from "../../../src/jest/matchers/to-deliver-queue-exactly-once";
import { toPreserveBankTotal } from "../../../src/jest/matchers/to-preserve-bank-total";

expect.extend({ toBeLinearizable, toLoseNoWrites, toHaveValidCounter, toHaveUniqueIds, toDeliverQueueExactlyOnce, toPreserveBankTotal });

// Registration and global typing are done elsewhere; here the matchers are typed locally.
const check = (value: unknown): HistoryMatchers<void> & { not: HistoryMatchers<void> } => expect(value) as never;

type Line = [process: number, type: "invoke" | "ok" | "fail" | "info", f: string, value: unknown];
function history(lines: Line[]): History {
  const h = createHistory();
  for (const [process, type, f, value] of lines) h.record({ process, type, f, value });
  return h;
}

/** The message of the assertion error `fn` throws, without colours. */
function failure(fn: () => void): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message.replace(/\u001b\[\d+m/g, "");
  }
  throw new Error("expected the assertion to fail");
}

const linearizable = history([
  [0, "invoke", "write", 1],
  [0, "ok", "write", 1],
  [1, "invoke", "read", null],
  [1, "ok", "read", 1],
]);
const stale = history([
  [0, "invoke", "write", 1],
  [0, "ok", "write", 1],
  [2, "invoke", "write", 2],
  [2, "ok", "write", 2],
  [1, "invoke", "read", null],
  [1, "ok", "read", 1],
  [0, "invoke", "read", null],
  [0, "ok", "read", 2],
]);

describe("toBeLinearizable", () => {
  it("passes for a linearizable history, and .not fails saying it is", () => {
    check(linearizable).toBeLinearizable(models.register());
    check(linearizable.operations).toBeLinearizable(models.register(), { budget: "1s" });
    const message = failure(() => check(linearizable).not.toBeLinearizable(models.register()));
    expect(message).toContain("expect(history).not.toBeLinearizable(model)");
    expect(message).toContain("Expected the history not to be linearizable, but it is: linearizable (2 operations");
  });

  it("fails with the prefix, the operation that cannot be placed and its neighbours", () => {
    const message = failure(() => check(stale).toBeLinearizable(models.register()));
    expect(message).toContain("expect(history).toBeLinearizable(model)");
    expect(message).toContain("The longest linearizable prefix has 2 of 4 operations");
    expect(message).toContain("#4–#5 p1 read nil → 1");
    expect(message).toContain("read 1, so the register must hold 1; it holds 2");
    expect(message).toMatch(/> #4 p1 invoke read nil\n {2}> #5 p1 ok {5}read 1/);
    check(stale).not.toBeLinearizable(models.register());
  });

  it("throws FAULTLINE_CHECK_BUDGET when it cannot decide, whether or not negated", () => {
    const h = createHistory();
    for (let p = 0; p < 22; p++) h.record({ process: p, type: "invoke", f: "write", value: p });
    h.record({ process: 99, type: "invoke", f: "read", value: null });
    h.record({ process: 99, type: "ok", f: "read", value: 1000 });
    expect(() => check(h).toBeLinearizable(models.register(), { budget: "20ms" })).toThrow(expect.objectContaining({ code: "FAULTLINE_CHECK_BUDGET" }));
    expect(() => check(h).not.toBeLinearizable(models.register(), { budget: "20ms" })).toThrow(/could not decide within its budget of 20ms/);
  });

  it("throws FAULTLINE_MATCHER_RECEIVER naming what it expected for a wrong receiver or model", () => {
    const wrong = failure(() => check(42).toBeLinearizable(models.register()));
    expect(wrong).toContain("FAULTLINE_MATCHER_RECEIVER: expect(received).toBeLinearizable(expected)");
    expect(wrong).toContain("received value must be a History or an array of operations");
    expect(wrong).toContain("Received has type:  number");
    expect(wrong).toContain("Hint: pass cluster.history(), createHistory(), or the result of parseHistory()");
    expect(() => check(42).toBeLinearizable(models.register())).toThrow(
      expect.objectContaining({ name: "FaultlineError", code: "FAULTLINE_MATCHER_RECEIVER", option: "toBeLinearizable.received" }),
    );
    expect(failure(() => check(linearizable).toBeLinearizable(models.register as unknown as Model))).toContain(
      "expected value must be a model such as models.casRegister()",
    );
  });
});

describe("toLoseNoWrites", () => {
  const adds = (read: number[]): History =>
    history([
      [0, "invoke", "add", 1],
      [0, "ok", "add", 1],
      [0, "invoke", "add", 2],
      [0, "ok", "add", 2],
      [1, "invoke", "read", null],
      [1, "ok", "read", read],
    ]);

  it("passes when every acknowledged add is read", () => {
    check(adds([1, 2])).toLoseNoWrites();
    expect(failure(() => check(adds([1, 2])).not.toLoseNoWrites())).toContain(
      'Expected the history to break "lose no acknowledged writes", but it does not: no writes lost',
    );
  });

  it("fails naming the lost element and showing where in the history", () => {
    const message = failure(() => check(adds([2])).toLoseNoWrites());
    expect(message).toContain("expect(history).toLoseNoWrites()");
    expect(message).toContain("lost: element 1 was acknowledged, but is missing from every read since #5");
    expect(message).toContain("> #0 p0 invoke add 1");
    expect(message).toContain("> #5 p1 ok     read [2]");
  });
});

describe("the other history matchers", () => {
  it("toHaveValidCounter", () => {
    const h = history([
      [0, "invoke", "add", 2],
      [0, "ok", "add", 2],
      [1, "invoke", "read", null],
      [1, "ok", "read", 5],
    ]);
    expect(failure(() => check(h).toHaveValidCounter())).toContain("out-of-bounds: read 5 at #3, but the counter could only have been between 2 and 2");
    check(h).not.toHaveValidCounter();
  });

  it("toHaveUniqueIds", () => {
    const h = history([
      [0, "invoke", "generate", null],
      [0, "ok", "generate", 1],
      [1, "invoke", "generate", null],
      [1, "ok", "generate", 1],
    ]);
    expect(failure(() => check(h).toHaveUniqueIds())).toContain("duplicated: id 1 was returned 2 times (#1, #3)");
  });

  it("toDeliverQueueExactlyOnce", () => {
    const h = history([
      [0, "invoke", "enqueue", "a"],
      [0, "ok", "enqueue", "a"],
      [1, "invoke", "dequeue", null],
      [1, "ok", "dequeue", "a"],
    ]);
    check(h).toDeliverQueueExactlyOnce();
    expect(failure(() => check(h).not.toDeliverQueueExactlyOnce())).toContain("queue consistent");
  });

  it("toPreserveBankTotal", () => {
    const h = history([
      [0, "invoke", "read", null],
      [0, "ok", "read", { a: 1, b: 2 }],
    ]);
    check(h).toPreserveBankTotal(3);
    expect(failure(() => check(h).toPreserveBankTotal(4))).toContain("wrong-total: read at #1 sums to 3, not 4");
    expect(failure(() => check(h).toPreserveBankTotal("4" as unknown as number))).toContain("expected value must be the total as a number");
  });
});
