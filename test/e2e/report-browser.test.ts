import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { AggregatedResult, Test, TestResult } from "@jest/reporters";
import type { TimelineEvent } from "../../src/cluster/timeline";
import { History } from "../../src/history/history";
import type { NewOperation } from "../../src/history/operation";
import type { ClusterArtifactInput, TimelineJSON } from "../../src/report/artifact-types";
import FaultlineReporter from "../../src/report/jest-reporter";
import { writeTestArtifacts } from "../../src/report/test-artifacts";
import { requireOrSkip } from "../helpers/requirements";

const CHROMIUM = "/usr/bin/chromium";
const root = join(__dirname, "..", "..", ".tmp", "report-browser");
const reportDir = join(root, "faultline-report");
const etcdFile = join(root, "test", "etcd-register.test.ts");
const redisFile = join(root, "test", "redis-failover.test.ts");
const HOSTILE_NAME = `reads stay linearizable under "client" latency <img src=x onerror="window.__pwned=1">`;

/** Deterministic randomness, so the scenario (and the screenshot) is the same every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let seq = 0;
function ev(at: number, event: Record<string, unknown>): TimelineEvent {
  return { at, wall: 1_714_644_000_000 + at, seq: seq++, ...event } as unknown as TimelineEvent;
}
const node = (at: number, name: string, event: string, extra: Record<string, unknown> = {}) => ev(at, { type: "node", node: name, event, ...extra });
const grudge = { n1: ["n2", "n3"], n2: ["n1"], n3: ["n1"] };

/** etcd, 3 nodes on netns: a partition of the leader, then a leader kill and restart, then client latency. */
function etcdTimeline(): TimelineJSON {
  const partition = { id: "partition-1", kind: "partition", description: "partition isolating n1 (the leader) from n2,n3", targets: ["n1"], mechanism: "iptables", grudge };
  const kill = { id: "kill-2", kind: "kill", description: "SIGKILL to n2 (the leader)", targets: ["n2"], mechanism: "signal" };
  const latency = { id: "latency-3", kind: "latency", description: "latency 250ms ±50ms on client links of n1,n2,n3", targets: ["n1", "n2", "n3"], mechanism: "proxy" };
  const events = [
    node(10, "n1", "spawned", { pid: 41211 }), node(12, "n2", "spawned", { pid: 41212 }), node(14, "n3", "spawned", { pid: 41213 }),
    node(1200, "n1", "ready"), node(1300, "n2", "ready"), node(1350, "n3", "ready"),
    ev(1400, { type: "probe", probe: "healthy", ok: true, durationMs: 9 }),
    ev(2000, { type: "test", phase: "start", name: "keeps acknowledged writes through a leader partition" }),
    ev(2010, { type: "probe", probe: "healthy", ok: true, durationMs: 8 }),
    ev(2030, { type: "probe", probe: "leader", ok: true, node: "n1", durationMs: 4 }),
    ev(2500, { type: "fault", phase: "apply", ...partition, durationMs: 42 }),
    ev(4100, { type: "note", node: "n2", message: "became leader at term 3" }),
    ev(6500, { type: "fault", phase: "heal", ...partition, grudge: undefined, durationMs: 31 }),
    ev(7950, { type: "recovery", ok: true, durationMs: 1450, budgetMs: 20_000, faultId: "partition-1", label: "toRecoverWithin(20s)" }),
    ev(8990, { type: "test", phase: "end", name: "keeps acknowledged writes through a leader partition", status: "passed" }),
    ev(9000, { type: "test", phase: "start", name: "recovers when the leader is killed" }),
    ev(9020, { type: "probe", probe: "leader", ok: true, node: "n2", durationMs: 5 }),
    node(9500, "n2", "signalled", { signal: "SIGKILL" }), node(9512, "n2", "exited", { code: null, signal: "SIGKILL" }),
    ev(9515, { type: "fault", phase: "apply", ...kill, durationMs: 15 }),
    node(11505, "n2", "spawned", { pid: 41388 }), node(12700, "n2", "ready"),
    ev(12705, { type: "fault", phase: "heal", ...kill, durationMs: 1200 }),
    ev(13400, { type: "recovery", ok: true, durationMs: 695, budgetMs: 20_000, faultId: "kill-2", label: "toRecoverWithin(20s)" }),
    ev(14990, { type: "test", phase: "end", name: "recovers when the leader is killed", status: "passed" }),
    ev(15000, { type: "test", phase: "start", name: HOSTILE_NAME }),
    ev(15500, { type: "fault", phase: "apply", ...latency, durationMs: 6 }),
    ev(20000, { type: "fault", phase: "heal", ...latency, durationMs: 3 }),
    ev(21990, { type: "test", phase: "end", name: HOSTILE_NAME, status: "failed" }),
  ];
  return { origin: 81_234.5, originWall: 1_714_644_000_000, events };
}

/**
 * Three clients on a register during the partition: the client on n1 times out (info) and
 * carries on as a new process, as Jepsen does; an election slows everyone; one write fails.
 */
function partitionHistory(): string {
  const rand = random(7);
  const ops: NewOperation[] = [];
  const offset = 2050;
  let register = 0;
  for (let c = 0; c < 3; c++) {
    let process = c;
    let failed = false;
    for (let t = 2100 + c * 90; t < 8700; ) {
      const f = ["read", "write", "cas"][Math.floor(rand() * 3)]!;
      const value = f === "read" ? null : f === "write" ? Math.floor(rand() * 5) : [Math.floor(rand() * 5), Math.floor(rand() * 5)];
      let end = t + 4 + rand() * 14;
      let type: NewOperation["type"] = "ok";
      let error: string | undefined;
      let result: unknown = value;
      if (c === 0 && t >= 2500 && t < 6500) [end, type, error] = [t + 1000, "info", "timeout after 1s"];
      else if (t >= 3900 && t < 4300) end = t + 300 + rand() * 180;
      if (type === "ok" && c === 1 && t > 5000 && !failed) [type, error, failed] = ["fail", "etcdserver: leader changed", true];
      if (type === "ok" && f === "read") result = register;
      if (type === "ok" && f === "write") register = value as number;
      if (type === "ok" && f === "cas") (value as number[])[0] === register ? (register = (value as number[])[1]!) : (type = "fail");
      ops.push({ process, type: "invoke", f, value, time: (t - offset) * 1e6 });
      ops.push({ process, type, f, value: result, time: (end - offset) * 1e6, ...(error ? { error } : {}) });
      if (type === "info") process += 3;
      t = end + 150 + rand() * 200;
    }
  }
  ops.sort((a, b) => a.time! - b.time!);
  return History.fromOperations(ops).toJSONL();
}

/** A stale read under latency: p1 reads 1 after the write of 2 completed. */
const staleReadOps: NewOperation[] = [
  [0, "invoke", "write", 1, 100], [1, "invoke", "read", null, 180], [0, "ok", "write", 1, 390], [1, "ok", "read", 1, 450],
  [2, "invoke", "write", 3, 600], [0, "invoke", "write", 2, 700], [0, "ok", "write", 2, 960], [1, "invoke", "read", null, 1100],
  [2, "info", "write", 3, 1600], [1, "ok", "read", 1, 1380], [0, "invoke", "read", null, 1700], [0, "ok", "read", 2, 1950],
].map(([process, type, f, value, ms]) => ({ process, type, f, value, time: (ms as number) * 1e6 }) as NewOperation).sort((a, b) => a.time! - b.time!);

function staleReadHistory(): { jsonl: string; check: unknown; invokes: number } {
  const history = History.fromOperations(staleReadOps);
  const ops = history.operations;
  const indexOf = (process: number, f: string, n = 0) => ops.filter((o) => o.process === process && o.f === f && o.type === "invoke")[n]!.index;
  const check = {
    valid: false,
    checker: "linearizable",
    longestPrefix: [indexOf(0, "write"), indexOf(1, "read"), indexOf(2, "write"), indexOf(0, "write", 1)],
    failingOp: ops[indexOf(1, "read", 1)],
    message: "read → 1 cannot follow: the register holds 2",
  };
  return { jsonl: history.toJSONL(), check, invokes: ops.filter((o) => o.type === "invoke").length };
}

/** redis with Sentinel, local processes: a paused primary that never hands over, and a killed replica. */
function redisTimeline(): TimelineJSON {
  const pause = { id: "pause-4", kind: "pause", description: "pause r1 (the primary)", targets: ["r1"], mechanism: "signal" };
  const kill = { id: "kill-5", kind: "kill", description: "SIGKILL to r3 (a minority)", targets: ["r3"], mechanism: "signal" };
  const events = [
    ...["r1", "r2", "r3"].flatMap((n, i) => [node(5 + i, n, "spawned", { pid: 5120 + i }), node(400 + 40 * i, n, "ready")]),
    ev(1000, { type: "test", phase: "start", name: "fails over when the primary is paused" }),
    node(1500, "r1", "signalled", { signal: "SIGSTOP" }), node(1502, "r1", "paused"),
    ev(1503, { type: "fault", phase: "apply", ...pause, durationMs: 3 }),
    ev(5400, { type: "recovery", ok: false, durationMs: 10_000, budgetMs: 10_000, label: "toRecoverWithin(10s)" }),
    node(5500, "r1", "resumed"), ev(5501, { type: "fault", phase: "heal", ...pause, durationMs: 2 }),
    ev(6000, { type: "test", phase: "end", name: "fails over when the primary is paused", status: "failed" }),
    ev(6100, { type: "test", phase: "start", name: "serves reads with a replica down" }),
    node(6400, "r3", "signalled", { signal: "SIGKILL" }), node(6404, "r3", "exited", { code: null, signal: "SIGKILL" }),
    ev(6405, { type: "fault", phase: "apply", ...kill, durationMs: 6 }),
    node(8400, "r3", "spawned", { pid: 5301 }), node(8900, "r3", "ready"), ev(8901, { type: "fault", phase: "heal", ...kill, durationMs: 500 }),
    ev(9300, { type: "recovery", ok: true, durationMs: 399, budgetMs: 10_000, faultId: "kill-5", label: "toRecoverWithin(10s)" }),
    ev(9500, { type: "test", phase: "end", name: "serves reads with a replica down", status: "passed" }),
  ];
  return { origin: 90_001, originWall: 1_714_644_100_000, events };
}

async function writeLogs(): Promise<Record<string, string>> {
  const dir = join(root, "run", "logs");
  await mkdir(dir, { recursive: true });
  const files: Record<string, string> = {};
  for (const n of ["n1", "n2", "n3"]) {
    const lines = Array.from({ length: 60 }, (_, i) => JSON.stringify({ level: "info", ts: `2024-05-02T10:00:${String(i).padStart(2, "0")}.120Z`, caller: "etcdserver/server.go:2043", msg: i % 9 ? "applied entries" : "published local member to cluster through raft", name: n, index: 1000 + i }));
    files[n] = join(dir, `etcd-${n}.log`);
    await writeFile(files[n]!, lines.join("\n") + "\n");
  }
  for (const n of ["r1", "r2", "r3"]) {
    files[n] = join(dir, `redis-${n}.log`);
    await writeFile(files[n]!, `5120:M 02 May 2024 10:00:01.010 * Ready to accept connections tcp\n\x1b[31m5120:M 02 May 2024 10:00:03.500 # client sent <img src=x onerror="window.__pwned=1"> & quit\x1b[0m\n`);
  }
  return files;
}

const requireChromium = requireOrSkip("chromium", () => (existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (apt-get install -y chromium)`));

requireChromium("the HTML report in a real browser", () => {
  let stderr = "";
  let partitionInvokes = 0;
  let staleInvokes = 0;

  beforeAll(async () => {
    await rm(root, { recursive: true, force: true });
    const logs = await writeLogs();
    const reporter = new FaultlineReporter({ rootDir: root }, { reportDir: "faultline-report" });
    await reporter.onRunStart();
    const etcd = etcdTimeline();
    const redis = redisTimeline();
    const nodeLogs = (names: string[]) => names.map((n) => ({ node: n, file: logs[n]! }));
    const cluster = (name: string, provisioner: string, timeline: TimelineJSON, from: number, to: number, histories: ClusterArtifactInput["histories"] = []): ClusterArtifactInput => ({
      name, provisioner, timeline, slice: { from, to }, nodeLogs: nodeLogs(name === "etcd" ? ["n1", "n2", "n3"] : ["r1", "r2", "r3"]), histories,
    });
    const partition = partitionHistory();
    partitionInvokes = partition.split("\n").filter((l) => l.includes('"type":"invoke"')).length;
    const stale = staleReadHistory();
    staleInvokes = stale.invokes;
    const write = (testPath: string, testName: string, status: "passed" | "failed", durationMs: number, c: ClusterArtifactInput) =>
      writeTestArtifacts({ reportDir, testPath, testName, status, durationMs, clusters: [c] });
    await write(etcdFile, "keeps acknowledged writes through a leader partition", "passed", 6990, cluster("etcd", "netns", etcd, 2000, 9000, [{ jsonl: partition, offsetMs: 2050, check: { valid: true, checker: "linearizable" } }]));
    await write(etcdFile, "recovers when the leader is killed", "passed", 5990, cluster("etcd", "netns", etcd, 9000, 15000));
    await write(etcdFile, HOSTILE_NAME, "failed", 6990, cluster("etcd", "netns", etcd, 15000, 22000, [{ jsonl: stale.jsonl, offsetMs: 15100, check: stale.check }]));
    await write(redisFile, "fails over when the primary is paused", "failed", 5000, cluster("redis", "process", redis, 1000, 6050));
    await write(redisFile, "serves reads with a replica down", "passed", 3400, cluster("redis", "process", redis, 6100, 9600));
    const result = (path: string, tests: Array<[string, string, number, string[]]>) =>
      ({ testFilePath: path, failureMessage: null, testResults: tests.map(([fullName, status, duration, failureMessages]) => ({ fullName, status, duration, failureMessages, title: fullName, ancestorTitles: [] })) }) as unknown as TestResult;
    const noTest = {} as Test;
    const aggregated = {} as AggregatedResult;
    reporter.onTestFileResult(noTest, result(etcdFile, [
      ["keeps acknowledged writes through a leader partition", "passed", 6990, []],
      ["recovers when the leader is killed", "passed", 5990, []],
      [HOSTILE_NAME, "failed", 6990, ["expect(history).toBeLinearizable(models.casRegister())\n\n\x1b[31mread → 1 cannot follow\x1b[39m <b>not bold</b>"]],
    ]), aggregated);
    reporter.onTestFileResult(noTest, result(redisFile, [
      ["fails over when the primary is paused", "failed", 5000, ["FAULTLINE_HEALTH_TIMEOUT: cluster was not healthy within 10.0s"]],
      ["serves reads with a replica down", "passed", 3400, []],
      ["survives clock skew", "pending", 0, []],
    ]), aggregated);
    const write0 = process.stderr.write;
    process.stderr.write = ((chunk: string) => ((stderr += chunk), true)) as typeof process.stderr.write;
    try {
      await reporter.onRunComplete();
    } finally {
      process.stderr.write = write0;
    }
  }, 60_000);

  it("prints a short terminal summary: faults by kind, recovery times, failed tests, the report's path", () => {
    expect(stderr).toContain("faultline: 5 faults injected (kill ×2, latency ×1, partition ×1, pause ×1)");
    expect(stderr).toMatch(/recovery: median 695ms, max 1\.45s over 3 recoveries, 1 did not recover in budget/);
    expect(stderr).toContain("2 failed tests:");
    expect(stderr).toContain(`report: ${join(reportDir, "index.html")}`);
    expect(stderr.trim().split("\n").length).toBeLessThanOrEqual(6);
  });

  it("writes coverage.json with a cell per fault kind, target and cluster", async () => {
    const coverage = JSON.parse(await readFile(join(reportDir, "coverage.json"), "utf8"));
    const cells = coverage.rows.flatMap((r: { kind: string; target: string; cells: Record<string, { passed: number; failed: number }> }) =>
      Object.entries(r.cells).map(([cluster, c]) => `${r.kind}/${r.target}/${cluster}: ${c.passed} passed, ${c.failed} failed`));
    expect(cells).toEqual(["kill/leader/etcd: 1 passed, 0 failed", "kill/minority/redis: 1 passed, 0 failed", "latency/all/etcd: 0 passed, 1 failed", "partition/leader/etcd: 1 passed, 0 failed", "pause/r1/redis: 0 passed, 1 failed"]);
  });

  it("renders offline, without console errors, injected markup or requests beyond file://", async () => {
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
    try {
      const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("request", (r) => requests.push(r.url()));
      await page.goto(pathToFileURL(join(reportDir, "index.html")).href, { waitUntil: "load" });
      const count = (selector: string) => page.locator(selector).count();

      expect(await count("svg.timeline g.fault-band")).toBe(5);
      expect(await count("svg.timeline g.node-lane")).toBe(15);
      expect(await count("svg.timeline rect.op")).toBe(partitionInvokes + staleInvokes);
      expect(await count("svg.timeline rect.op-info")).toBeGreaterThanOrEqual(2);
      expect(await count("svg.latency g.latency-band")).toBe(2);
      expect(await count("svg.timeline .band-cut[data-node=n1]")).toBe(1);
      expect(await page.locator("svg.timeline .fault-label").first().textContent()).toBe("partition n1 ⟂ n2,n3");
      expect(await count(".lin-op.in-prefix")).toBe(4);
      expect(await count(".lin-op.culprit")).toBe(1);
      expect(await count("details.test")).toBe(6);
      expect(await count("details.test.status-failed")).toBe(2);

      const cells = await page.locator("td.matrix-cell:not(.empty-cell)").evaluateAll((tds) => tds.map((td) => `${td.dataset.kind}/${td.dataset.target}/${td.dataset.cluster}: ${td.dataset.passed}/${td.dataset.failed}`));
      expect(cells.sort()).toEqual(["kill/leader/etcd: 1/0", "kill/minority/redis: 1/0", "latency/all/etcd: 0/1", "partition/leader/etcd: 1/0", "pause/r1/redis: 0/1"]);
      expect(await count("td.matrix-cell.empty-cell")).toBe(5);

      expect(await count("img")).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(await page.locator(".test-name", { hasText: "<img src=x" }).count()).toBe(1);
      expect(await page.locator("pre", { hasText: "<b>not bold</b>" }).count()).toBe(1);

      await page.getByRole("button", { name: "failed only" }).click();
      expect(await page.locator("details.test:visible").count()).toBe(2);
      await page.getByRole("button", { name: "failed only" }).click();

      expect(errors).toEqual([]);
      expect(requests.filter((u) => !u.startsWith("file://"))).toEqual([]);
      await page.screenshot({ path: join(reportDir, "screenshot.png"), fullPage: true });
    } finally {
      await browser.close();
    }
  }, 60_000);
});
