import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fixturesDir, runJest, fileResult, failureText, type JestRun } from "./helpers/run-jest";

const project = join(fixturesDir, "basic");

describe("a consumer project using the preset", () => {
  let run: JestRun;
  beforeAll(async () => {
    run = await runJest(project, ["--runInBand"]);
  }, 180_000);

  it("provisions, faults and recovers real processes", () => {
    const lifecycle = fileResult(run, "lifecycle.test.js");
    expect(failureText(lifecycle)).toBe("");
    expect(lifecycle.assertionResults.map((a) => a.status)).toEqual(["passed", "passed", "passed", "passed", "passed", "passed", "passed"]);
  });

  it("heals a failed test's fault so the next test starts from steady state", () => {
    const result = fileResult(run, "middle-failure.test.js");
    const [failed, next] = result.assertionResults;
    expect(failed!.status).toBe("failed");
    expect(next!.status).toBe("passed");
  });

  it("ends a failed test's message with the timeline and the nodes' logs", () => {
    const message = fileResult(run, "middle-failure.test.js").assertionResults[0]!.failureMessages.join("\n");
    expect(message).toContain('faultline: cluster "tiny"');
    expect(message).toMatch(/fault kill applied: SIGKILL to n2/);
    expect(message).toMatch(/n2 exited \(signal SIGKILL\)/);
    expect(message).toMatch(/\[n1\] listening on \d+/);
  });

  it("prints a failing schedule's seed so the run can be replayed", () => {
    const message = fileResult(run, "schedule-failure.test.js").assertionResults[0]!.failureMessages.join("\n");
    expect(message).toContain("replay with seed: 1234");
  });

  it("refuses two faulted tests on one cluster at once", () => {
    const results = fileResult(run, "concurrent.test.js").assertionResults;
    expect(results.map((a) => a.status).sort()).toEqual(["failed", "passed"]);
    const message = results.find((a) => a.status === "failed")!.failureMessages.join("\n");
    expect(message).toMatch(/FAULTLINE_CONCURRENT_FAULTS: .*tried to fault cluster "tiny" while .* is faulting it/);
    expect(message).toContain("use test(), not test.concurrent()");
  });
});

describe("runner habits", () => {
  it("runs a single test selected with -t, as an IDE does", async () => {
    const run = await runJest(project, ["-t", "SIGTERM gives a clean exit", "lifecycle"]);
    const statuses = fileResult(run, "lifecycle.test.js").assertionResults.map((a) => a.status);
    expect(statuses.filter((s) => s === "passed")).toHaveLength(1);
    expect(statuses.filter((s) => s === "failed")).toHaveLength(0);
  }, 120_000);

  it("runs files in parallel workers without port collisions", async () => {
    const run = await runJest(project, ["--maxWorkers=2"]);
    expect(run.results.numFailedTests).toBe(3); // only the deliberate failures
    expect(run.results.numPassedTests).toBe(9);
  }, 180_000);
});

describe("test files sharing a worker", () => {
  it("do not inherit an HTTP interceptor (nock) that an earlier file left active", async () => {
    const run = await runJest(join(fixturesDir, "leaky-http"), ["--runInBand"]);
    const failures = run.results.testResults.map((file) => failureText(file).trim()).filter(Boolean);
    expect(failures).toEqual([]);
    expect(run.results.numPassedTests).toBe(2);
  }, 120_000);
});

describe("in-process faults in a file without a cluster", () => {
  it("are healed after a test whose body outlived Jest's timeout", async () => {
    const run = await runJest(join(fixturesDir, "in-process"), ["--runInBand"]);
    const [timedOut, next] = fileResult(run, "timeout.test.js").assertionResults;
    expect(timedOut!.status).toBe("failed");
    expect(timedOut!.failureMessages.join("\n")).toMatch(/Exceeded timeout of 500 ms/);
    expect(failureText({ name: "", status: "passed", message: "", assertionResults: [next!] }).trim()).toBe("");
    expect(next!.status).toBe("passed");
    // They reach the report too: a column of their own in the coverage matrix.
    const coverage = JSON.parse(readFileSync(join(fixturesDir, "in-process", "faultline-report", "coverage.json"), "utf8")) as {
      clusters: string[];
      rows: Array<{ kind: string; cells: Record<string, { failed: number }> }>;
    };
    expect(coverage.clusters).toEqual(["in-process"]);
    expect(coverage.rows).toEqual([expect.objectContaining({ kind: "http", cells: { "in-process": expect.objectContaining({ failed: 1 }) } })]);
  }, 120_000);
});
