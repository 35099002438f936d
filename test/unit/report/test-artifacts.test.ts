import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TimelineEvent } from "../../../src/cluster/timeline";
import type { TestOutcome, TimelineWindow } from "../../../src/report/artifact-types";
import { readRunArtifacts } from "../../../src/report/read-artifacts";
import { writeTestArtifacts } from "../../../src/report/test-artifacts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "faultline-artifacts-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

let seq = 0;
const ev = (at: number, e: Record<string, unknown>): TimelineEvent => ({ at, wall: 1e12 + at, seq: seq++, ...e }) as unknown as TimelineEvent;
const partition = { id: "partition-1", kind: "partition", description: "partition isolating n1", targets: ["n1"], grudge: { n1: ["n2"], n2: ["n1"] } };
const events = [
  ev(10, { type: "node", node: "n1", event: "ready" }),
  ev(50, { type: "fault", phase: "apply", id: "kill-0", kind: "kill", description: "SIGKILL to n2", targets: ["n2"] }),
  ev(60, { type: "node", node: "n2", event: "exited", signal: "SIGKILL" }),
  ev(100, { type: "test", phase: "start", name: "t" }),
  ev(150, { type: "fault", phase: "apply", ...partition, mechanism: "iptables", durationMs: 12 }),
  ev(900, { type: "fault", phase: "heal", ...partition, durationMs: 4 }),
  ev(950, { type: "fault", phase: "failed", id: "clock-2", kind: "clock", description: "clock +1s on n1", targets: [], error: "libfaketime not installed" }),
  ev(1500, { type: "recovery", ok: true, durationMs: 600, budgetMs: 20_000, faultId: "partition-1", label: "toRecoverWithin(20s)" }),
  ev(2000, { type: "test", phase: "end", name: "t", status: "passed" }),
  ev(2100, { type: "test", phase: "start", name: "next" }),
];

async function write(testName = "heals <the> partition", extra: { log?: string } = {}) {
  const log = join(dir, "n1.log");
  await writeFile(log, extra.log ?? "started\nready\n");
  return writeTestArtifacts({
    reportDir: join(dir, "report"),
    testPath: join(dir, "etcd.test.ts"),
    testName,
    status: "passed",
    durationMs: 1900,
    clusters: [
      {
        name: "etcd",
        provisioner: "netns",
        timeline: { origin: 5, originWall: 1e12, events },
        slice: { from: 100, to: 2050 },
        nodeLogs: [
          { node: "n1", file: log },
          { node: "n2", file: join(dir, "never-started.log") },
        ],
        histories: [
          {
            jsonl:
              '{"index":0,"process":0,"type":"invoke","f":"read","value":null,"time":1}\n{"index":1,"process":0,"type":"ok","f":"read","value":3,"time":2}\n',
            check: { valid: true },
            offsetMs: 120,
          },
        ],
      },
    ],
  });
}

describe("writeTestArtifacts", () => {
  it("writes outcome, timeline window, history and log tails in the test's folder", async () => {
    const { dir: folder } = await write();
    expect(folder).toMatch(/runs\/faultline-artifacts-[a-z0-9]+-etcd-test-ts-[0-9a-f]{8}\/heals-the-partition-[0-9a-f]{8}$/);
    expect((await readdir(folder)).sort()).toEqual(["check-0.json", "history-0.jsonl", "logs", "outcome.json", "timeline.json"]);
    expect((await readdir(join(folder, "logs"))).sort()).toEqual(["etcd-n1.log", "etcd-n2.log"]);
  });

  it("keeps the test's window of the timeline, and what it inherited", async () => {
    const { dir: folder } = await write();
    const [window] = JSON.parse(await readFile(join(folder, "timeline.json"), "utf8")) as TimelineWindow[];
    expect(window!.events.map((e) => e.at)).toEqual([100, 150, 900, 950, 1500, 2000]);
    expect(window!.carried.map((e) => e.seq)).toEqual([events[0]!.seq, events[1]!.seq, events[2]!.seq]);
    expect(window!.nodes).toEqual(["n1", "n2"]);
  });

  it("records faults with how long they were in force, and recoveries", async () => {
    const { outcome } = await write();
    const [cluster] = outcome.clusters;
    expect(cluster!.faults).toEqual([
      { id: "kill-0", kind: "kill", description: "SIGKILL to n2", targets: ["n2"], appliedAt: 50 },
      {
        id: "partition-1",
        kind: "partition",
        description: "partition isolating n1",
        targets: ["n1"],
        mechanism: "iptables",
        grudge: partition.grudge,
        appliedAt: 150,
        applyMs: 12,
        healedAt: 900,
        activeMs: 750,
      },
      { id: "clock-2", kind: "clock", description: "clock +1s on n1", targets: [], appliedAt: 950, failed: true, error: "libfaketime not installed" },
    ]);
    expect(cluster!.recoveries).toEqual([{ label: "toRecoverWithin(20s)", ok: true, durationMs: 600, budgetMs: 20_000, faultId: "partition-1", at: 1500 }]);
    expect(cluster!.histories).toEqual([{ file: "history-0.jsonl", offsetMs: 120, operations: 2, check: { verdict: "ok" }, checkFile: "check-0.json" }]);
    const onDisk = JSON.parse(await readFile(join((await write("other")).dir, "outcome.json"), "utf8")) as TestOutcome;
    expect(onDisk.clusters[0]!.faults).toHaveLength(3);
  });

  it("copies only the end of a long log, from a line start", async () => {
    const long = Array.from({ length: 40_000 }, (_, i) => `line ${i}`).join("\n") + "\n";
    const { dir: folder } = await write("long log", { log: long });
    const copy = await readFile(join(folder, "logs", "etcd-n1.log"), "utf8");
    expect(copy.length).toBeLessThan(300 * 1024);
    expect(copy).toMatch(/^… \d+ earlier bytes in .*n1\.log\nline \d+\n/);
    expect(copy.endsWith("line 39999\n")).toBe(true);
  });

  it("says so when a node has no log instead of failing", async () => {
    const { dir: folder } = await write();
    expect(await readFile(join(folder, "logs", "etcd-n2.log"), "utf8")).toMatch(/^\(no log: ENOENT reading .*never-started\.log\)/);
  });

  it("gives a repeated test name its own folder", async () => {
    const first = await write("retried");
    const second = await write("retried");
    expect(second.dir).toBe(`${first.dir}-2`);
  });
});

describe("readRunArtifacts", () => {
  it("reads back this run's tests only", async () => {
    await write("old");
    const since = Date.now() + 5;
    await new Promise((r) => setTimeout(r, 10));
    await write("new");
    const tests = await readRunArtifacts(join(dir, "report"), since);
    expect(tests.map((t) => t.outcome.testName)).toEqual(["new"]);
    expect(tests[0]!.histories[0]!.operations.map((o) => o.type)).toEqual(["invoke", "ok"]);
    expect(tests[0]!.logTails.etcd!.n1).toEqual(["started", "ready"]);
    expect(tests[0]!.dir).toMatch(/^runs\/faultline-artifacts-[a-z0-9]+-etcd-test-ts-[0-9a-f]{8}\/new-[0-9a-f]{8}$/);
  });

  it("reads nothing from a report dir that does not exist", async () => {
    expect(await readRunArtifacts(join(dir, "nowhere"))).toEqual([]);
  });
});
