import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sweepDeadRuns } from "../../../src/reaper/sweep";
import { Registry } from "../../../src/reaper/registry";
import { processStartTime } from "../../../src/reaper/process-identity";

describe("sweeping dead runs", () => {
  const root = mkdtempSync(join(tmpdir(), "fl-sweep-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("removes a dead owner's run and its processes, and leaves live runs and shared folders", async () => {
    // A run whose owner is gone, with a live process group it registered.
    const dead = join(root, "abc123");
    mkdirSync(dead);
    writeFileSync(join(dead, "owner.json"), JSON.stringify({ id: "abc123", dir: dead, ownerPid: 2 ** 22 + 7 }));
    const orphan = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { detached: true, stdio: "ignore" });
    await new Promise((r) => orphan.once("spawn", r));
    new Registry(dead).add({ kind: "process-group", pgid: orphan.pid!, start: processStartTime(orphan.pid!), label: "orphan" });
    const exited = new Promise((r) => orphan.once("exit", r));

    const live = join(root, "def456");
    mkdirSync(live);
    writeFileSync(join(live, "owner.json"), JSON.stringify({ id: "def456", dir: live, ownerPid: process.pid, ownerStart: processStartTime(process.pid) }));
    mkdirSync(join(root, "ports"));

    const swept = await sweepDeadRuns(root);

    expect(swept).toEqual(["abc123"]);
    await exited; // the orphan was killed
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(join(root, "ports"))).toBe(true);
  });
});
