import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireOrSkip } from "../helpers/requirements";
import { transpileSrc, until } from "./docker-helpers";

/**
 * A process that begins a run, launches three nodes through spawnGroup and dies by SIGKILL:
 * - "same-tick": right after the three launches, in the tick that forked them;
 * - "before-register": inside the first registration, i.e. after the fork and before the reaper
 *   can know the pid — the worst instant there is.
 * Each node writes its pid into `marks` once its program runs, then waits forever.
 */
const CHILD = `
const [lib, marks, report, mode] = process.argv.slice(2);
const { spawnGroup } = require(lib + "/provisioners/spawn-group.js");
const { beginRun } = require(lib + "/reaper/run-context.js");
const run = beginRun();
require("fs").writeFileSync(report, JSON.stringify({ runDir: run.dir }));
if (mode === "before-register") {
  const add = run.registry.add.bind(run.registry);
  run.registry.add = (resource) => (resource.kind === "process-group" ? process.kill(process.pid, "SIGKILL") : add(resource));
}
const node = "require('fs').writeFileSync(process.argv[1] + '/' + process.pid, ''); setInterval(() => {}, 1e9)";
for (const name of ["n1", "n2", "n3"]) {
  spawnGroup({ argv: [process.execPath, "-e", node, marks], env: { ...process.env }, cwd: marks, onOutput() {} },
    { cluster: "window", node: name, registry: run.registry }).catch(() => {});
}
process.kill(process.pid, "SIGKILL");
`;

/** Pids of processes whose command line mentions `marker`. */
function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(marker)) found.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

function problem(): string | undefined {
  if (!existsSync("/proc/self/cmdline")) return "no /proc to look for leftover processes in";
  if (spawnSync("perl", ["-e", "1"]).status !== 0) return "perl (perl-base) is not installed: spawnGroup's gate needs it";
  return undefined;
}

requireOrSkip("Linux /proc and perl", problem)("a test process SIGKILLed while it launches nodes", () => {
  let lib: string;
  let tmp: string;
  beforeAll(() => {
    lib = transpileSrc(
      ["provisioners/spawn-group.ts", "reaper/run-context.ts", "reaper/watchdog-main.ts"],
      join(tmpdir(), `fl-spawn-window-src-${process.pid}`),
    );
    tmp = mkdtempSync(join(tmpdir(), "fl-spawn-window-"));
  });
  afterAll(() => {
    rmSync(lib, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  });

  async function killedWhileLaunching(mode: string): Promise<{ started: string[]; left: number[] }> {
    const marks = mkdtempSync(join(tmp, `${mode}-`));
    const report = join(marks, "..", `${mode}.json`);
    writeFileSync(join(lib, "child.js"), CHILD);
    const child = spawn(process.execPath, [join(lib, "child.js"), lib, marks, report, mode], {
      env: { ...process.env, FAULTLINE_RUN_DIR: "" },
      stdio: "ignore",
    });
    await new Promise((resolve) => child.once("exit", resolve));
    try {
      expect(child.signalCode).toBe("SIGKILL");
      const { runDir } = JSON.parse(readFileSync(report, "utf8")) as { runDir: string };
      // The watchdog has done its work once the run directory is gone.
      await until(
        "the watchdog removes the run",
        async () => existsSync(runDir),
        (exists) => !exists,
        15_000,
      );
      // A leaked node stays; a gate that was never opened exits at once: give both a moment.
      const left = await until(
        "no process of the run left",
        async () => processesWith(marks),
        (pids) => pids.length === 0,
        3_000,
      ).catch(() => processesWith(marks));
      return { started: readdirSync(marks), left };
    } finally {
      for (const pid of processesWith(marks)) process.kill(pid, "SIGKILL"); // only ours: they carry the marker
    }
  }

  it("leaves no node running once the watchdog is done, when killed in the tick that forked them", async () => {
    const { left } = await killedWhileLaunching("same-tick");
    expect(left).toEqual([]);
  }, 60_000);

  it("never runs a node's program when killed after its fork and before its registration", async () => {
    const { started, left } = await killedWhileLaunching("before-register");
    expect(left).toEqual([]);
    expect(started).toEqual([]); // the program never ran: nothing unregistered ever did
  }, 60_000);

  it("still hands over all of a node's output when its program exits at once", async () => {
    // The gate delays "started" until after the exec; output read only from then on was lost
    // when the program had already exited (Node discards unread output on exit).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { spawnGroup } = require(join(lib, "provisioners", "spawn-group.js")) as typeof import("../../src/provisioners/spawn-group");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Registry } = require(join(lib, "reaper", "registry.js")) as typeof import("../../src/reaper/registry");
    const registry = new Registry(mkdtempSync(join(tmp, "output-")));
    const lost: number[] = [];
    for (let round = 0; round < 100; round++) {
      let out = "";
      const node = await spawnGroup(
        { argv: ["/bin/echo", `round ${round}`], env: { PATH: process.env.PATH ?? "" }, cwd: tmp, onOutput: (chunk) => (out += chunk.toString()) },
        { cluster: "output", node: "n1", registry },
      );
      await node.exited;
      await node.release();
      await new Promise((resolve) => setImmediate(resolve));
      if (out !== `round ${round}\n`) lost.push(round);
    }
    expect(lost).toEqual([]);
  }, 60_000);
});
