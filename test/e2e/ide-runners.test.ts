import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixturesDir, fileResult, runJest, type JestRun } from "./helpers/run-jest";
import { LEAK_WARNINGS } from "./helpers/watch-jest";

/**
 * What an IDE runs — one test by its full name, one file by path, its own reporters on the
 * command line, a debugger in NODE_OPTIONS — behaves like a full run: the same lifecycle (the
 * cluster provisioned, the fault healed, the cluster restored), and the same report entry.
 */

const project = join(fixturesDir, "basic");
const file = join(project, "lifecycle.test.js");
const PAUSED = "a paused node is resumed after the test";
const KILLED = "recovers after a node is killed";

interface FaultEntry {
  kind: string;
  targets: string[];
  mechanism: string;
  healedAt?: number;
}
interface Outcome {
  testName: string;
  status: string;
  clusters: Array<{ name: string; nodes: string[]; faults: FaultEntry[]; recoveries: Array<{ ok: boolean }> }>;
}

interface IdeRun {
  run: JestRun;
  outcomes: Map<string, Outcome>;
  summary?: { tests: { total: number }; faults: { byKind: Record<string, number> } };
  reportDir: string;
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<IdeRun> {
  const dir = mkdtempSync(join(tmpdir(), "fl-ide-"));
  dirs.push(dir);
  const reportDir = join(dir, "report");
  const result = await runJest(project, args, { FAULTLINE_REPORT_DIR: reportDir, ...env }, 150_000);
  const outcomes = new Map<string, Outcome>();
  const runs = join(reportDir, "runs");
  for (const fileDir of existsSync(runs) ? readdirSync(runs) : []) {
    for (const testDir of readdirSync(join(runs, fileDir))) {
      const outcome = JSON.parse(readFileSync(join(runs, fileDir, testDir, "outcome.json"), "utf8")) as Outcome;
      outcomes.set(outcome.testName, outcome);
    }
  }
  const summaryFile = join(reportDir, "summary.json");
  const summary = existsSync(summaryFile) ? (JSON.parse(readFileSync(summaryFile, "utf8")) as IdeRun["summary"]) : undefined;
  return { run: result, outcomes, summary, reportDir };
}

/** What must match a full run: the status, and per cluster its nodes, the faults (healed) and the recoveries. */
function lifecycle(outcome: Outcome | undefined): unknown {
  return {
    status: outcome?.status,
    clusters: outcome?.clusters.map((c) => ({
      name: c.name,
      nodes: c.nodes,
      faults: c.faults.map((f) => ({ kind: f.kind, targets: f.targets, mechanism: f.mechanism, healed: f.healedAt !== undefined })),
      recoveries: c.recoveries.map((r) => r.ok),
    })),
  };
}

function expectOnly(ide: IdeRun, name: string): void {
  expect(ide.run.code).toBe(0);
  const statuses = Object.fromEntries(fileResult(ide.run, "lifecycle.test.js").assertionResults.map((a) => [a.fullName, a.status]));
  expect(Object.entries(statuses).filter(([, status]) => status === "passed")).toEqual([[name, "passed"]]);
  expect(Object.values(statuses).filter((status) => status === "failed")).toEqual([]);
  for (const warning of LEAK_WARNINGS) expect(ide.run.stderr).not.toMatch(warning);
}

describe("a test run from an IDE behaves like a full run", () => {
  let full: IdeRun;
  beforeAll(async () => {
    full = await run(["--runInBand", file]);
  }, 180_000);

  it("the full run this is compared with healed its faults and reported both tests", () => {
    expect(full.run.code).toBe(0);
    expect(lifecycle(full.outcomes.get(PAUSED))).toEqual({
      status: "passed",
      clusters: [
        { name: "tiny", nodes: ["n1", "n2", "n3"], faults: [{ kind: "pause", targets: ["n3"], mechanism: expect.any(String), healed: true }], recoveries: [] },
      ],
    });
    expect(lifecycle(full.outcomes.get(KILLED))).toMatchObject({
      status: "passed",
      clusters: [{ faults: [{ kind: "kill", healed: true }], recoveries: [true] }],
    });
  });

  it("VS Code's Jest extension: one test by its full name, its own reporters replacing the preset's", async () => {
    const ide = await run([
      "--testLocationInResults",
      "--reporters",
      "default",
      "--reporters",
      join(fixturesDir, "ide", "stand-in-reporter.js"),
      "--testNamePattern",
      `^${PAUSED}$`,
      "--runTestsByPath",
      file,
    ]);
    expectOnly(ide, PAUSED);
    expect(lifecycle(ide.outcomes.get(PAUSED))).toEqual(lifecycle(full.outcomes.get(PAUSED)));
    // The report is written all the same, by global teardown, with this test's entry.
    expect(ide.summary?.faults.byKind).toEqual({ pause: 1 });
    expect(readFileSync(join(ide.reportDir, "index.html"), "utf8")).toContain(PAUSED);
    expect(ide.run.stderr).toMatch(/faultline: 1 fault injected \(pause ×1\)/);
  }, 180_000);

  it("WebStorm's runner: one file by path and one test by name, with its reporter", async () => {
    const ide = await run([
      "--reporters",
      join(fixturesDir, "ide", "stand-in-reporter.js"),
      "--verbose",
      `--testNamePattern=^${KILLED}$`,
      "--runTestsByPath",
      file,
    ]);
    expectOnly(ide, KILLED);
    expect(lifecycle(ide.outcomes.get(KILLED))).toEqual(lifecycle(full.outcomes.get(KILLED)));
    expect(ide.summary?.faults.byKind).toEqual({ kill: 1 });
  }, 180_000);

  it("a debug session: the inspector and a debugger's bootloader in NODE_OPTIONS, in band", async () => {
    const preloadLog = join(mkdtempSync(join(tmpdir(), "fl-ide-preload-")), "loaded.txt");
    dirs.push(join(preloadLog, ".."));
    const ide = await run(["--runInBand", "-t", PAUSED, file], {
      NODE_OPTIONS: `--inspect=127.0.0.1:0 --require ${join(fixturesDir, "ide", "debugger-preload.js")}`,
      PRELOAD_LOG: preloadLog,
    });
    expectOnly(ide, PAUSED);
    expect(lifecycle(ide.outcomes.get(PAUSED))).toEqual(lifecycle(full.outcomes.get(PAUSED)));
    expect(ide.run.stderr).toMatch(/Debugger listening on ws:\/\/127\.0\.0\.1/);
    const loaded = readFileSync(preloadLog, "utf8").split("\n").filter(Boolean);
    expect(loaded.some((script) => script.endsWith("jest.js"))).toBe(true);
    // The watchdog is not the user's to debug: a breakpoint there would stop the reaping.
    expect(loaded.filter((script) => script.includes("watchdog"))).toEqual([]);
  }, 180_000);
});
