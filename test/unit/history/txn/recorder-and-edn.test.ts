import { readFileSync } from "node:fs";
import * as path from "node:path";
import { checkTransactions, completeTxn, createHistory, markDefinite, parseTxnEdn, toTxnEdn, txnClient, type Txn } from "../../../../src/history";
import { isFaultlineError } from "../../../../src/common/errors";
import { ListStore } from "./support";

const fixture = (name: string): string => readFileSync(path.join(__dirname, "../../../fixtures/elle", name), "utf8");

describe("txnClient", () => {
  it("records the invocation with null reads and the completion with what the reads returned", async () => {
    const history = createHistory();
    const store = new ListStore();
    const client = txnClient(history, 3);
    const first = await client.transact([["append", "x", 1]], async (txn) => {
      store.apply(txn);
    });
    const second = await client.transact(
      [
        ["append", "x", 2],
        ["r", "x", null],
        ["r", "y", null],
      ],
      async (txn) => store.apply(txn),
    );
    expect(first.type).toBe("ok");
    expect(second.type).toBe("ok");
    expect(history.operations.map((op) => [op.process, op.type, op.f, op.value])).toEqual([
      [3, "invoke", "txn", [["append", "x", 1]]],
      [3, "ok", "txn", [["append", "x", 1]]],
      [
        3,
        "invoke",
        "txn",
        [
          ["append", "x", 2],
          ["r", "x", null],
          ["r", "y", null],
        ],
      ],
      [
        3,
        "ok",
        "txn",
        [
          ["append", "x", 2],
          ["r", "x", [1, 2]],
          ["r", "y", []],
        ],
      ],
    ]);
    expect(checkTransactions(history, { model: "strict-serializable" }).valid).toBe(true);
  });

  it("records a transaction that throws as fail or info, and moves on to a new process after info", async () => {
    const history = createHistory();
    const client = txnClient(history, 0);
    const failed = await client.transact([["append", "x", 1]], () => {
      throw markDefinite(new Error("conflict"));
    });
    const unknown = await client.transact([["append", "x", 2]], () => {
      throw new Error("connection reset");
    });
    expect([failed.type, unknown.type]).toEqual(["fail", "info"]);
    expect(client.process).not.toBe(0);
  });

  it("fills reads in order with completeTxn", () => {
    const txn: Txn = [
      ["r", "x", null],
      ["append", "x", 1],
      ["r", "y", null],
    ];
    expect(completeTxn(txn, [[], [7]])).toEqual([
      ["r", "x", []],
      ["append", "x", 1],
      ["r", "y", [7]],
    ]);
    expect(() => completeTxn(txn, [[]])).toThrow(/1 read values for a transaction with 2 reads/);
  });

  it("refuses a malformed transaction before recording, and a wrong result after recording it info", async () => {
    const history = createHistory();
    const client = txnClient(history, 0);
    await expect(client.transact([["add", "x", 1]] as never, async () => {})).rejects.toThrow(/micro-operation 0 has f "add"/);
    expect(history.length).toBe(0);
    let error: unknown;
    try {
      await client.transact([["r", "x", null]], async () => {});
    } catch (e) {
      error = e;
    }
    expect(isFaultlineError(error)).toBe(true);
    expect((error as Error).message).toContain("it resolved to nothing, but the transaction reads");
    expect(history.operations.map((op) => op.type)).toEqual(["invoke", "info"]);
  });
});

describe("Elle's EDN history format", () => {
  it("writes keywords Elle reads and reads them back unchanged", () => {
    const history = createHistory();
    history.record({
      process: 0,
      type: "invoke",
      f: "txn",
      value: [
        ["append", "x", 1],
        ["r", "my key", null],
      ],
      time: 5,
    });
    history.record({
      process: 0,
      type: "ok",
      f: "txn",
      value: [
        ["append", "x", 1],
        ["r", "my key", [3, "a"]],
      ],
      time: 9,
    });
    const edn = toTxnEdn(history.operations);
    expect(edn).toBe(
      '{:index 0, :type :invoke, :process 0, :f :txn, :value [[:append :x 1] [:r "my key" nil]], :time 5}\n' +
        '{:index 1, :type :ok, :process 0, :f :txn, :value [[:append :x 1] [:r "my key" [3 :a]]], :time 9}\n',
    );
    expect(parseTxnEdn(edn)).toEqual(history.operations);
  });

  it("pairs operations that name no process by their micro-operations", () => {
    const ops = parseTxnEdn(fixture("no-process.edn"), "no-process.edn");
    expect(ops.map((op) => [op.process, op.type, op.f])).toEqual([
      [0, "invoke", "txn"],
      [0, "ok", "txn"],
      [1, "invoke", "txn"],
      [1, "ok", "txn"],
      [2, "invoke", "txn"],
      [2, "ok", "txn"],
    ]);
    expect(checkTransactions(ops, { model: "strict-serializable" }).valid).toBe(true);
  });

  it("finds what each hand-written fixture says it holds", () => {
    const skew = parseTxnEdn(fixture("read-skew.edn"));
    expect(checkTransactions(skew, { model: "read-committed" }).valid).toBe(true);
    expect(checkTransactions(skew, { model: "serializable" }).anomalyTypes).toEqual(["G-single"]);
    const doctors = parseTxnEdn(fixture("write-skew.edn"));
    expect(checkTransactions(doctors, { model: "snapshot-isolation" }).valid).toBe(true);
    expect(checkTransactions(doctors, { model: "serializable" }).anomalyTypes).toEqual(["G2-item"]);
    const stale = parseTxnEdn(fixture("register-stale.edn"));
    expect(checkTransactions(stale, { model: "serializable" }).valid).toBe(true);
    expect(checkTransactions(stale, { model: "strict-serializable" }).anomalyTypes).toEqual(["G-single-realtime"]);
  });

  it("names the line of a malformed operation", () => {
    expect(() => parseTxnEdn("{:type :ok, :value []}\n{:type :done, :value []}", "h.edn")).toThrow(
      /h.edn: operation 2: :type must be :invoke, :ok, :fail or :info, found "done"/,
    );
  });
});
