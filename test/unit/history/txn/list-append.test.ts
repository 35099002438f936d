import { checkTransactions, type Txn } from "../../../../src/history";
import { concurrent, join, ops, readSkewHistory, serial } from "./support";

const check = (history: Parameters<typeof checkTransactions>[0], model: Parameters<typeof checkTransactions>[1] = {}) =>
  checkTransactions(history, { workload: "list-append", ...model });

describe("list-append: histories that hold", () => {
  it("passes a serial history of appends and reads, even for strict serializability", () => {
    const h = serial(
      [["append", "x", 1]],
      [
        ["r", "x", [1]],
        ["append", "x", 2],
      ],
      [
        ["r", "x", [1, 2]],
        ["append", "y", 1],
      ],
      [
        ["r", "y", [1]],
        ["r", "x", [1, 2]],
      ],
    );
    const result = check(h, { model: "strict-serializable" });
    expect(result.valid).toBe(true);
    expect(result.anomalyTypes).toEqual([]);
    expect(result.message).toMatch(/^4 transactions \(7 micro-operations, list-append\): consistent with strict-serializable\./);
  });

  it("reads a nil read of a committed transaction as the empty list", () => {
    const h = serial([["r", "x", null]], [["append", "x", 1]], [["r", "x", [1]]]);
    expect(check(h).valid).toBe(true);
  });

  it("allows write skew under snapshot isolation but not under serializability", () => {
    const skew = join(
      concurrent(
        [
          ["r", "x", []],
          ["append", "y", 1],
        ],
        [
          ["r", "y", []],
          ["append", "x", 1],
        ],
      ),
      serial([
        ["r", "x", [1]],
        ["r", "y", [1]],
      ]),
    );
    expect(check(skew, { model: "snapshot-isolation" }).valid).toBe(true);
    const strict = check(skew, { model: "serializable" });
    expect(strict.valid).toBe(false);
    expect(strict.anomalyTypes).toEqual(["G2-item"]);
    expect(strict.not).toEqual(["repeatable-read"]);
  });
});

describe("list-append: cycles", () => {
  it("finds G1c in Elle's introductory history and says the history is not read committed", () => {
    const h = ops([
      [
        0,
        "ok",
        [
          ["append", "x", 1],
          ["r", "y", [1]],
        ],
      ],
      [
        1,
        "ok",
        [
          ["append", "x", 2],
          ["append", "y", 1],
        ],
      ],
      [2, "ok", [["r", "x", [1, 2]]]],
    ]);
    const result = check(h, { model: "serializable" });
    expect(result.anomalyTypes).toEqual(["G1c"]);
    expect(result.not).toEqual(["read-committed"]);
    expect(result.alsoNot).toContain("serializable");
    const g1c = result.anomalies.G1c![0]!;
    expect(g1c.cycle!.map((s) => s.rel)).toEqual(["ww", "wr"]);
    expect(g1c.explanation).toContain("T1 < T2, because T2 appended 2 to x right after T1's append of 1.");
    expect(g1c.explanation).toContain("However, T2 < T1, because T1 read y = [1], which ends with T2's append of 1: a contradiction!");
  });

  it("finds a write cycle (G0) from the orders two later reads reveal", () => {
    const h = join(
      concurrent(
        [
          ["append", "x", 1],
          ["append", "y", 2],
        ],
        [
          ["append", "x", 2],
          ["append", "y", 1],
        ],
      ),
      serial([
        ["r", "x", [1, 2]],
        ["r", "y", [1, 2]],
      ]),
    );
    const result = check(h, { model: "read-uncommitted" });
    expect(result.anomalyTypes).toEqual(["G0"]);
    expect(result.anomalies.G0![0]!.cycle!.map((s) => [s.rel, s.key])).toEqual([
      ["ww", "x"],
      ["ww", "y"],
    ]);
  });

  it("reports read skew as G-single with its cycle, and rules out consistent view and repeatable read", () => {
    // T2 appends to x and y; T1 sees y's append but not x's.
    const h = readSkewHistory();
    const result = check(h, { model: "serializable" });
    expect(result.valid).toBe(false);
    expect(result.anomalyTypes).toEqual(["G-single"]);
    expect(result.not).toEqual(["consistent-view", "repeatable-read"]);
    const cycle = result.anomalies["G-single"]![0]!;
    expect(cycle.indexes).toEqual([2, 3]);
    expect(cycle.cycle!.map((s) => s.rel)).toEqual(["rw", "wr"]);
    expect(cycle.explanation).toContain("T1 < T2, because T1 read x as empty and did not see T2's append of 1, the first element of x.");
  });

  it("finds G-nonadjacent when two anti-dependencies are separated by reads", () => {
    const h = join(
      concurrent(
        [["append", "x", 1]],
        [
          ["r", "x", [1]],
          ["r", "y", []],
        ],
        [["append", "y", 1]],
        [
          ["r", "y", [1]],
          ["r", "x", []],
        ],
      ),
      serial([
        ["r", "x", [1]],
        ["r", "y", [1]],
      ]),
    );
    const result = check(h, { model: "snapshot-isolation" });
    expect(result.anomalyTypes).toEqual(["G-nonadjacent"]);
    expect(result.anomalies["G-nonadjacent"]![0]!.cycle!.map((s) => s.rel).sort()).toEqual(["rw", "rw", "wr", "wr"]);
  });

  it("tells serializable from strict serializable by real-time order (a stale read)", () => {
    // The second transaction starts after the first committed, yet misses its append.
    const h = serial([["append", "x", 1]], [["r", "x", []]], [["r", "x", [1]]]);
    expect(check(h, { model: "serializable" }).valid).toBe(true);
    const strict = check(h, { model: "strict-serializable" });
    expect(strict.anomalyTypes).toEqual(["G-single-realtime"]);
    const steps = strict.anomalies["G-single-realtime"]![0]!.cycle!;
    expect(steps.map((s) => s.rel)).toEqual(["realtime", "rw"]);
    expect(steps[0]!.why).toBe("T1 completed (operation 1) before T2 was invoked (operation 2)");
  });

  it("uses process order for strong session models", () => {
    // One process appends, then reads without its own append, while the other process is concurrent.
    const h = ops([
      [0, "invoke", [["append", "x", 1]]],
      [1, "invoke", [["r", "x", null]]],
      [0, "ok", [["append", "x", 1]]],
      [0, "invoke", [["r", "x", null]]],
      [1, "ok", [["r", "x", [1]]]],
      [0, "ok", [["r", "x", []]]],
    ]);
    const result = check(h, { model: "strong-session-serializable" });
    expect(result.anomalyTypes).toEqual(["G-single-process"]);
    expect(result.anomalies["G-single-process"]![0]!.explanation).toContain("process 0 ran T1 and then T2");
  });
});

describe("list-append: anomalies without cycles", () => {
  it("reports an aborted read (G1a) of a failed transaction's append", () => {
    const h = ops([
      [0, "invoke", [["append", "x", 1]]],
      [0, "fail", [["append", "x", 1]]],
      [1, "invoke", [["r", "x", null]]],
      [1, "ok", [["r", "x", [1]]]],
    ]);
    const result = check(h, { model: "read-committed" });
    expect(result.anomalyTypes).toEqual(["G1a"]);
    expect(result.anomalies.G1a![0]!.indexes).toEqual([3, 1]);
    expect(check(h, { model: "read-uncommitted" }).valid).toBe(true);
  });

  it("reports an intermediate read (G1b) but not a transaction reading its own intermediate state", () => {
    const h = serial(
      [
        ["append", "x", 1],
        ["r", "x", [1]],
        ["append", "x", 2],
      ],
      [["r", "x", [1]]],
    );
    const result = check(h, { model: "read-committed" });
    expect(result.anomalyTypes).toEqual(["G1b"]);
    expect(result.anomalies.G1b).toHaveLength(1);
    expect(result.anomalies.G1b![0]!.indexes).toEqual([3, 1]);
  });

  it("reports internal inconsistency: a read that misses the transaction's own append", () => {
    const h = serial(
      [["append", "x", 1]],
      [
        ["append", "x", 2],
        ["r", "x", [1]],
      ],
    );
    const result = check(h, { model: "serializable" });
    expect(result.anomalyTypes).toContain("internal");
    expect(result.anomalies.internal![0]!.description).toContain("should read [… 2]");
    expect(check(h, { model: "read-committed" }).anomalyTypes).not.toContain("internal");
  });

  it("reports incompatible orders and duplicate elements", () => {
    const h = serial([["append", "x", 1]], [["append", "x", 2]], [["append", "x", 3]], [["r", "x", [1, 2]]], [["r", "x", [1, 3, 2]]], [["r", "x", [1, 1]]]);
    const result = check(h, { model: "read-uncommitted" });
    expect(result.anomalyTypes).toEqual(expect.arrayContaining(["duplicate-elements"]));
    const all = check(h, { model: "read-committed" });
    expect(all.anomalyTypes).toEqual(expect.arrayContaining(["incompatible-order", "duplicate-elements"]));
    expect(all.anomalies["incompatible-order"]![0]!.description).toBe(
      "key x: operation 7 read [1 2] but operation 9 read [1 3 2]; no single order of appends gives both",
    );
  });

  it("reports a dirty update: a committed append on top of a failed one", () => {
    const h = ops([
      [0, "invoke", [["append", "x", 1]]],
      [0, "fail", [["append", "x", 1]]],
      [1, "invoke", [["append", "x", 2]]],
      [1, "ok", [["append", "x", 2]]],
      [2, "invoke", [["r", "x", null]]],
      [2, "ok", [["r", "x", [1, 2]]]],
    ]);
    const result = check(h, { model: "read-committed" });
    expect(result.anomalyTypes).toEqual(expect.arrayContaining(["dirty-update", "G1a"]));
    expect(result.anomalies["dirty-update"]![0]!.indexes).toEqual([1, 3]);
  });

  it("reports a future read and a lost update", () => {
    const future = serial([
      ["r", "x", [1]],
      ["append", "x", 1],
    ]);
    expect(check(future, { model: "read-atomic" }).anomalyTypes).toContain("future-read");
    const lost = join(
      concurrent(
        [
          ["r", "x", []],
          ["append", "x", 1],
        ],
        [
          ["r", "x", []],
          ["append", "x", 2],
        ],
      ),
      serial([["r", "x", [1, 2]]]),
    );
    const result = check(lost, { model: "cursor-stability" });
    expect(result.anomalyTypes).toContain("lost-update");
    expect(result.anomalies["lost-update"]![0]!.indexes).toEqual([2, 3]);
  });

  it("refuses an element appended twice, and micro-operations of another workload", () => {
    expect(() => check(serial([["append", "x", 1]], [["append", "x", 1]]))).toThrow(/element 1 is appended to key x twice: by operations 1 and 3/);
    expect(() => check(serial([["w", "x", 1]] as Txn))).toThrow(/list-append history holds only append and r/);
  });
});
