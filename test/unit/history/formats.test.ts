import { createHistory, detectFormat, parseEdn, parseEdnHistory, parseHistory, parseJepsenLog, parseJsonl, toEdn, type Operation } from "../../../src/history";

async function sampleHistory(): Promise<Operation[]> {
  const history = createHistory();
  await history.client(0).invoke("write", 3, async () => undefined);
  await history.client(1).invoke("cas", [3, 4], async () => {
    throw Object.assign(new Error("reset"), { code: "ECONNRESET" });
  });
  await history.client(2).invoke("read", null, async () => ({ key: "a", tags: ["x", "y z"], n: 1.5, ok: true }));
  history.record({ process: "nemesis", type: "info", f: "start", value: 'partition "halves"' });
  return [...history.operations];
}

describe("history formats", () => {
  it("round-trips a recorded history through JSONL", async () => {
    const history = createHistory();
    await history.client(0).invoke("write", 1, async () => undefined);
    const ops = await sampleHistory();
    expect(parseJsonl(history.toJSONL())).toEqual(history.operations);
    const text = ops.map((op) => JSON.stringify(op)).join("\n");
    expect(parseJsonl(text)).toEqual(ops);
  });

  it("round-trips a recorded history through EDN, as Jepsen's history.edn", async () => {
    const ops = await sampleHistory();
    const history = createHistory();
    for (const op of ops) history.record(op);
    const edn = history.toEDN();
    expect(edn.split("\n")[0]).toMatch(/^\{:index 0, :process 0, :type :invoke, :f :write, :value 3, :time \d+\}$/);
    expect(edn).toContain(":process :nemesis");
    expect(parseEdnHistory(edn)).toEqual(history.operations);
  });

  it("reads Jepsen log lines, restoring the invoked value of timed-out completions", () => {
    const log = [
      "INFO  jepsen.util - 3\t:invoke\t:cas\t[3 0]",
      "2017-01-01 12:00:00,000{GMT}\tINFO\t[jepsen worker 1] jepsen.util: 1\t:invoke\t:read\tnil",
      "INFO  jepsen.util - 3\t:info\t:cas\t:timed-out",
      "INFO  jepsen.util - 1\t:fail\t:read\t:timed-out",
      "INFO  jepsen.util - :nemesis\t:info\t:start\tnil",
      "some unrelated log line",
      "INFO  jepsen.util - 8\t:invoke\t:write\t4",
      "INFO  jepsen.util - 8\t:ok\t:write\t4",
    ].join("\n");
    const ops = parseJepsenLog(log);
    expect(ops.map((o) => [o.index, o.process, o.type, o.f, o.value, o.error])).toEqual([
      [0, 3, "invoke", "cas", [3, 0], undefined],
      [1, 1, "invoke", "read", null, undefined],
      [2, 3, "info", "cas", [3, 0], "timed-out"],
      [3, 1, "info", "read", null, "timed-out"], // :fail :read :timed-out is indeterminate
      [4, "nemesis", "info", "start", null, undefined],
      [5, 8, "invoke", "write", 4, undefined],
      [6, 8, "ok", "write", 4, undefined],
    ]);
  });

  it("reads Porcupine's kv lines, folding :key into a [key value] pair", () => {
    const ops = parseEdnHistory('{:process 9, :type :invoke, :f :append, :key "0", :value "x 9 0 y"}\n{:process 9, :type :ok, :f :get, :key "0", :value ""}\n');
    expect(ops).toEqual([
      { index: 0, process: 9, type: "invoke", f: "append", value: ["0", "x 9 0 y"], time: undefined },
      { index: 1, process: 9, type: "ok", f: "get", value: ["0", ""], time: undefined },
    ]);
  });

  it("detects each format from its first operation line", () => {
    expect(detectFormat("INFO  jepsen.util - 0\t:invoke\t:read\tnil\n")).toBe("jepsen");
    expect(detectFormat("\n{:process 0, :type :invoke, :f :read}\n")).toBe("edn");
    expect(detectFormat('{:process 9, :type :invoke, :f :append, :key "0", :value "x 9 0 y"}\n')).toBe("kv");
    expect(detectFormat('{"index":0,"process":0}\n')).toBe("jsonl");
    expect(detectFormat("hello\n")).toBeUndefined();
    expect(() => parseHistory("hello\n", { source: "x.txt" })).toThrow(
      expect.objectContaining({ code: "FAULTLINE_PARSE", message: expect.stringContaining("x.txt") }),
    );
    expect(() => parseHistory("", { format: "yaml" as "edn" })).toThrow(expect.objectContaining({ code: "FAULTLINE_INVALID_OPTION" }));
  });

  it("names the line of a malformed operation", () => {
    expect(() => parseJsonl('{"process":0,"type":"invoke","f":"read","value":null}\n{"process":0,"type":"done","f":"read"}', "h.jsonl")).toThrow(
      /h\.jsonl:2: type must be/,
    );
    expect(() => parseJsonl("{oops", "h.jsonl")).toThrow(/h\.jsonl:1: not valid JSON/);
    expect(() => parseEdnHistory("{:process 0, :type :invoke, :f :read}\n{:process 0 :type", "h.edn")).toThrow(
      expect.objectContaining({ code: "FAULTLINE_PARSE", message: expect.stringMatching(/h\.edn.*line 2/) }),
    );
  });

  it("reads and writes the EDN values Jepsen uses", () => {
    expect(parseEdn('{:a [1 2.5 -3] "b" #{:x} :c nil :d true :e "q\\"\\n" :f ##Inf :g #inst "2020" :h 10N} ; comment')).toEqual({
      a: [1, 2.5, -3],
      b: ["x"],
      c: null,
      d: true,
      e: 'q"\n',
      f: Infinity,
      g: "2020",
      h: 10,
    });
    expect(toEdn({ a: [1, "x"], "not a keyword": null, big: 5n })).toBe('{:a [1 "x"], "not a keyword" nil, :big 5N}');
    expect(parseEdn(toEdn({ s: "tab\there \u0001", n: -0.5 }))).toEqual({ s: "tab\there \u0001", n: -0.5 });
    expect(() => parseEdn("[1 2")).toThrow(/missing "]"/);
  });

  it("refuses EDN nested deeper than a history ever is with a coded error, not a stack overflow", () => {
    const deep = "[".repeat(200_000) + "]".repeat(200_000);
    expect(() => parseEdn(deep, "deep.edn")).toThrow(
      expect.objectContaining({
        code: "FAULTLINE_PARSE",
        message: expect.stringContaining("deep.edn: values nested more than 1000 deep"),
        hint: expect.stringContaining("not a history"),
      }),
    );
    const line = `{:process 0, :type :invoke, :f :write, :value ${"{:a ".repeat(200_000)}1${"}".repeat(200_000)}}\n`;
    expect(() => parseHistory(line, { source: "deep-map.edn" })).toThrow(expect.objectContaining({ code: "FAULTLINE_PARSE" }));
    expect(() => parseEdn(`${"#tag ".repeat(200_000)}1`)).toThrow(expect.objectContaining({ code: "FAULTLINE_PARSE" }));
    // Deep enough for any real value still reads.
    expect(parseEdn("[".repeat(500) + "]".repeat(500))).toBeInstanceOf(Array);
  });
});
