import { describeMode, faulty, modes } from "../../../src/faults/faulty";

const now = performance.now.bind(performance);

/** A storage origin as code under test would use it: async methods, private state, a getter. */
class Storage {
  #objects = new Map<string, string>();
  writes = 0;
  get size(): number {
    return this.#objects.size;
  }
  async put(key: string, value: string): Promise<void> {
    this.writes++;
    this.#objects.set(key, value);
  }
  async get(key: string): Promise<string | undefined> {
    return this.#objects.get(key);
  }
  async read(key: string): Promise<Buffer> {
    return Buffer.from(this.#objects.get(key) ?? "");
  }
  async bytes(): Promise<Uint8Array> {
    return new Uint8Array([1, 2, 3, 4, 5]);
  }
  describe(): string {
    return `storage with ${this.size} objects`;
  }
}

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    return `ok ${JSON.stringify(await promise)}`;
  } catch (error) {
    return `fail ${(error as NodeJS.ErrnoException).code}`;
  }
}

afterEach(() => jest.useRealTimers());

describe("faulty()", () => {
  it("is the wrapped object when healthy: same results, private fields and getters work", async () => {
    const storage = faulty(new Storage());
    await storage.put("a", "1");
    expect(await storage.get("a")).toBe("1");
    expect(storage.size).toBe(1);
    expect(storage.describe()).toBe("storage with 1 objects");
    expect(storage.get).toBe(storage.get); // stable identity, e.g. for removeListener-style code
    expect(storage.faulty.stats).toMatchObject({ calls: 3, failures: 0 }); // put, get, describe: not the getter
  });

  it("fails every Nth call with ECONNRESET, without calling the target", async () => {
    const storage = faulty(new Storage(), modes.failEveryNth(3));
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await outcome(storage.put(`k${i}`, "v")));
    expect(results).toEqual(["ok undefined", "ok undefined", "fail ECONNRESET", "ok undefined", "ok undefined", "fail ECONNRESET"]);
    expect(storage.faulty.target.writes).toBe(4);
    expect(storage.faulty.stats).toEqual({ calls: 6, failures: 2, truncated: 0, byMethod: { put: { calls: 6, failures: 2 } } });
  });

  it("lets the first N calls through, then fails every call", async () => {
    const storage = faulty(new Storage(), modes.failAfterN(2, modes.error("EIO")));
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await outcome(storage.get("x")));
    expect(results).toEqual(["ok undefined", "ok undefined", "fail EIO", "fail EIO"]);
  });

  it("rejects with a Node-shaped error of the given code", async () => {
    const storage = faulty(new Storage(), modes.error("ECONNRESET"));
    await expect(storage.get("a")).rejects.toMatchObject({ code: "ECONNRESET", syscall: "read", message: "read ECONNRESET", errno: expect.any(Number) });
  });

  it("with when: 'after', runs the call and loses its answer (an indeterminate write)", async () => {
    const storage = faulty(new Storage(), modes.error("ECONNRESET", { when: "after" }));
    await expect(storage.put("a", "1")).rejects.toMatchObject({ code: "ECONNRESET" });
    expect(await storage.faulty.target.get("a")).toBe("1");
  });

  it("hangs for the timeout, then rejects with ETIMEDOUT, on real timers", async () => {
    const storage = faulty(new Storage(), modes.timeout("50ms"));
    jest.useFakeTimers();
    const started = now();
    await expect(storage.get("a")).rejects.toMatchObject({ code: "ETIMEDOUT" });
    expect(now() - started).toBeGreaterThanOrEqual(45);
    expect(storage.faulty.target.writes).toBe(0);
  });

  it("hangs for good with timeout(Infinity)", async () => {
    const storage = faulty(new Storage(), modes.timeout(Infinity));
    const settled = await Promise.race([
      storage.get("a").then(
        () => "settled",
        () => "settled",
      ),
      new Promise((r) => setTimeout(() => r("pending"), 50)),
    ]);
    expect(settled).toBe("pending");
  });

  it("cuts strings (on a character boundary), Buffers and Uint8Arrays to maxBytes", async () => {
    const inner = new Storage();
    await inner.put("text", "héllo wörld");
    const storage = faulty(inner, modes.partialRead(2));
    expect(await storage.get("text")).toBe("h"); // "é" is two bytes: half of it is dropped, not mangled
    expect(storage.faulty.stats.truncated).toBe(1);
    storage.faulty.setMode(modes.partialRead(4));
    expect((await storage.read("text")).toString()).toBe("hél");
    expect(Array.from(await storage.bytes())).toEqual([1, 2, 3, 4]);
    expect(await storage.get("missing")).toBeUndefined();
    expect(storage.faulty.stats.truncated).toBe(3);
  });

  it("switches mode at run time and restarts the count", async () => {
    const storage = faulty(new Storage(), "healthy");
    expect(await outcome(storage.get("a"))).toBe("ok undefined");
    storage.faulty.setMode(modes.failEveryNth(2));
    expect([await outcome(storage.get("a")), await outcome(storage.get("a"))]).toEqual(["ok undefined", "fail ECONNRESET"]);
    storage.faulty.setMode(modes.failEveryNth(2)); // count restarts: the next call is the 1st again
    expect(await outcome(storage.get("a"))).toBe("ok undefined");
    storage.faulty.setMode("healthy");
    expect(await outcome(storage.get("a"))).toBe("ok undefined");
    expect(storage.faulty.mode).toEqual({ kind: "healthy" });
    storage.faulty.resetStats();
    expect(storage.faulty.stats.calls).toBe(0);
  });

  it("touches only the listed methods", async () => {
    const storage = faulty(new Storage(), modes.error("EIO"), { methods: ["put"] });
    await expect(storage.put("a", "1")).rejects.toMatchObject({ code: "EIO" });
    expect(await storage.get("a")).toBeUndefined();
    expect(storage.faulty.stats.byMethod).toEqual({ put: { calls: 1, failures: 1 } });
  });

  it("offers the mode as a Fault that puts the previous mode back on heal", async () => {
    const storage = faulty(new Storage(), modes.healthy(), { name: "origin" });
    const fault = storage.faulty.fault(modes.error("ECONNRESET"));
    expect(fault.describe()).toBe("faulty origin: ECONNRESET");
    const active = await fault.apply(undefined, { id: "q-1", random: Math.random });
    await expect(storage.get("a")).rejects.toMatchObject({ code: "ECONNRESET" });
    await active.heal();
    await active.heal();
    expect(active.healed).toBe(true);
    await expect(storage.get("a")).resolves.toBeUndefined();
  });

  it("describes modes for people", () => {
    expect(describeMode(modes.failEveryNth(3))).toBe("fail every 3rd call with ECONNRESET");
    expect(describeMode(modes.failAfterN(10, modes.timeout("2s")))).toBe("fail every call after the first 10 with a timeout after 2000ms");
    expect(describeMode(modes.timeout(Infinity))).toBe("a hang");
  });

  it("rejects bad modes and targets, naming the option", () => {
    expect(() => modes.failEveryNth(0)).toThrow(expect.objectContaining({ code: "FAULTLINE_INVALID_OPTION", option: "failEveryNth" }));
    expect(() => modes.partialRead(-1)).toThrow(expect.objectContaining({ option: "partialRead" }));
    expect(() => modes.error("reset")).toThrow(expect.objectContaining({ option: "code" }));
    expect(() => modes.timeout("soon" as never)).toThrow(expect.objectContaining({ code: "FAULTLINE_INVALID_DURATION", option: "timeout" }));
    expect(() => faulty(new Storage(), "broken" as never)).toThrow(expect.objectContaining({ option: "mode" }));
    expect(() => faulty({ faulty: true, async go() {} })).toThrow(expect.objectContaining({ option: "target" }));
  });
});
