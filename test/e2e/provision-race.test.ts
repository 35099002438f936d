import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixturesDir, runJest, fileResult, failureText, type JestRun } from "./helpers/run-jest";

const project = join(fixturesDir, "provision-race");

/** Which node pids the fixture's reporter found alive once a test file had ended. */
function aliveAtEnd(dir: string, file: string): { pids: number[]; alive: number[] } {
  return JSON.parse(readFileSync(join(dir, `${file}.json`), "utf8")) as { pids: number[]; alive: number[] };
}

describe("a cluster still provisioning when its file gives up", () => {
  let run: JestRun;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "fl-provision-race-"));
    run = await runJest(project, ["--runInBand"], { FAULTLINE_PIDS_DIR: dir });
  }, 180_000);
  afterAll(() => {
    // Anything still alive here was started by the fixture run: ours to end.
    for (const pid of [...aliveAtEnd(dir, "timeout.test.js").alive, ...aliveAtEnd(dir, "sibling.test.js").alive]) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("is stopped before the file ends when beforeAll timed out", () => {
    expect(failureText(fileResult(run, "timeout.test.js"))).toMatch(/Exceeded timeout of 3000 ms for a hook/);
    const { pids, alive } = aliveAtEnd(dir, "timeout.test.js");
    expect(pids).toHaveLength(2); // both nodes had started: the case this guards
    expect(alive).toEqual([]);
  });

  it("is stopped before the file ends when a sibling cluster failed", () => {
    expect(failureText(fileResult(run, "sibling.test.js"))).toMatch(/exited|crash/i);
    const { pids, alive } = aliveAtEnd(dir, "sibling.test.js");
    expect(pids.length).toBeGreaterThanOrEqual(2);
    expect(alive).toEqual([]);
  });
});
