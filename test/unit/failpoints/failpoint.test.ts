import fc from "fast-check";
import { failpoint, failpoints, failpointSync } from "../../../src/failpoints";
import { seededRandom } from "../../../src/common/random";

// Captured before any test fakes timers (fake timers replace performance.now too).
const now = performance.now.bind(performance);

/** A seeded PRNG so probability runs are reproducible. */
const seeded = seededRandom;

/** Feeds the given values to `%` modifiers, in order. */
function scripted(...values: number[]): () => number {
  let i = 0;
  return () => values[i++] ?? 0.999;
}

async function evaluate(name: string, times: number): Promise<unknown[]> {
  const results: unknown[] = [];
  for (let i = 0; i < times; i++) results.push(await failpoint(name));
  return results;
}

afterEach(() => {
  failpoints.disableAll();
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe("failpoint()", () => {
  it("resolves to undefined, with one shared settled promise, when nothing is enabled", async () => {
    expect(failpoint("nothing.here")).toBe(failpoint("other"));
    await expect(failpoint("nothing.here")).resolves.toBeUndefined();
    failpoints.enable("something.else", "return(1)");
    await expect(failpoint("nothing.here")).resolves.toBeUndefined();
  });

  it("resolves to the value of return(v), and true for a bare return", async () => {
    failpoints.enable("cas.put", 'return({"status":503})');
    await expect(failpoint<{ status: number }>("cas.put")).resolves.toEqual({ status: 503 });
    failpoints.enable("cas.put", "return");
    await expect(failpoint("cas.put")).resolves.toBe(true);
  });

  it("fires a counted term that many times, then does nothing", async () => {
    failpoints.enable("n", "3*return(7)");
    expect(await evaluate("n", 5)).toEqual([7, 7, 7, undefined, undefined]);
    expect(failpoints.count("n")).toBe(3);
  });

  it("walks a chain: 3*off->return(2) is off three times, then returns forever", async () => {
    failpoints.enable("chain", "3*off->return(2)");
    expect(await evaluate("chain", 6)).toEqual([undefined, undefined, undefined, 2, 2, 2]);
    expect(failpoints.count("chain")).toBe(3); // off does not count as firing
  });

  it("falls through to the next term once a count is spent", async () => {
    failpoints.enable("fall", '1*return("a")->2*return("b")->return("c")');
    expect(await evaluate("fall", 5)).toEqual(["a", "b", "b", "c", "c"]);
  });

  it("applies a probability term about that often over many evaluations (seeded)", async () => {
    failpoints.enable("p", "30%return(1)", { random: seeded(42) });
    const fired = (await evaluate("p", 10_000)).filter((v) => v === 1).length;
    expect(fired).toBeGreaterThan(2_800);
    expect(fired).toBeLessThan(3_200);
  });

  it("compares the random draw against the percentage", async () => {
    failpoints.enable("edge", "50%return(1)", { random: scripted(0.49, 0.5, 0.0, 0.99) });
    expect(await evaluate("edge", 4)).toEqual([1, undefined, 1, undefined]);
  });

  it("consumes a count only when the probability before it passed (50%3*return)", async () => {
    failpoints.enable("both", "50%3*return(1)", { random: scripted(0.9, 0.1, 0.9, 0.1, 0.1, 0.1, 0.1) });
    expect(await evaluate("both", 7)).toEqual([undefined, 1, undefined, 1, 1, undefined, undefined]);
    expect(failpoints.count("both")).toBe(3);
  });

  it("fires n*return exactly min(n, evaluations) times (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 40 }), async (n, m) => {
        failpoints.enable("prop", `${n}*return(1)`);
        const fired = (await evaluate("prop", m)).filter((v) => v === 1).length;
        return fired === Math.min(n, m) && failpoints.count("prop") === fired;
      }),
      { numRuns: 50 },
    );
  });

  it("sleeps on real timers, so a test's fake timers cannot stall it", async () => {
    failpoints.enable("slow", "sleep(30)");
    jest.useFakeTimers();
    const started = now();
    await expect(failpoint("slow")).resolves.toBeUndefined();
    expect(now() - started).toBeGreaterThanOrEqual(25);
  });

  it("pauses until the failpoint is set again or disabled", async () => {
    failpoints.enable("gate", "pause");
    let settled = false;
    const first = failpoint("gate").then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled).toBe(false);
    failpoints.enable("gate", "return(1)"); // reconfiguring releases the waiter
    await first;
    expect(settled).toBe(true);
    await expect(failpoint("gate")).resolves.toBe(1);

    failpoints.enable("gate", "pause");
    const second = failpoint("gate");
    failpoints.disable("gate");
    await expect(second).resolves.toBeUndefined();
  });

  it("rejects with FAULTLINE_FAILPOINT on panic, naming the failpoint", async () => {
    failpoints.enable("wal.sync", "panic(disk gone)");
    await expect(failpoint("wal.sync")).rejects.toMatchObject({
      code: "FAULTLINE_FAILPOINT",
      message: expect.stringContaining('failpoint "wal.sync" panicked: disk gone'),
    });
  });

  it("prints to stderr and carries on", async () => {
    const write = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    failpoints.enable("trace", 'print("reached")');
    await expect(failpoint("trace")).resolves.toBeUndefined();
    expect(write).toHaveBeenCalledWith("failpoint print: trace: reached\n");
  });
});

describe("failpointSync()", () => {
  it("returns values, blocks the thread for sleep and throws for panic and pause", () => {
    expect(failpointSync("absent")).toBeUndefined();
    failpoints.enable("s", "1*return(5)->1*sleep(40)->1*panic->pause");
    expect(failpointSync("s")).toBe(5);
    const started = now();
    expect(failpointSync("s")).toBeUndefined();
    expect(now() - started).toBeGreaterThanOrEqual(35);
    expect(() => failpointSync("s")).toThrow(/failpoint "s" panicked/);
    expect(() => failpointSync("s")).toThrow(/cannot do without blocking the thread forever/);
  });
});

describe("failpoints control", () => {
  it("replaces terms and resets the count on enable, keeps the count readable after disable", async () => {
    failpoints.enable("x", "return(1)");
    await evaluate("x", 2);
    expect(failpoints.count("x")).toBe(2);
    failpoints.enable("x", "return(2)");
    expect(failpoints.count("x")).toBe(0);
    await evaluate("x", 1);
    expect(failpoints.disable("x")).toBe(true);
    expect(failpoints.disable("x")).toBe(false);
    expect(failpoints.count("x")).toBe(1);
    expect(failpoints.terms("x")).toBeUndefined();
    await expect(failpoint("x")).resolves.toBeUndefined();
    expect(failpoints.count("never")).toBeUndefined();
  });

  it("keeps the old terms when new ones do not parse", async () => {
    failpoints.enable("keep", "return(1)");
    expect(() => failpoints.enable("keep", "retrun(2)")).toThrow(/unknown action "retrun"/);
    await expect(failpoint("keep")).resolves.toBe(1);
  });

  it("lists enabled failpoints sorted by name", () => {
    failpoints.enable("b", "off");
    failpoints.enable("a", " 50%return(1) ");
    expect(failpoints.list()).toEqual([
      { name: "a", terms: "50%return(1)", count: 0 },
      { name: "b", terms: "off", count: 0 },
    ]);
  });

  it("shares one set of failpoints between two copies of the module", async () => {
    let copy: typeof import("../../../src/failpoints") | undefined;
    jest.isolateModules(() => {
      copy = jest.requireActual<typeof import("../../../src/failpoints")>("../../../src/failpoints");
    });
    expect(copy!.failpoints).not.toBe(failpoints);
    copy!.failpoints.enable("shared", "return(3)");
    await expect(failpoint("shared")).resolves.toBe(3);
  });
});
