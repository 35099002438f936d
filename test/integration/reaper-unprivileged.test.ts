import { mkdtempSync, rmSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asNobody, canRunAsNobody } from "./as-nobody";
import { requireOrSkip } from "../helpers/requirements";

const dist = join(__dirname, "..", "..", "dist", "reaper");

// A read-only disk fault without root takes write permission off a data dir. If Jest is killed
// before the heal, the run directory is left so, and for a user who is not root a plain recursive
// remove fails: the next run's sweep must still remove it, and must never fail the run.
requireOrSkip("root and setpriv (to run as nobody)", () => (canRunAsNobody ? undefined : "needs root and util-linux's setpriv"))(
  "sweeping a dead run as a user without root",
  () => {
    let tmp: string;
    beforeAll(() => {
      tmp = mkdtempSync(join(tmpdir(), "fl-nobody-"));
      chmodSync(tmp, 0o777);
    });
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));

    it("removes a run directory whose data dir a read-only fault left without write permission", () => {
      const script = `
      const fs = require("node:fs"), path = require("node:path");
      const { runsRoot } = require(${JSON.stringify(join(dist, "run-dir.js"))});
      const { sweepDeadRuns } = require(${JSON.stringify(join(dist, "sweep.js"))});
      const run = path.join(runsRoot(), "abc123");
      const data = path.join(run, "etcd-1", "n1");
      fs.mkdirSync(path.join(data, "member"), { recursive: true });
      fs.writeFileSync(path.join(data, "member", "wal"), "x");
      fs.writeFileSync(path.join(run, "owner.json"), JSON.stringify({ id: "abc123", dir: run, ownerPid: 2147483, ownerStart: "0" }));
      fs.chmodSync(path.join(data, "member"), 0o555);
      fs.chmodSync(data, 0o555);
      let plain;
      try { fs.rmSync(run, { recursive: true, force: true }); plain = "removed"; } catch (e) { plain = e.code; }
      sweepDeadRuns().then((swept) => console.log(JSON.stringify({ plain, swept, left: fs.existsSync(run) })),
        (e) => console.log(JSON.stringify({ plain, error: e.message })));`;
      const { status, output } = asNobody(script, { TMPDIR: tmp });
      expect(status).toBe(0);
      const result = JSON.parse(output.trim().split("\n").pop()!) as { plain: string; swept?: string[]; left?: boolean; error?: string };
      expect(result.plain).toBe("EACCES"); // what a plain remove gets: the case this guards
      expect(result).toEqual({ plain: "EACCES", swept: ["abc123"], left: false });
    });
  },
);
