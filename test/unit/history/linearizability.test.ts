import { checkLinearizable, createHistory, defineModel, models, REJECT, type History, type Model, type NewOperation } from "../../../src/history";

/** Builds a history from compact lines: "0 invoke write 1", "0 ok read 1", "1 info cas [1,2]". */
function history(...lines: string[]): History {
  const h = createHistory();
  for (const line of lines) {
    const [process, type, f, ...rest] = line.split(" ");
    const text = rest.join(" ");
    h.record({ process: Number(process), type: type as NewOperation["type"], f: f!, value: text === "" ? null : JSON.parse(text) });
  }
  return h;
}

describe("checkLinearizable", () => {
  it("accepts a read that overlaps the write it sees", () => {
    const h = history("0 invoke write 1", "1 invoke read", "1 ok read 1", "0 ok write 1");
    expect(checkLinearizable(h, models.register()).verdict).toBe("ok");
  });

  it("rejects a stale read after a completed write, and explains it", () => {
    const h = history("0 invoke write 1", "0 ok write 1", "1 invoke read", "1 ok read null");
    const result = checkLinearizable(h, models.register());
    expect(result).toMatchObject({ verdict: "illegal", valid: false });
    const e = result.explanation!;
    expect(e.prefix.map((s) => s.op.f)).toEqual(["write"]);
    expect(e.blocked).toMatchObject({ f: "read", invokeIndex: 2, completeIndex: 3, result: null });
    expect(e.reason).toBe("read nil, so the register must hold nil; it holds 1");
    expect(result.message).toContain("not linearizable");
    expect(result.message).toContain("#2–#3 p1 read nil → nil");
  });

  it("lets an info write take effect late", () => {
    const h = history("0 invoke write 1", "0 info write 1", "1 invoke read", "1 ok read null", "2 invoke read", "2 ok read 1");
    expect(checkLinearizable(h, models.register()).verdict).toBe("ok");
  });

  it("lets an info write never take effect", () => {
    const h = history("0 invoke write 1", "0 info write 1", "1 invoke read", "1 ok read null");
    expect(checkLinearizable(h, models.register()).verdict).toBe("ok");
  });

  it("lets an unfinished operation take effect or not", () => {
    const h = history("0 invoke cas [null, 2]", "1 invoke read", "1 ok read 2");
    expect(checkLinearizable(h, models.casRegister()).verdict).toBe("ok");
  });

  it("ignores failed operations: they did not happen", () => {
    const h = history("0 invoke write 1", "0 fail write 1", "1 invoke read", "1 ok read 1");
    expect(checkLinearizable(h, models.register()).verdict).toBe("illegal");
  });

  it("reads a cas that completed ok with false as a compare that did not match", () => {
    const ok = history("0 invoke write 1", "0 ok write 1", "1 invoke cas [2, 3]", "1 ok cas false");
    expect(checkLinearizable(ok, models.casRegister()).verdict).toBe("ok");
    const bad = history("0 invoke write 2", "0 ok write 2", "1 invoke cas [2, 3]", "1 ok cas false");
    const result = checkLinearizable(bad, models.casRegister());
    expect(result.verdict).toBe("illegal");
    expect(result.explanation!.reason).toContain("cas reported no match for 2");
  });

  it("lists the concurrent operations that could have gone first", () => {
    const h = history("0 invoke write 1", "0 ok write 1", "1 invoke cas [2, 5]", "2 invoke read", "2 ok read 3", "1 ok cas [2, 5]");
    const e = checkLinearizable(h, models.casRegister()).explanation!;
    expect(e.blocked.f).toBe("read");
    expect(e.state).toBe("1");
    expect(e.candidates.map((c) => [c.op.f, c.reason])).toEqual([["cas", "cas 2 → 5 needs the register to hold 2; it holds 1"]]);
    expect(e.text).toContain("Operations concurrent with it that could have gone first do not help");
  });

  it("checks each key separately and names the key of an illegal partition", () => {
    const h = history(
      '0 invoke put ["a", 1]',
      '0 ok put ["a", 1]',
      '1 invoke put ["b", 2]',
      '1 ok put ["b", 2]',
      '0 invoke get ["a", null]',
      '0 ok get ["a", 1]',
      '1 invoke get ["b", null]',
      '1 ok get ["b", 1]',
    );
    const result = checkLinearizable(h, models.kv());
    expect(result).toMatchObject({ verdict: "illegal", partitions: 2 });
    expect(result.explanation!.key).toBe("b");
    expect(result.explanation!.reason).toBe('read 1, so key "b" must hold 1; it holds 2');
  });

  it("returns unknown instead of hanging when the budget runs out", () => {
    // 12 concurrent writes, never returned, and a read nobody could have produced: the search
    // must try every subset of writes before giving up.
    const lines: string[] = [];
    for (let p = 0; p < 16; p++) lines.push(`${p} invoke write ${p}`);
    lines.push("99 invoke read", "99 ok read 1000");
    const slow = defineModel<number>({
      name: "slow",
      init: () => 0,
      step: (state, input, output) => {
        const until = process.hrtime.bigint() + 20_000n;
        while (process.hrtime.bigint() < until); // 20µs per step
        if (input.f === "write") return { ok: true, state: state + 1 };
        return output.known && output.value === state ? { ok: true, state } : REJECT;
      },
    });
    // Run to the end, this search takes seconds and answers "not linearizable": "unknown" is the budget's doing.
    const result = checkLinearizable(history(...lines), slow, { budget: "50ms" });
    expect(result.verdict).toBe("unknown");
    expect(result.valid).toBe("unknown");
    expect(result.message).toMatch(/budget of 50ms ran out/);
  });

  it("rejects functions the model does not know, before searching", () => {
    expect(() => checkLinearizable(history("0 invoke frob 1", "0 ok frob 1"), models.register())).toThrow(
      expect.objectContaining({ code: "FAULTLINE_HISTORY", message: expect.stringContaining('no operation "frob"') }),
    );
  });

  it("rejects a history where a process invokes twice", () => {
    const ops = [
      { index: 0, process: 0, type: "invoke" as const, f: "read", value: null },
      { index: 1, process: 0, type: "invoke" as const, f: "read", value: null },
    ];
    expect(() => checkLinearizable(ops, models.register())).toThrow(/invokes again/);
  });

  it("rejects something that is not a model", () => {
    expect(() => checkLinearizable([], models.register as unknown as Model)).toThrow(expect.objectContaining({ code: "FAULTLINE_INVALID_OPTION" }));
  });

  it("accepts an empty history and ignores the nemesis", () => {
    expect(checkLinearizable([], models.casRegister()).verdict).toBe("ok");
    const h = createHistory();
    h.record({ process: "nemesis", type: "info", f: "start", value: null });
    expect(checkLinearizable(h, models.casRegister()).verdict).toBe("ok");
  });

  it("checks a long sequential history quickly", () => {
    const h = createHistory();
    for (let i = 0; i < 20_000; i++) {
      h.record({ process: i % 5, type: "invoke", f: "write", value: i });
      h.record({ process: i % 5, type: "ok", f: "write", value: i });
      h.record({ process: i % 5, type: "invoke", f: "read", value: null });
      h.record({ process: i % 5, type: "ok", f: "read", value: i });
    }
    expect(checkLinearizable(h, models.register()).verdict).toBe("ok");
  });
});
