/**
 * The runs root is trusted: its registries name processes to kill and commands to run. These
 * tests plant a runs root as another user would (uid 65534, world-writable, a symbolic link) and
 * check that faultline refuses it before reading anything in it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { createRunDir, privateRunsRoot } from "../../../src/reaper/run-dir";
import { sweepDeadRuns } from "../../../src/reaper/sweep";
import { portReservationDir } from "../../../src/reaper/port-reservations";
import { requireOrSkip } from "../../helpers/requirements";

const describeAsRoot = requireOrSkip("root", () => (process.getuid?.() === 0 ? undefined : "chown to another user needs root"));

describeAsRoot("a runs root that is not ours alone", () => {
  // Every call names the root: os.tmpdir() reads the real environment, not Jest's copy of it,
  // and the real runs root of this machine must never be touched by this test.
  let base: string;
  let root: string;
  let writer: ChildProcess | undefined;

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), "fl-root-safety-"));
    root = join(base, "faultline-0");
  });
  afterEach(() => {
    writer?.kill("SIGKILL");
    writer = undefined;
    rmSync(base, { recursive: true, force: true });
  });

  /** A fake dead run as an attacker plants it; its owner file is a FIFO that records being opened. */
  function plantDeadRun(): { pwned: string; opened: string } {
    const run = join(root, "abc123");
    mkdirSync(run, { recursive: true });
    const pwned = join(base, "PWNED");
    const opened = join(base, "owner-file-was-read");
    writeFileSync(
      join(run, "registry.jsonl"),
      JSON.stringify({ op: "add", key: "cmd:x", resource: { kind: "command", argv: ["/usr/bin/touch", pwned], label: "x" } }) + "\n",
    );
    execFileSync("mkfifo", [join(run, "owner.json")]);
    // Opening a FIFO for writing blocks until someone opens it for reading: the flag file
    // appears only if faultline reads the owner file.
    writer = spawn(
      process.execPath,
      ["-e", `require("fs").writeFileSync(${JSON.stringify(join(run, "owner.json"))}, "{}"); require("fs").writeFileSync(${JSON.stringify(opened)}, "")`],
      { stdio: "ignore" },
    );
    return { pwned, opened };
  }

  function giveAway(path: string, mode: number): void {
    for (const p of [path, join(path, "abc123")]) if (existsSync(p)) chownSync(p, 65534, 65534);
    chmodSync(path, mode);
  }

  it.each([
    ["owned by another user", 0o700, /belongs to uid 65534/],
    ["owned by another user and world-writable", 0o777, /belongs to uid 65534/],
  ])("refuses one %s before reading or running anything in it", async (_, mode, problem) => {
    const { pwned, opened } = plantDeadRun();
    giveAway(root, mode);

    await expect(sweepDeadRuns(root)).rejects.toMatchObject({
      code: "FAULTLINE_UNSAFE_PATH",
      message: expect.stringMatching(problem),
      hint: expect.stringContaining("rm -rf"),
    });
    expect(() => createRunDir(process.pid, undefined, root)).toThrow(expect.objectContaining({ code: "FAULTLINE_UNSAFE_PATH" }));
    expect(() => portReservationDir(root)).toThrow(expect.objectContaining({ code: "FAULTLINE_UNSAFE_PATH" }));
    await new Promise((resolve) => setTimeout(resolve, 300)); // time for a read to show
    expect(existsSync(pwned)).toBe(false);
    expect(existsSync(opened)).toBe(false);
  });

  it("refuses one of ours that group or others can write to", async () => {
    plantDeadRun();
    chmodSync(root, 0o775);
    await expect(sweepDeadRuns(root)).rejects.toMatchObject({
      code: "FAULTLINE_UNSAFE_PATH",
      message: expect.stringContaining("writable by group or others (mode 775)"),
    });
  });

  it("refuses a symbolic link, even to a private folder of ours", async () => {
    const elsewhere = mkdtempSync(join(base, "elsewhere-"));
    symlinkSync(elsewhere, root);
    await expect(sweepDeadRuns(root)).rejects.toMatchObject({ code: "FAULTLINE_UNSAFE_PATH", message: expect.stringContaining("is a symbolic link") });
    expect(() => privateRunsRoot(root)).toThrow(/is a symbolic link/);
  });

  it("refuses the reservations folder beside the root when it is not ours", () => {
    privateRunsRoot(root);
    mkdirSync(join(root, "ports"));
    chownSync(join(root, "ports"), 65534, 65534);
    expect(() => portReservationDir(root)).toThrow(
      expect.objectContaining({ code: "FAULTLINE_UNSAFE_PATH", message: expect.stringContaining("port reservations") }),
    );
  });

  it("creates a missing root 0700 and accepts it", () => {
    const info = createRunDir(process.pid, undefined, root);
    expect(info.dir.startsWith(`${root}/`)).toBe(true);
    expect(() => privateRunsRoot(root)).not.toThrow();
  });
});
