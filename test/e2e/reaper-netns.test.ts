import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { requireOrSkip } from "../helpers/requirements";
import { netnsProblem } from "../../src/provisioners/netns/capabilities";
import { fixturesDir, linkFaultline, repoRoot } from "./helpers/run-jest";
import { until } from "../helpers/polling";

const project = join(fixturesDir, "reaper-netns");

/** Kernel objects and firewall chains whose names carry the run id. */
function leftovers(runId: string): string[] {
  const read = (cmd: string, args: string[]): string => {
    try {
      return execFileSync(cmd, args, { encoding: "utf8" });
    } catch {
      return "";
    }
  };
  const mark = `fl-${runId}`;
  const namespaces = read("ip", ["netns", "list"])
    .split("\n")
    .filter((l) => l.includes(mark));
  const links = read("ip", ["-o", "link", "show"])
    .split("\n")
    .filter((l) => l.includes(mark));
  const chains = read("iptables", ["-S"])
    .split("\n")
    .filter((l) => l.includes(mark));
  return [...namespaces, ...links, ...chains];
}

requireOrSkip("netns", netnsProblem)("when Jest is SIGKILLed with a netns cluster and a partition active", () => {
  it("the watchdog removes the namespaces, veths, bridge and firewall rules of the run", async () => {
    linkFaultline(project);
    const dir = mkdtempSync(join(tmpdir(), "fl-reaper-netns-"));
    const pidsFile = join(dir, "pids.json");
    const jest = spawn(process.execPath, [join(repoRoot, "node_modules", "jest", "bin", "jest.js"), "--runInBand", "hang"], {
      cwd: project,
      env: { ...process.env, FAULTLINE_RUN_DIR: "", FAULTLINE_PIDS_FILE: pidsFile },
      stdio: "ignore",
    });
    try {
      expect(await until(() => existsSync(pidsFile), 100_000)).toBe(true);
      const { runDir } = JSON.parse(readFileSync(pidsFile, "utf8")) as { runDir: string };
      const runId = basename(runDir);
      expect(leftovers(runId).length).toBeGreaterThan(3); // namespaces, veths, bridge, chains exist

      jest.kill("SIGKILL");

      expect(await until(() => leftovers(runId).length === 0, 20_000)).toBe(true);
      expect(await until(() => !existsSync(runDir), 10_000)).toBe(true);
    } finally {
      if (jest.exitCode === null) jest.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
