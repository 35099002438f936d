import { checkBank, checkCounter, checkers, checkQueue, checkSet, checkUniqueIds, createHistory, formatAnomalies, type History } from "../../../src/history";

type Line = [process: number, type: "invoke" | "ok" | "fail" | "info", f: string, value: unknown];

/** Records lines with times 1ms apart, so latencies are predictable. */
function history(lines: Line[]): History {
  const h = createHistory();
  lines.forEach(([process, type, f, value], i) => h.record({ process, type, f, value, time: i * 1e6 }));
  return h;
}

describe("set checker", () => {
  it("passes when every acknowledged add stays visible, and measures stable latency", () => {
    const h = history([
      [0, "invoke", "add", 1],
      [1, "invoke", "read", null],
      [1, "ok", "read", []], // concurrent with the add: fine
      [0, "ok", "add", 1],
      [1, "invoke", "read", null],
      [1, "ok", "read", [1]],
    ]);
    const result = checkSet(h);
    expect(result).toMatchObject({ valid: true, attempted: 1, acknowledged: 1, stable: 1, lost: [], unexpected: [] });
    expect(result.stableLatencies).toMatchObject({ count: 1, median: 4 });
  });

  it("reports a lost write with the read that misses it", () => {
    const h = history([
      [0, "invoke", "add", 1],
      [0, "ok", "add", 1],
      [0, "invoke", "add", 2],
      [0, "ok", "add", 2],
      [1, "invoke", "read", null],
      [1, "ok", "read", [1, 2]],
      [1, "invoke", "read", null],
      [1, "ok", "read", [2]],
    ]);
    const result = checkSet(h);
    expect(result.valid).toBe(false);
    expect(result.lost).toEqual([{ element: 1, addIndex: 0, readIndex: 7, lastSeenIndex: 5 }]);
    expect(result.anomalies[0]!.description).toBe("element 1 was acknowledged and read (last at #5), but is missing from every read since #7");
    expect(formatAnomalies(result.anomalies, h.operations)).toContain("> #7 p1 ok     read [2]");
  });

  it("tells stale, never-read and unexpected elements apart", () => {
    const h = history([
      [0, "invoke", "add", 1],
      [0, "ok", "add", 1],
      [1, "invoke", "read", null],
      [1, "ok", "read", [9]], // stale for 1, and 9 was never added
      [1, "invoke", "read", null],
      [1, "ok", "read", [1]],
      [0, "invoke", "add", 2],
      [0, "ok", "add", 2], // no read after: never read
      [2, "invoke", "add", 3],
      [2, "info", "add", 3], // indeterminate and unseen: nothing to say
    ]);
    const result = checkSet(h);
    expect(result.stale.map((e) => e.element)).toEqual([1]);
    expect(result.neverRead.map((e) => e.element)).toEqual([2]);
    expect(result.unexpected.map((e) => e.element)).toEqual([9]);
    expect(result.valid).toBe(false);
    expect(result.anomalies.map((a) => a.kind)).toEqual(["unexpected"]);
    expect(checkSet(h, { linearizable: true }).anomalies.map((a) => a.kind)).toEqual(["unexpected", "stale"]);
  });
});

describe("counter checker", () => {
  it("accepts reads within the possible values, counting in-flight adds as maybe", () => {
    const h = history([
      [0, "invoke", "add", 1],
      [0, "ok", "add", 1],
      [0, "invoke", "add", 5],
      [1, "invoke", "read", null],
      [1, "ok", "read", 6],
      [0, "info", "add", 5],
      [1, "invoke", "read", null],
      [1, "ok", "read", 1],
    ]);
    expect(checkCounter(h)).toMatchObject({ valid: true, reads: 2 });
  });

  it("rejects a read below what was acknowledged before it began", () => {
    const h = history([
      [0, "invoke", "add", 2],
      [0, "ok", "add", 2],
      [0, "invoke", "add", 3],
      [0, "fail", "add", 3],
      [1, "invoke", "read", null],
      [1, "ok", "read", 1],
      [1, "invoke", "read", null],
      [1, "ok", "read", 5],
    ]);
    const result = checkCounter(h);
    expect(result.valid).toBe(false);
    expect(result.errors).toEqual([
      { index: 5, invokeIndex: 4, value: 1, lower: 2, upper: 2 },
      { index: 7, invokeIndex: 6, value: 5, lower: 2, upper: 2 },
    ]);
  });
});

describe("queue checker", () => {
  it("passes a drained queue that delivered everything once, noting recovered info enqueues", () => {
    const h = history([
      [0, "invoke", "enqueue", "a"],
      [0, "ok", "enqueue", "a"],
      [0, "invoke", "enqueue", "b"],
      [0, "info", "enqueue", "b"],
      [1, "invoke", "dequeue", null],
      [1, "ok", "dequeue", "b"],
      [1, "invoke", "dequeue", null],
      [1, "ok", "dequeue", "a"],
      [1, "invoke", "dequeue", null],
      [1, "ok", "dequeue", null],
    ]);
    const result = checkQueue(h);
    expect(result).toMatchObject({ valid: true, attempted: 2, acknowledged: 1, dequeued: 2 });
    expect(result.recovered.map((f) => f.element)).toEqual(["b"]);
  });

  it("finds lost, duplicated and unexpected elements", () => {
    const h = history([
      [0, "invoke", "enqueue", "a"],
      [0, "ok", "enqueue", "a"],
      [0, "invoke", "enqueue", "b"],
      [0, "ok", "enqueue", "b"],
      [1, "invoke", "dequeue", null],
      [1, "ok", "dequeue", "b"],
      [1, "invoke", "dequeue", null],
      [1, "ok", "dequeue", "b"],
      [1, "invoke", "dequeue", null],
      [1, "ok", "dequeue", "z"],
    ]);
    const result = checkQueue(h);
    expect(result.anomalies.map((a) => [a.kind, a.description])).toEqual([
      ["lost", '"a" was acknowledged 1× but dequeued 0×'],
      ["duplicated", '"b" was enqueued 1× but dequeued 2×'],
      ["unexpected", '"z" was dequeued but never (successfully) enqueued'],
    ]);
    expect(checkQueue(h, { drained: false }).lost).toEqual([]);
  });
});

describe("unique ids checker", () => {
  it("passes distinct ids and reports their range", () => {
    const h = history([
      [0, "invoke", "generate", null],
      [0, "ok", "generate", 7],
      [1, "invoke", "generate", null],
      [1, "ok", "generate", 3],
    ]);
    expect(checkUniqueIds(h)).toMatchObject({ valid: true, acknowledged: 2, range: [3, 7] });
  });

  it("reports an id handed out twice with both operations", () => {
    const h = history([
      [0, "invoke", "generate", null],
      [0, "ok", "generate", 7],
      [1, "invoke", "generate", null],
      [1, "ok", "generate", 7],
    ]);
    const result = checkUniqueIds(h);
    expect(result.duplicated).toEqual([{ id: 7, count: 2, indexes: [1, 3] }]);
    expect(result.anomalies[0]!.indexes).toEqual([1, 3]);
  });
});

describe("bank checker", () => {
  it("passes reads that all sum to the total", () => {
    const h = history([
      [0, "invoke", "read", null],
      [0, "ok", "read", { a: 60, b: 40 }],
      [0, "invoke", "transfer", { from: "a", to: "b", amount: 10 }],
      [0, "ok", "transfer", null],
      [1, "invoke", "read", null],
      [1, "ok", "read", [50, 50]],
    ]);
    expect(checkBank(h, { total: 100 })).toMatchObject({ valid: true, reads: 2 });
  });

  it("reports a read whose total is off and a negative balance", () => {
    const h = history([
      [0, "invoke", "read", null],
      [0, "ok", "read", { a: 70, b: 40 }],
      [1, "invoke", "read", null],
      [1, "ok", "read", { a: 110, b: -10 }],
    ]);
    const result = checkBank(h, { total: 100, accounts: ["a", "b"] });
    expect(result.errors.map((e) => [e.index, e.kind])).toEqual([
      [1, "wrong-total"],
      [3, "negative-balance"],
    ]);
    expect(result.anomalies[0]!.description).toBe("read at #1 sums to 110, not 100: {a: 70, b: 40}");
    expect(() => checkBank(h, {} as never)).toThrow(expect.objectContaining({ code: "FAULTLINE_INVALID_OPTION", option: "total" }));
  });
});

describe("checkers", () => {
  it("gathers every checker in one object", () => {
    expect(Object.keys(checkers).sort()).toEqual(["bank", "counter", "linearizable", "queue", "set", "uniqueIds"]);
  });
});
