import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixturesDir } from "./helpers/run-jest";
import { LEAK_WARNINGS, processRunning, readWatchLog, WatchedJest, type WatchLogLine } from "./helpers/watch-jest";

/**
 * `jest --watchAll` as a person runs it while editing: reruns, edits to the test file and to the
 * cluster module, a test-name filter, then quitting — or the terminal killed under it.
 */

interface Project {
  dir: string;
  logFile: string;
  resultsFile: string;
  cleanup(): void;
}

/** A copy of the watch fixture in a folder of its own (the test edits its files). */
function project(): Project {
  const root = mkdtempSync(join(tmpdir(), "fl-watch-"));
  const dir = join(root, "project");
  cpSync(join(fixturesDir, "watch"), dir, { recursive: true, filter: (source) => !source.includes("node_modules") && !source.includes("faultline-report") });
  // The log and Jest's results live outside the project, where the watcher cannot see them.
  return { dir, logFile: join(root, "watch.log"), resultsFile: join(root, "results.json"), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

function env(p: Project): NodeJS.ProcessEnv {
  return { WATCH_LOG: p.logFile, FIXTURE_SERVERS: join(fixturesDir, "servers") };
}

/** Every process and run folder the runs left a trace of. */
function traces(lines: WatchLogLine[]): { pids: number[]; runDirs: string[] } {
  const pids = new Set<number>();
  const runDirs = new Set<string>();
  for (const line of lines) {
    for (const pid of [...line.pids, line.worker, line.watchdogPid]) pids.add(pid);
    runDirs.add(line.runDir);
  }
  return { pids: [...pids], runDirs: [...runDirs] };
}

/** Nothing of any run is left: no node, worker or watchdog process, no run folder (and so nothing registered). */
async function expectNothingLeft(jest: WatchedJest, lines: WatchLogLine[]): Promise<void> {
  const { pids, runDirs } = traces(lines);
  expect(pids.length).toBeGreaterThan(0);
  // A killed runner's watchdog reaps in the background: a generous hang guard, not a speed limit.
  await jest
    .until(() => pids.every((pid) => !processRunning(pid)) && runDirs.every((dir) => !existsSync(dir)), 60_000, "every process and run folder to be gone")
    .catch(() => undefined);
  expect(pids.filter(processRunning)).toEqual([]);
  expect(runDirs.filter((dir) => existsSync(dir))).toEqual([]);
}

function expectPassed(results: { numFailedTests: number; numPassedTests: number; numTotalTests: number }, passed: number, total = passed): void {
  expect({ failed: results.numFailedTests, passed: results.numPassedTests, total: results.numTotalTests }).toEqual({ failed: 0, passed, total });
}

describe("jest --watchAll on a file with a cluster", () => {
  let p: Project;
  let jest: WatchedJest | undefined;
  beforeEach(() => {
    p = project();
  });
  afterEach(() => {
    jest?.stop();
    p.cleanup();
  });

  it("reruns, follows edits to the test and the cluster module, filters by name, and quits leaving nothing", async () => {
    jest = new WatchedJest(p.dir, p.resultsFile, [], env(p));
    expectPassed(await jest.waitForRun(1), 3);

    // Enter, twice: the same file again, a new run each time.
    jest.press("\r");
    expectPassed(await jest.waitForRun(2), 3);
    jest.press("\r");
    expectPassed(await jest.waitForRun(3), 3);

    // The test file changes: the watcher reruns it, with the new test.
    const testFile = join(p.dir, "cluster.test.js");
    writeFileSync(
      testFile,
      `${readFileSync(testFile, "utf8")}\ntest("a test added while watching", async () => {\n  await expect(cluster).toBeHealthy();\n});\n`,
    );
    expectPassed(await jest.waitForRun(4), 4);

    // The cluster module changes: the next run provisions the new spec, not a cached one.
    const clusterFile = join(p.dir, "tiny.cluster.js");
    writeFileSync(clusterFile, readFileSync(clusterFile, "utf8").replace("const NODES = 3;", "const NODES = 2;"));
    expectPassed(await jest.waitForRun(5), 4);
    const runs = new Map<string, number[]>();
    for (const line of readWatchLog(p.logFile)) runs.set(line.runDir, [...(runs.get(line.runDir) ?? []), line.nodes]);
    expect([...runs.values()].map((nodes) => [...new Set(nodes)])).toEqual([[3], [3], [3], [3], [2]]);

    // A test-name filter, typed at the watch prompt as -t would give it.
    jest.press("t");
    await jest.until(() => /pattern ›/.test(jest!.output.slice(-500)), 30_000, "the test name prompt");
    await jest.type("healthy\r");
    const filtered = await jest.waitForRun(6);
    expect({ passed: filtered.numPassedTests, failed: filtered.numFailedTests }).toEqual({ passed: 1, failed: 0 });
    expect(readWatchLog(p.logFile).at(-1)?.name).toBe("healthy");

    expect(await jest.quit()).toBe(0);
    for (const warning of LEAK_WARNINGS) expect(jest.output).not.toMatch(warning);
    expect(jest.output).not.toMatch(/Test run was interrupted/);
    await expectNothingLeft(jest, readWatchLog(p.logFile));
  }, 600_000);

  it("leaves nothing behind when the watcher is killed in the middle of a rerun", async () => {
    jest = new WatchedJest(p.dir, p.resultsFile, [], env(p));
    expectPassed(await jest.waitForRun(1), 3);
    const firstRun = readWatchLog(p.logFile)[0]!.runDir;
    jest.press("\r");
    // The rerun's cluster is up and its tests are running: then the terminal goes, runner and all.
    await jest.until(() => readWatchLog(p.logFile).some((line) => line.runDir !== firstRun), 120_000, "the rerun's first test");
    const { runner } = readWatchLog(p.logFile).at(-1)!;
    process.kill(runner, "SIGKILL");
    jest.stop();
    await expectNothingLeft(jest, readWatchLog(p.logFile));
  }, 300_000);
});
