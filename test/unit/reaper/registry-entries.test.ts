import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanupRun, teardownError } from "../../../src/reaper/cleanup";
import { processStartTime, processState } from "../../../src/reaper/process-identity";
import { Registry, registryFile } from "../../../src/reaper/registry";
import { runsRoot } from "../../../src/reaper/run-dir";
import { beginRun, endRun } from "../../../src/reaper/run-context";
import { sweepDeadRuns } from "../../../src/reaper/sweep";

/** A detached process group of our own (a `setsid sleep`), killed after each test. */
async function spawnGroup(): Promise<{ pid: number; exited: Promise<unknown> }> {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { detached: true, stdio: "ignore" });
  await new Promise((resolve) => child.once("spawn", resolve));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  started.push(child.pid!);
  return { pid: child.pid!, exited };
}
const started: number[] = [];

describe("the registry holds data, never programs", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "fl-registry-"));
  });
  afterEach(() => {
    for (const pid of started.splice(0)) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  function plant(resource: unknown): void {
    writeFileSync(registryFile(dir), JSON.stringify({ op: "add", key: "k", resource }) + "\n", { flag: "a" });
  }

  it("resolves an undo command's programs to absolute paths when it is registered", () => {
    new Registry(dir).add({ kind: "command", argv: ["nsenter", "--net=/run/netns/fl-x", "--", "iptables", "-w", "-X", "fl-x-p1"], label: "chain" });
    const [entry] = new Registry(dir).live();
    expect(entry).toMatchObject({
      kind: "command",
      argv: [expect.stringMatching(/^\/.*\/nsenter$/), "--net=/run/netns/fl-x", "--", expect.stringMatching(/^\/.*\/iptables$/), "-w", "-X", "fl-x-p1"],
    });
  });

  it.each([
    ["a program faultline does not use", ["touch", "/tmp/x"]],
    ["a tool wrapping another program", ["nsenter", "--net=/run/netns/fl-x", "--", "sh", "-c", "id"]],
    ["a flush of a whole table", ["iptables", "-w", "-F"]],
    ["a removal outside the runs root", ["rm", "-f", "/etc/hostname"]],
  ])("refuses to register %s", (_, argv) => {
    expect(() => new Registry(dir).add({ kind: "command", argv, label: "bad" })).toThrow(expect.objectContaining({ code: "FAULTLINE_INVALID_OPTION" }));
  });

  it.each([
    ["a relative program", { kind: "command", argv: ["touch", "PWNED"], label: "x" }],
    ["an absolute program that is not one of faultline's tools", { kind: "command", argv: ["/usr/bin/touch", "PWNED"], label: "x" }],
    ["a tool running a program of the entry's choice", { kind: "command", argv: ["/usr/bin/nsenter", "--mount", "--", "/usr/bin/touch", "PWNED"], label: "x" }],
    ["rm of a file outside the runs root", { kind: "command", argv: ["/usr/bin/rm", "-f", "PWNED"], label: "x" }],
    ["process group 1 (kill -1 signals every process)", { kind: "process-group", pgid: 1, label: "x" }],
    ["process group 0 (our own group)", { kind: "process-group", pgid: 0, label: "x" }],
    ["an unknown kind", { kind: "script", path: "/tmp/x", label: "x" }],
  ])("never acts on %s found in a registry, and reports it", async (_, resource) => {
    const cwd = process.cwd();
    process.chdir(dir); // where a relative PWNED would land
    try {
      plant(resource);
      const report = await cleanupRun(dir);
      expect(existsSync(join(dir, "PWNED"))).toBe(false);
      expect(report.refused).toHaveLength(1);
      expect(teardownError(report, dir)?.message).toMatch(/FAULTLINE_TEARDOWN: .*refused registry entry/s);
    } finally {
      process.chdir(cwd);
    }
  });

  it("does not signal a process group whose leader's pid now belongs to another process", async () => {
    const group = await spawnGroup();
    // The entry of an earlier process that had this pid: another start time.
    new Registry(dir).add({ kind: "process-group", pgid: group.pid, start: "1", label: "stale" });
    await cleanupRun(dir);
    expect(processState(group.pid, processStartTime(group.pid))).toBe("alive");
  });

  it("does not signal a process group registered without a start time (it cannot be told apart)", async () => {
    const group = await spawnGroup();
    new Registry(dir).add({ kind: "process-group", pgid: group.pid, label: "no start" });
    await cleanupRun(dir);
    expect(processState(group.pid, processStartTime(group.pid))).toBe("alive");
  });

  it("kills a process group that is still the one registered", async () => {
    const group = await spawnGroup();
    new Registry(dir).add({ kind: "process-group", pgid: group.pid, start: processStartTime(group.pid), label: "ours" });
    const report = await cleanupRun(dir);
    await group.exited;
    expect(report.removed).toEqual(["ours"]);
    expect(new Registry(dir).live()).toEqual([]);
  });

  it("keeps what it could not remove registered, and names it in a FAULTLINE_TEARDOWN error", async () => {
    // `rm -f` of a directory fails with "Is a directory": an undo that exits non-zero for a
    // reason other than its object being gone.
    const stuck = join(runsRoot(), "ports", `fl-test-stuck-${process.pid}`);
    mkdirSync(stuck, { recursive: true });
    try {
      new Registry(dir).add({ kind: "command", argv: ["rm", "-f", stuck], label: "stuck object" });
      const report = await cleanupRun(dir);
      expect(report.removed).toEqual([]);
      expect(report.failed).toEqual([{ label: "stuck object", error: expect.stringContaining("Is a directory") }]);
      expect(new Registry(dir).live()).toHaveLength(1); // the next sweep tries again
      const error = teardownError(report, dir);
      expect(error).toMatchObject({
        code: "FAULTLINE_TEARDOWN",
        message: expect.stringContaining("stuck object"),
        hint: expect.stringContaining("next run's sweep"),
      });
    } finally {
      rmSync(stuck, { recursive: true, force: true });
    }
  });

  it("refuses to register into a run whose directory is gone, instead of recreating it", () => {
    const gone = join(dir, "reaped");
    expect(() => new Registry(gone).add({ kind: "process-group", pgid: 4242, start: "1", label: "late node" })).toThrow(
      expect.objectContaining({ code: "FAULTLINE_RUN_ENDED" }),
    );
    expect(existsSync(gone)).toBe(false);
    expect(() => new Registry(gone).remove("pg:4242")).not.toThrow();
  });
});

describe("sweeping with identities", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "fl-identity-"));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("does not take a recycled pid for the dead run's watchdog", async () => {
    const run = join(root, "abc123");
    mkdirSync(run);
    // Owner dead; the "watchdog" pid is this very process, with another start time.
    writeFileSync(
      join(run, "owner.json"),
      JSON.stringify({ id: "abc123", dir: run, ownerPid: 2 ** 22 + 9, ownerStart: "1", watchdogPid: process.pid, watchdogStart: "1" }),
    );
    expect(await sweepDeadRuns(root)).toEqual(["abc123"]);
  });

  it("leaves a run whose watchdog is alive and the one recorded", async () => {
    const run = join(root, "abc124");
    mkdirSync(run);
    writeFileSync(
      join(run, "owner.json"),
      JSON.stringify({
        id: "abc124",
        dir: run,
        ownerPid: 2 ** 22 + 9,
        ownerStart: "1",
        watchdogPid: process.pid,
        watchdogStart: processStartTime(process.pid),
      }),
    );
    expect(await sweepDeadRuns(root)).toEqual([]);
  });

  it("keeps a dead run's directory when something in it could not be removed", async () => {
    const run = join(root, "abc125");
    mkdirSync(run);
    writeFileSync(join(run, "owner.json"), JSON.stringify({ id: "abc125", dir: run, ownerPid: 2 ** 22 + 9, ownerStart: "1" }));
    writeFileSync(registryFile(run), JSON.stringify({ op: "add", key: "k", resource: { kind: "command", argv: ["/usr/bin/touch", "x"], label: "x" } }) + "\n");
    const write = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect(await sweepDeadRuns(root)).toEqual([]);
      expect(write).toHaveBeenCalledWith(expect.stringContaining("FAULTLINE_TEARDOWN"));
    } finally {
      write.mockRestore();
    }
    expect(existsSync(run)).toBe(true);
  });
});

describe("ending a run with something left", () => {
  it("keeps the run directory and its registry for the next sweep, even after the watchdog leaves", async () => {
    const run = beginRun(process.pid);
    const stuck = join(runsRoot(), "ports", `fl-test-stuck-end-${process.pid}`);
    mkdirSync(stuck, { recursive: true });
    try {
      run.registry.add({ kind: "command", argv: ["rm", "-f", stuck], label: "stuck object" });
      const report = await endRun(run);
      expect(report.failed).toEqual([{ label: "stuck object", error: expect.stringContaining("Is a directory") }]);
      await new Promise((resolve) => setTimeout(resolve, 700)); // the watchdog has left by now
      expect(processState(run.watchdogPid!, run.watchdogStart)).not.toBe("alive");
      expect(existsSync(run.dir)).toBe(true);
      expect(new Registry(run.dir).live()).toHaveLength(1);
    } finally {
      rmSync(stuck, { recursive: true, force: true });
      rmSync(run.dir, { recursive: true, force: true });
    }
  });
});
