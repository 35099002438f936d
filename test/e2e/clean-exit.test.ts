import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixturesDir, runJest, type JestRun } from "./helpers/run-jest";

const project = join(fixturesDir, "clean-exit");

/** What Jest prints when something outlives the tests: each is a leak faultline must not cause. */
const LEAK_WARNINGS = [
  /did not exit one second after the test run has completed/,
  /has failed to exit gracefully and has been force exited/,
  /Jest has detected the following \d+ open handles?/,
  /open handle/i,
  /--detectOpenHandles/,
];

interface Checked {
  run: JestRun;
  /** The watchdog as faultline's global teardown left it: its state in /proc, or null once reaped. */
  watchdog: { watchdogPid: number; state: string | null };
}

async function runWithoutForceExit(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Checked> {
  const dir = mkdtempSync(join(tmpdir(), "fl-clean-exit-"));
  try {
    const checkFile = join(dir, "teardown.json");
    // No --forceExit: Jest has to end by itself; a hang ends at runJest's guard with no exit code.
    const run = await runJest(project, args, { FAULTLINE_CHECK_FILE: checkFile, FAULTLINE_REPORT_DIR: join(dir, "report"), ...env }, 150_000);
    return { run, watchdog: JSON.parse(readFileSync(checkFile, "utf8")) as Checked["watchdog"] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function expectCleanExit({ run, watchdog }: Checked): void {
  expect(run.code).toBe(0);
  expect(run.results.numFailedTests).toBe(0);
  expect(run.results.numPassedTests).toBe(6);
  for (const warning of LEAK_WARNINGS) expect(run.stderr + run.stdout).not.toMatch(warning);
  // Reaped before teardown returned: no child left for Node's exit-time handle cleanup.
  expect(watchdog.state).toBeNull();
}

describe("Jest exits by itself after a file with a cluster (no --forceExit)", () => {
  it("with parallel workers, none force-exited", async () => {
    expectCleanExit(await runWithoutForceExit(["--maxWorkers=2"]));
  }, 180_000);

  it("in band", async () => {
    expectCleanExit(await runWithoutForceExit(["--runInBand"]));
  }, 180_000);

  it("with --detectOpenHandles, which reports nothing", async () => {
    expectCleanExit(await runWithoutForceExit(["--detectOpenHandles"]));
  }, 180_000);
});

describe("global setup sweeping a dead run", () => {
  let tmp: string;
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), "fl-dead-docker-run-"));
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  // The sweep of a run that died with Docker objects registered waits a moment for creates the
  // engine may still be finishing. Nothing else keeps Jest's process alive during global setup:
  // an unref'd wait there ended Jest with code 0 and not a test run.
  it("runs the tests after a dead run that used Docker was swept", async () => {
    const id = "dead01";
    const runDir = join(tmp, `faultline-${process.getuid?.() ?? 0}`, id);
    mkdirSync(runDir, { recursive: true, mode: 0o700 });
    const deadPid = spawnSync("true").pid;
    writeFileSync(join(runDir, "owner.json"), JSON.stringify({ id, dir: runDir, ownerPid: deadPid, ownerStart: "1" }));
    const container = `fl-${id}-docker-1-1-abcdef-n1`;
    writeFileSync(
      join(runDir, "registry.jsonl"),
      `${JSON.stringify({ op: "add", key: `dc:${container}`, resource: { kind: "docker-container", id: container, label: `docker/n1 (container ${container})` } })}\n`,
    );
    // TMPDIR moves the runs root (os.tmpdir()/faultline-<uid>) to a folder of this test's own.
    expectCleanExit(await runWithoutForceExit(["--runInBand"], { TMPDIR: tmp }));
  }, 180_000);
});
