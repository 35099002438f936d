import { defineModel, isModel, models, REJECT, type Model, type ModelOutput } from "../../../src/history";

const unknown: ModelOutput = { known: false };
const ok = (value: unknown): ModelOutput => ({ known: true, value });

/** Applies calls in order; returns the final state, or "illegal" at the first rejection. */
function run<S>(model: Model<S>, calls: [string, unknown, ModelOutput][]): S | "illegal" {
  let state = model.init();
  for (const [f, value, output] of calls) {
    const step = model.step(state, { f, value }, output);
    if (!step.ok) return "illegal";
    state = step.state;
  }
  return state;
}

describe("models", () => {
  it("register: reads see the last write; nil and undefined are the same", () => {
    const m = models.register();
    expect(
      run(m, [
        ["read", null, ok(undefined)],
        ["write", 3, ok(3)],
        ["read", null, ok(3)],
      ]),
    ).toBe(3);
    expect(
      run(m, [
        ["write", 3, ok(3)],
        ["read", null, ok(4)],
      ]),
    ).toBe("illegal");
    expect(
      run(m, [
        ["write", [1, 2], ok(undefined)],
        ["read", null, ok([1, 2])],
      ]),
    ).toEqual([1, 2]);
  });

  it("casRegister: cas swaps only on a match; an indeterminate cas that cannot match is rejected", () => {
    const m = models.casRegister({ initial: 0 });
    expect(
      run(m, [
        ["cas", [0, 5], ok([0, 5])],
        ["read", null, ok(5)],
      ]),
    ).toBe(5);
    expect(run(m, [["cas", [1, 5], ok([1, 5])]])).toBe("illegal");
    expect(run(m, [["cas", [1, 5], ok(false)]])).toBe(0);
    expect(run(m, [["cas", [1, 5], unknown]])).toBe("illegal");
    expect(run(m, [["cas", [0, 5], unknown]])).toBe(5);
    expect(() => run(m, [["cas", 3, ok(true)]])).toThrow(/pair/);
  });

  it("kv: partitions by key, appends strings, reads [key, value] or bare values", () => {
    const m = models.kv({ initial: "" });
    expect(m.partition!({ f: "get", value: ["k", null] })).toBe("k");
    expect(
      run(m, [
        ["append", ["k", "a"], ok(["k", "a"])],
        ["append", ["k", "b"], unknown],
        ["get", ["k", null], ok(["k", "ab"])],
      ]),
    ).toBe("ab");
    expect(
      run(m, [
        ["put", ["k", "x"], ok(null)],
        ["get", ["k", null], ok("x")],
      ]),
    ).toBe("x");
    expect(run(m, [["get", ["k", null], ok(["k", "x"])]])).toBe("illegal");
  });

  it("set: a read must return exactly the added elements, in any order", () => {
    const m = models.set();
    expect(
      run(m, [
        ["add", 2, ok(2)],
        ["add", 1, ok(1)],
        ["read", null, ok([1, 2])],
        ["read", null, ok(new Set([2, 1]))],
      ]),
    ).toEqual(["1", "2"]);
    expect(
      run(m, [
        ["add", 1, ok(1)],
        ["read", null, ok([])],
      ]),
    ).toBe("illegal");
  });

  it("counter: reads see the sum of adds", () => {
    const m = models.counter();
    expect(
      run(m, [
        ["add", 2, ok(2)],
        ["increment", null, ok(null)],
        ["read", null, ok(3)],
      ]),
    ).toBe(3);
    expect(
      run(m, [
        ["add", 2, ok(2)],
        ["read", null, ok(1)],
      ]),
    ).toBe("illegal");
  });

  it("fifoQueue: dequeues return the head, or nil when empty", () => {
    const m = models.fifoQueue();
    expect(
      run(m, [
        ["dequeue", null, ok(null)],
        ["enqueue", 1, ok(1)],
        ["enqueue", 2, ok(2)],
        ["dequeue", null, ok(1)],
      ]),
    ).toEqual([2]);
    expect(
      run(m, [
        ["enqueue", 1, ok(1)],
        ["enqueue", 2, ok(2)],
        ["dequeue", null, ok(2)],
      ]),
    ).toBe("illegal");
    expect(
      run(m, [
        ["enqueue", 1, ok(1)],
        ["dequeue", null, unknown],
      ]),
    ).toEqual([]);
  });

  it("unorderedQueue: any element may come out, and an unknown dequeue keeps every possibility", () => {
    const m = models.unorderedQueue();
    expect(
      run(m, [
        ["enqueue", 1, ok(1)],
        ["enqueue", 2, ok(2)],
        ["dequeue", null, ok(2)],
        ["dequeue", null, ok(1)],
      ]),
    ).toEqual([[]]);
    expect(
      run(m, [
        ["enqueue", 1, ok(1)],
        ["dequeue", null, ok(3)],
      ]),
    ).toBe("illegal");
    expect(
      run(m, [
        ["enqueue", 1, ok(1)],
        ["enqueue", 2, ok(2)],
        ["dequeue", null, unknown],
      ]),
    ).toEqual([["1"], ["2"]]);
    expect(
      run(m, [
        ["enqueue", 1, ok(1)],
        ["enqueue", 2, ok(2)],
        ["dequeue", null, unknown],
        ["dequeue", null, ok(1)],
      ]),
    ).toEqual([[]]);
    expect(
      run(m, [
        ["enqueue", 1, ok(1)],
        ["enqueue", 1, ok(1)],
        ["dequeue", null, ok(1)],
        ["dequeue", null, ok(1)],
        ["dequeue", null, ok(null)],
      ]),
    ).toEqual([[]]);
  });

  it("mutex: acquire needs it free, release needs it held", () => {
    const m = models.mutex();
    expect(
      run(m, [
        ["acquire", null, ok(null)],
        ["release", null, ok(null)],
        ["acquire", null, ok(null)],
      ]),
    ).toBe(true);
    expect(
      run(m, [
        ["acquire", null, ok(null)],
        ["acquire", null, ok(null)],
      ]),
    ).toBe("illegal");
    expect(run(m, [["release", null, ok(null)]])).toBe("illegal");
  });

  it("defineModel fills in defaults, checks its options, and marks the model", () => {
    const m = defineModel<number>({ init: () => 0, step: (s) => ({ ok: true, state: s + 1 }) });
    expect(m.name).toBe("model");
    expect(m.equal(1, 1)).toBe(true);
    expect(m.describe(3)).toBe("3");
    expect(isModel(m)).toBe(true);
    expect(isModel({ init: () => 0 })).toBe(false);
    expect(() => defineModel({ init: 0 as never, step: () => REJECT })).toThrow(expect.objectContaining({ code: "FAULTLINE_INVALID_OPTION", option: "init" }));
  });

  it("built-in models explain why an operation does not fit", () => {
    expect(models.casRegister().explain!(4, { f: "cas", value: [3, 0] }, ok([3, 0]))).toBe("cas 3 → 0 needs the register to hold 3; it holds 4");
    expect(models.fifoQueue().explain!([5], { f: "dequeue", value: null }, ok(6))).toBe("dequeued 6, but the head of the queue is 5");
  });
});
