import { checkTransactions, type Operation } from "../../../../src/history";
import { concurrent, join, ops, serial } from "./support";

const check = (history: Operation[], options: Parameters<typeof checkTransactions>[1] = {}) => checkTransactions(history, options);

describe("rw-register", () => {
  it("detects the workload from w micro-operations and passes a serial history", () => {
    const h = serial(
      [["w", "x", 1]],
      [
        ["r", "x", 1],
        ["w", "y", 2],
      ],
      [
        ["r", "y", 2],
        ["r", "x", 1],
      ],
    );
    const result = check(h, { model: "strict-serializable" });
    expect(result.workload).toBe("rw-register");
    expect(result.valid).toBe(true);
  });

  it("finds G1c from two reads of each other's writes", () => {
    const h = concurrent(
      [
        ["w", "x", 1],
        ["r", "y", 1],
      ],
      [
        ["w", "y", 1],
        ["r", "x", 1],
      ],
    );
    const result = check(h, { model: "read-committed" });
    expect(result.anomalyTypes).toEqual(["G1c"]);
    expect(result.anomalies.G1c![0]!.explanation).toContain("because T2 read x = 1, which T1 wrote");
  });

  it("orders a read of the initial nil before every write of the key (G-single from read skew)", () => {
    // T1 sees T2's write of y but the initial x, which T2 also wrote.
    const h = concurrent(
      [
        ["r", "x", null],
        ["r", "y", 2],
      ],
      [
        ["w", "x", 1],
        ["w", "y", 2],
      ],
    );
    const result = check(h, { model: "serializable" });
    expect(result.anomalyTypes).toEqual(["G-single"]);
    const [rw] = result.anomalies["G-single"]![0]!.cycle!;
    expect(rw!.why).toBe("T1 read x = nil, its initial state, which T2's write of 1 replaced");
  });

  it("infers write-write order from writes following reads only when asked (wfrKeys)", () => {
    // T1 and T2 both read x = 1 and overwrite it: a lost update, and with wfrKeys a G2-item cycle.
    const h = join(
      serial([["w", "x", 1]]),
      concurrent(
        [
          ["r", "x", 1],
          ["w", "x", 2],
        ],
        [
          ["r", "x", 1],
          ["w", "x", 3],
        ],
      ),
    );
    // Without wfrKeys nothing orders 2 and 3, so only the direct lost-update check sees it.
    const plain = check(h, { model: "serializable" });
    expect(plain.anomalyTypes).toEqual(["lost-update"]);
    const wfr = check(h, { model: "serializable", wfrKeys: true });
    expect(wfr.anomalyTypes).toEqual(["G2-item", "lost-update"]);
    expect(wfr.anomalies["G2-item"]![0]!.cycle!.map((s) => s.rel)).toEqual(["rw", "rw"]);
    expect(check(h, { model: "update-atomic" }).anomalyTypes).toEqual(["lost-update"]);
    // Snapshot isolation's first-committer-wins forbids it too; read committed does not.
    expect(check(h, { model: "snapshot-isolation" }).valid).toBe(false);
    expect(check(h, { model: "read-committed" }).valid).toBe(true);
  });

  it("reports aborted, intermediate and garbage reads, and internal inconsistency", () => {
    const h = ops([
      [0, "invoke", [["w", "x", 1]]],
      [0, "fail", [["w", "x", 1]]],
      [
        1,
        "invoke",
        [
          ["w", "y", 1],
          ["w", "y", 2],
        ],
      ],
      [
        1,
        "ok",
        [
          ["w", "y", 1],
          ["w", "y", 2],
        ],
      ],
      [
        2,
        "invoke",
        [
          ["r", "x", null],
          ["r", "y", null],
          ["r", "z", null],
        ],
      ],
      [
        2,
        "ok",
        [
          ["r", "x", 1],
          ["r", "y", 1],
          ["r", "z", 9],
        ],
      ],
      [
        3,
        "invoke",
        [
          ["w", "z", 5],
          ["r", "z", null],
        ],
      ],
      [
        3,
        "ok",
        [
          ["w", "z", 5],
          ["r", "z", 6],
        ],
      ],
    ]);
    const result = check(h, { model: "serializable" });
    expect(result.anomalyTypes).toEqual(expect.arrayContaining(["G1a", "G1b", "garbage-read", "internal"]));
    expect(result.anomalies["garbage-read"]!.map((a) => a.description)).toEqual([
      "operation 5 read z = 9, which no transaction wrote",
      "operation 7 read z = 6, which no transaction wrote",
    ]);
  });

  it("reports cyclic version orders and drops them from inference", () => {
    const h = concurrent(
      [
        ["r", "x", 1],
        ["w", "x", 2],
      ],
      [
        ["r", "x", 2],
        ["w", "x", 1],
      ],
    );
    const result = check(h, { model: "read-uncommitted", wfrKeys: true });
    expect(result.anomalyTypes).toEqual(["cyclic-versions"]);
  });

  it("refuses a value written twice to one key", () => {
    expect(() => check(serial([["w", "x", 1]], [["w", "x", 1]]))).toThrow(/value 1 is written to key x twice/);
  });
});

describe("rw-register lost updates", () => {
  it("names the key both transactions read and wrote, not another key they touched", () => {
    const h = concurrent(
      [
        ["r", "a", null],
        ["w", "a", 1],
        ["r", "x", null],
        ["w", "x", 1],
      ],
      [
        ["r", "x", null],
        ["w", "x", 2],
      ],
    );
    const result = checkTransactions(h, { model: "cursor-stability" });
    expect(result.anomalies["lost-update"]!.map((a) => a.key)).toEqual(["x"]);
    expect(result.anomalies["lost-update"]![0]!.description).toBe(
      "operations 2, 3 all read key x = nil and all wrote it: each update is made without the others",
    );
  });
});
