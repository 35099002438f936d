import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { keeperDir, readKeeperInfo, type KeeperInfo } from "../../src/reuse/keeper-dir";
import { fixturesDir, linkFaultline, repoRoot, runJest, type JestRun } from "./helpers/run-jest";
import { LEAK_WARNINGS, processRunning, WatchedJest } from "./helpers/watch-jest";
import { until } from "../helpers/polling";

/**
 * Reusable clusters across runs, as a person rerunning one file sees them: the second run adopts
 * the nodes the first left with the keeper, a run killed with faults in force leaves nothing of
 * them for the next, a changed spec replaces the cluster, and `faultline clean`, the idle timeout
 * or a killed keeper leave nothing behind. Plain runs (CI) keep nothing.
 */

interface LogLine {
  name?: string;
  run?: string;
  dir?: string;
  reset?: string[];
  nodes?: Array<{ name: string; pid: number; state: string }>;
}

interface Project {
  dir: string;
  log: string;
  cleanup(): void;
}

function project(): Project {
  const root = mkdtempSync(join(tmpdir(), "fl-reuse-"));
  const dir = join(root, "project");
  cpSync(join(fixturesDir, "reuse"), dir, { recursive: true });
  linkFaultline(dir);
  return { dir, log: join(root, "reuse.log"), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

const env = (p: Project, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  FIXTURE_SERVERS: join(fixturesDir, "servers"),
  REUSE_LOG: p.log,
  FAULTLINE_REUSE: "1",
  ...extra,
});

function lines(p: Project): LogLine[] {
  if (!existsSync(p.log)) return [];
  return readFileSync(p.log, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as LogLine);
}

const tests = (p: Project): LogLine[] => lines(p).filter((l) => l.name);
const pidsOf = (line: LogLine): number[] => line.nodes!.map((n) => n.pid);

function expectPassed(run: JestRun, passed: number): void {
  expect({ failed: run.results.numFailedTests, passed: run.results.numPassedTests, stderr: run.code === 0 ? "" : run.stderr.slice(-2000) }).toEqual({
    failed: 0,
    passed,
    stderr: "",
  });
}

function keeperOf(p: Project): KeeperInfo | undefined {
  return readKeeperInfo(keeperDir(p.dir, "kept"));
}

/** The keeper, its cluster's node processes and its run folder are all gone (a generous hang guard). */
async function expectGone(keeper: KeeperInfo, pids: number[], keeperRun: string): Promise<void> {
  await until(() => !processRunning(keeper.pid) && pids.every((pid) => !processRunning(pid)) && !existsSync(keeperRun), 60_000);
  expect({ keeper: processRunning(keeper.pid), nodes: pids.filter(processRunning), keeperRun: existsSync(keeperRun) }).toEqual({
    keeper: false,
    nodes: [],
    keeperRun: false,
  });
}

/** The state letter of a process (R, S, T for stopped…). */
function processState(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0]!;
}

/** Runs Jest on the project until the held test says it holds its faults, then SIGKILLs the runner. */
async function runAndKillWhenHeld(p: Project): Promise<void> {
  const held = join(dirname(p.log), "held");
  const child = spawn(process.execPath, [join(repoRoot, "node_modules", "jest", "bin", "jest.js"), "--ci"], {
    cwd: p.dir,
    env: { ...process.env, FAULTLINE_RUN_DIR: "", ...env(p, { HOLD: held }) },
    stdio: "ignore",
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  try {
    await until(() => existsSync(held), 120_000);
  } finally {
    child.kill("SIGKILL");
    await exited;
  }
}

describe("a reusable cluster", () => {
  let p: Project;
  beforeEach(() => {
    p = project();
  });
  afterEach(async () => {
    const info = keeperOf(p);
    if (info) spawnSync(process.execPath, [join(repoRoot, "dist", "cli", "main.js"), "clean"], { stdio: "ignore" });
    p.cleanup();
  });

  it("is kept between runs that ask for it, comes back healed after a killed run, and is replaced when its spec changes", async () => {
    // A plain run (CI) keeps nothing, reuse: true or not.
    expectPassed(await runJest(p.dir, [], env(p, { FAULTLINE_REUSE: "" })), 2);
    expect(keeperOf(p)).toBeUndefined();
    const plain = tests(p)[0]!;
    await until(() => pidsOf(plain).every((pid) => !processRunning(pid)), 30_000);
    expect(pidsOf(plain).filter(processRunning)).toEqual([]);

    // Asked to reuse: the first run makes the cluster and its keeper; the second adopts its nodes.
    expectPassed(await runJest(p.dir, [], env(p)), 2);
    const keeper = keeperOf(p)!;
    expect(processRunning(keeper.pid)).toBe(true);
    // Its socket is in a folder only this user can enter: no one else can drive the cluster.
    expect(statSync(keeperDir(p.dir, "kept")).mode & 0o777).toBe(0o700);
    const first = tests(p).at(-1)!;
    expect(pidsOf(first).every(processRunning)).toBe(true);
    expect(lines(p).filter((l) => l.reset)).toEqual([]); // reset runs only on a reused cluster
    expectPassed(await runJest(p.dir, [], env(p)), 2);
    const second = tests(p).at(-1)!;
    expect(second.run).not.toBe(first.run);
    expect(pidsOf(second)).toEqual(pidsOf(first));
    expect(second.dir).toBe(first.dir); // the same cluster, the same folder
    expect(lines(p).filter((l) => l.reset)).toEqual([{ reset: ["running", "running", "running"] }]);

    // A run killed while n2 is paused and n3 killed: the keeper resumes n2, the next run starts n3.
    await runAndKillWhenHeld(p);
    const held = tests(p).find((l) => l.name === "held")!;
    expect(held.nodes!.map((n) => n.state)).toEqual(["running", "paused", "exited"]);
    await until(() => processState(pidsOf(first)[1]!) !== "T", 30_000);
    expect(processState(pidsOf(first)[1]!)).not.toBe("T");
    expectPassed(await runJest(p.dir, [], env(p)), 2);
    const after = tests(p).at(-1)!;
    expect(after.nodes!.map((n) => n.state)).toEqual(["running", "running", "running"]);
    expect(pidsOf(after).slice(0, 2)).toEqual(pidsOf(first).slice(0, 2));
    expect(pidsOf(after)[2]).not.toBe(pidsOf(first)[2]);
    expect(keeperOf(p)!.pid).toBe(keeper.pid);

    // The spec changes: the old keeper stops its cluster, a new one keeps the new spec.
    const module = join(p.dir, "kept.cluster.js");
    writeFileSync(module, readFileSync(module, "utf8").replace("const NODES = 3;", "const NODES = 2;"));
    expectPassed(await runJest(p.dir, [], env(p)), 2);
    const changed = tests(p).at(-1)!;
    expect(changed.nodes).toHaveLength(2);
    expect(keeperOf(p)!.pid).not.toBe(keeper.pid);
    await expectGone(keeper, pidsOf(after), dirname(after.dir!));

    // faultline clean stops the keeper: nothing of the cluster is left.
    const last = keeperOf(p)!;
    const clean = spawnSync(process.execPath, [join(repoRoot, "dist", "cli", "main.js"), "clean"], { encoding: "utf8" });
    expect(clean.stdout).toContain(`stopped reused cluster kept of ${p.dir} (keeper pid ${last.pid})`);
    await expectGone(last, pidsOf(changed), dirname(changed.dir!));
    expect(existsSync(keeperDir(p.dir, "kept"))).toBe(false);
  }, 300_000);

  it("is stopped after its idle timeout, and by its watchdog when the keeper is killed", async () => {
    expectPassed(await runJest(p.dir, [], env(p, { FAULTLINE_REUSE_IDLE: "1s" })), 2);
    const idle = keeperOf(p)!;
    const idleRun = tests(p).at(-1)!;
    await expectGone(idle, pidsOf(idleRun), dirname(idleRun.dir!));
    expect(existsSync(keeperDir(p.dir, "kept"))).toBe(false);

    expectPassed(await runJest(p.dir, [], env(p)), 2);
    const killed = keeperOf(p)!;
    const killedRun = tests(p).at(-1)!;
    process.kill(killed.pid, "SIGKILL");
    await expectGone(killed, pidsOf(killedRun), dirname(killedRun.dir!));
    // The next run finds the dead keeper's folder and starts afresh.
    expectPassed(await runJest(p.dir, [], env(p)), 2);
    expect(keeperOf(p)!.pid).not.toBe(killed.pid);
  }, 300_000);

  it("is kept across reruns of jest --watchAll, which asks for reuse by itself", async () => {
    const jest = new WatchedJest(p.dir, join(dirname(p.log), "results.json"), [], env(p, { FAULTLINE_REUSE: "" }));
    try {
      expect((await jest.waitForRun(1)).numPassedTests).toBe(2);
      jest.press("\r");
      expect((await jest.waitForRun(2)).numPassedTests).toBe(2);
      const [first, second] = tests(p);
      expect(second!.run).not.toBe(first!.run);
      expect(pidsOf(second!)).toEqual(pidsOf(first!));
      expect(await jest.quit()).toBe(0);
      for (const warning of LEAK_WARNINGS) expect(jest.output).not.toMatch(warning);
    } finally {
      jest.stop();
    }
    // The watcher is gone; the keeper keeps the cluster for the next session, until clean.
    const keeper = keeperOf(p)!;
    expect([processRunning(keeper.pid), ...pidsOf(tests(p)[1]!).map(processRunning)]).toEqual([true, true, true, true]);
    spawnSync(process.execPath, [join(repoRoot, "dist", "cli", "main.js"), "clean"], { stdio: "ignore" });
    await expectGone(keeper, pidsOf(tests(p)[1]!), dirname(tests(p)[1]!.dir!));
  }, 300_000);
});
