import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { portReservationDir, reservePort, sweepPortReservations } from "../../../src/reaper/port-reservations";
import { processStartTime } from "../../../src/reaper/process-identity";

describe("port reservations", () => {
  let root: string;
  let dir: string;
  beforeEach(() => {
    root = join(mkdtempSync(join(tmpdir(), "fl-ports-")), "faultline-0");
    dir = portReservationDir(root);
  });
  afterEach(() => rmSync(join(root, ".."), { recursive: true, force: true }));

  const owner = (o: object): string => JSON.stringify(o);

  it("are freed when their owner is gone or its pid now belongs to another process, and kept while it lives", () => {
    writeFileSync(join(dir, "127.0.0.1-1001"), owner({ pid: 2 ** 22 + 3 })); // no such process
    writeFileSync(join(dir, "127.0.0.1-1002"), owner({ pid: process.pid, start: "1" })); // recycled pid
    writeFileSync(join(dir, "127.0.0.1-1003"), owner({ pid: process.pid, start: processStartTime(process.pid) }));
    writeFileSync(join(dir, "127.0.0.1-1004"), "garbage");
    expect(sweepPortReservations(dir)).toBe(3);
    expect(readdirSync(dir)).toEqual(["127.0.0.1-1003"]);
  });

  it("of a reaped run are freed with it, even while the worker that made them lives on", () => {
    expect(reservePort(dir, "127.0.0.1", 2001, "/tmp/faultline-0/abc123")).toBe(true);
    expect(reservePort(dir, "127.0.0.1", 2002, "/tmp/faultline-0/def456")).toBe(true);
    expect(reservePort(dir, "127.0.0.1", 2001)).toBe(false); // held
    expect(sweepPortReservations(dir, "abc123")).toBe(1);
    expect(existsSync(join(dir, "127.0.0.1-2001"))).toBe(false);
    expect(existsSync(join(dir, "127.0.0.1-2002"))).toBe(true);
  });
});
