import { createHistory, History, markDefinite, type Operation } from "../../../src/history";
import { isFaultlineError } from "../../../src/common/errors";

function connectionError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:2379`), { code });
}

describe("History recorder", () => {
  it("records an invoke and an ok carrying the function's result", async () => {
    const history = createHistory();
    const result = await history.client(0).invoke("read", null, async () => 3);
    expect(result.type).toBe("ok");
    expect(history.operations.map(({ process, type, f, value, index }) => ({ process, type, f, value, index }))).toEqual([
      { process: 0, type: "invoke", f: "read", value: null, index: 0 },
      { process: 0, type: "ok", f: "read", value: 3, index: 1 },
    ]);
  });

  it("keeps the invoked value on ok when the function resolves to undefined (writes)", async () => {
    const history = createHistory();
    await history.client(1).invoke("write", 4, async () => undefined);
    expect(history.operations[1]).toMatchObject({ type: "ok", f: "write", value: 4 });
  });

  it("stamps operations with increasing monotonic nanoseconds since the origin", async () => {
    const history = createHistory();
    await history.client(0).invoke("read", null, () => new Promise((resolve) => setTimeout(() => resolve(1), 5)));
    const [invoke, ok] = history.operations as Operation[];
    expect(typeof invoke!.time).toBe("number");
    expect(ok!.time! - invoke!.time!).toBeGreaterThanOrEqual(4e6);
    expect(typeof history.origin).toBe("bigint");
  });

  it("records fail for ECONNREFUSED: the request never left", async () => {
    const history = createHistory();
    const client = history.client(0);
    const result = await client.invoke("write", 1, async () => {
      throw connectionError("ECONNREFUSED");
    });
    expect(result.type).toBe("fail");
    expect(history.operations[1]).toMatchObject({ type: "fail", process: 0, error: expect.stringContaining("ECONNREFUSED") });
    expect(client.process).toBe(0);
  });

  it("records fail for errors marked definite", async () => {
    const history = createHistory();
    const result = await history.client(0).invoke("cas", [1, 2], async () => {
      throw markDefinite(new Error("compare failed"));
    });
    expect(result.type).toBe("fail");
  });

  it("records info for ECONNRESET mid-request and retires the process", async () => {
    const history = createHistory();
    const client = history.client(0);
    await history.client(1).invoke("read", null, async () => 0);
    const result = await client.invoke("write", 1, async () => {
      throw connectionError("ECONNRESET");
    });
    expect(result.type).toBe("info");
    expect(history.operations.at(-1)).toMatchObject({ type: "info", process: 0 });
    expect(client.process).toBe(2);
    await client.invoke("read", null, async () => 1);
    expect(history.operations.at(-1)).toMatchObject({ type: "ok", process: 2 });
  });

  it("records info for unknown errors", async () => {
    const history = createHistory();
    const result = await history.client("a").invoke("write", 1, async () => {
      throw new Error("something odd");
    });
    expect(result.type).toBe("info");
  });

  it("records info after the timeout, aborts the signal, and ignores the late result", async () => {
    const history = createHistory();
    const client = history.client(0);
    let aborted = false;
    let finish: (v: number) => void = () => undefined;
    const result = await client.invoke(
      "write",
      7,
      (signal) =>
        new Promise<number>((resolve) => {
          finish = resolve;
          signal.addEventListener("abort", () => (aborted = true));
        }),
      { timeout: "20ms" },
    );
    expect(result.type).toBe("info");
    expect(aborted).toBe(true);
    expect(history.operations.at(-1)).toMatchObject({ type: "info", value: 7, error: expect.stringContaining("timed out") });
    finish(7);
    await new Promise((r) => setTimeout(r, 5));
    expect(history.length).toBe(2);
    expect(client.process).not.toBe(0);
  });

  it("lets a classify hook decide fail or info", async () => {
    const history = createHistory({ classify: (e) => ((e as Error).message === "nope" ? "fail" : "info") });
    expect((await history.client(0).invoke("w", 1, () => Promise.reject(new Error("nope")))).type).toBe("fail");
    expect((await history.client(1).invoke("w", 1, () => Promise.reject(connectionError("ECONNREFUSED")))).type).toBe("info");
  });

  it("keeps process numbers unique across clients and retirements", async () => {
    const history = createHistory();
    const fail = async (): Promise<never> => {
      throw new Error("boom");
    };
    await history.client(0).invoke("w", 1, fail); // 0 retires -> new process
    const retiredTo = history.client(0).process;
    const other = history.client(retiredTo); // asks for the number the retired client now uses
    expect(other.process).not.toBe(retiredTo);
    const processes = new Set([history.client(0).process, other.process, history.client("x").process]);
    expect(processes.size).toBe(3);
  });

  it("rejects a second invoke on a client whose operation is still running", async () => {
    const history = createHistory();
    const client = history.client(0);
    const first = client.invoke("read", null, () => new Promise((r) => setTimeout(() => r(1), 10)));
    await expect(client.invoke("read", null, async () => 2)).rejects.toMatchObject({ code: "FAULTLINE_HISTORY" });
    await first;
  });

  it("tells listeners about every operation and stops after unsubscribe", async () => {
    const history = createHistory();
    const seen: string[] = [];
    const off = history.onOperation((op) => seen.push(`${op.index}:${op.type}`));
    await history.client(0).invoke("read", null, async () => 1);
    off();
    await history.client(0).invoke("read", null, async () => 1);
    expect(seen).toEqual(["0:invoke", "1:ok"]);
  });

  it("records manual operations and rejects ones a checker could not read", () => {
    const history = createHistory();
    const op = history.record({ process: 5, type: "invoke", f: "write", value: 1 });
    expect(op).toMatchObject({ index: 0, process: 5 });
    expect(() => history.record({ process: 5, type: "invoke", f: "read", value: null })).toThrow(/already has operation 0/);
    expect(() => history.record({ process: 6, type: "ok", f: "read", value: 1 })).toThrow(/no open invocation/);
    expect(() => history.record({ process: 6, type: "bogus" as "ok", f: "read", value: 1 })).toThrow(/type must be/);
    history.record({ process: "nemesis", type: "info", f: "start", value: null });
    expect(history.client(5).process).not.toBe(5);
  });

  it("wraps imported operations without inventing times for them", () => {
    const history = History.fromOperations([
      { process: 0, type: "invoke", f: "read", value: null },
      { process: 0, type: "ok", f: "read", value: 1, time: 5 },
    ]);
    expect(history.operations.map((op) => op.time)).toEqual([undefined, 5]);
    expect(() => History.fromOperations([{ process: 0, type: "ok", f: "read", value: 1 }])).toThrow(expect.objectContaining({ code: "FAULTLINE_HISTORY" }));
  });

  it("is recognised across module registries without instanceof", () => {
    const history = createHistory();
    expect(History.isHistory(history)).toBe(true);
    expect(History.isHistory({ operations: [] })).toBe(false);
  });

  it("rejects a classify option that is not a function", () => {
    expect(() => createHistory({ classify: "fail" as never })).toThrow(expect.objectContaining({ code: "FAULTLINE_INVALID_OPTION" }));
    expect(isFaultlineError(new Error("x"))).toBe(false);
  });
});
