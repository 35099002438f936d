import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixturesDir, linkFaultline, repoRoot } from "./helpers/run-jest";
import { alive, until } from "../helpers/polling";

const project = join(fixturesDir, "reaper");

describe.each([
  ["in band", ["--runInBand"]],
  ["in a worker", ["--maxWorkers=1", "--workerThreads=false"]],
])("when Jest is SIGKILLed (%s)", (_mode, args) => {
  it("the watchdog removes every node process and the run directory", async () => {
    linkFaultline(project);
    const dir = mkdtempSync(join(tmpdir(), "fl-reaper-"));
    const pidsFile = join(dir, "pids.json");
    const jest = spawn(process.execPath, [join(repoRoot, "node_modules", "jest", "bin", "jest.js"), ...args, "hang"], {
      cwd: project,
      env: { ...process.env, FAULTLINE_RUN_DIR: "", FAULTLINE_PIDS_FILE: pidsFile },
      stdio: "ignore",
    });
    try {
      expect(await until(() => existsSync(pidsFile), 100_000)).toBe(true);
      const { pids, runDir } = JSON.parse(readFileSync(pidsFile, "utf8")) as { pids: number[]; runDir: string };
      expect(pids).toHaveLength(3);
      expect(pids.every(alive)).toBe(true);
      expect(existsSync(runDir)).toBe(true);

      jest.kill("SIGKILL");

      expect(await until(() => !pids.some(alive), 15_000)).toBe(true);
      expect(await until(() => !existsSync(runDir), 15_000)).toBe(true);
    } finally {
      if (jest.exitCode === null) jest.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
