import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { transpileSrc } from "./docker-helpers";

/**
 * Found by trials/kill.trial.js: after Jest and the watchdog were both SIGKILLed with Docker
 * objects registered, every later Jest run on the machine exited 0 at once, running no test and
 * printing nothing. The sweep in global setup waited for the engine with an unref'd timer, and
 * nothing else held the event loop, so Node ended the process mid-sweep.
 */
describe("sweeping a dead run that used Docker", () => {
  it("keeps the process alive until the sweep is done, in a process where nothing else holds it", () => {
    const lib = transpileSrc(["reaper/sweep.ts"]);
    const root = mkdtempSync(join(tmpdir(), "faultline-sweep-loop-"));
    const runs = join(root, "runs");
    const dir = join(runs, "abcdef");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // An owner that is gone (a finished process's pid, with a start time that is not its own).
    const dead = spawnSync("true").pid!;
    writeFileSync(join(dir, "owner.json"), JSON.stringify({ id: "abcdef", dir, ownerPid: dead, ownerStart: "1" }));
    // A Docker network still registered: the sweep looks twice, a moment apart.
    const name = "fl-abcdef-sweep-loop";
    writeFileSync(
      join(dir, "registry.jsonl"),
      `${JSON.stringify({ op: "add", key: `dn:${name}`, resource: { kind: "docker-network", id: name, label: `network ${name}` } })}\n`,
    );
    try {
      const child = spawnSync(
        process.execPath,
        [
          "-e",
          `require(${JSON.stringify(join(lib, "reaper", "sweep.js"))}).sweepDeadRuns(process.argv[1]).then((s) => console.log("swept " + s.join(",")))`,
          runs,
        ],
        { encoding: "utf8", timeout: 60_000 },
      );
      expect({ status: child.status, stdout: child.stdout.trim() }).toEqual({ status: 0, stdout: "swept abcdef" });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 90_000);
});
