import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { AggregatedResult, Test, TestResult } from "@jest/reporters";
import type { ClusterArtifactInput, TimelineJSON } from "../../src/report/artifact-types";
import FaultlineReporter from "../../src/report/jest-reporter";
import { writeTestArtifacts } from "../../src/report/test-artifacts";
import { etcdTimeline, HOSTILE_NAME, partitionHistory, redisTimeline, staleReadHistory, writeLogs } from "../fixtures/report/realistic-run";
import { requireOrSkip } from "../helpers/requirements";

const CHROMIUM = "/usr/bin/chromium";
// Under the repo's ignored .tmp/, so the report and its screenshot can be opened after the run.
const root = join(__dirname, "..", "..", ".tmp", "report-browser");
const reportDir = join(root, "faultline-report");
const etcdFile = join(root, "test", "etcd-register.test.ts");
const redisFile = join(root, "test", "redis-failover.test.ts");

const requireChromium = requireOrSkip("chromium", () => (existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (apt-get install -y chromium)`));

requireChromium("the HTML report in a real browser", () => {
  let stderr = "";
  let partitionInvokes = 0;
  let staleInvokes = 0;

  beforeAll(async () => {
    await rm(root, { recursive: true, force: true });
    const logs = await writeLogs(root);
    const reporter = new FaultlineReporter({ rootDir: root }, { reportDir: "faultline-report" });
    await reporter.onRunStart();
    const etcd = etcdTimeline();
    const redis = redisTimeline();
    const nodeLogs = (names: string[]) => names.map((n) => ({ node: n, file: logs[n]! }));
    const cluster = (
      name: string,
      provisioner: string,
      timeline: TimelineJSON,
      from: number,
      to: number,
      histories: ClusterArtifactInput["histories"] = [],
    ): ClusterArtifactInput => ({
      name,
      provisioner,
      timeline,
      slice: { from, to },
      nodeLogs: nodeLogs(name === "etcd" ? ["n1", "n2", "n3"] : ["r1", "r2", "r3"]),
      histories,
    });
    const partition = partitionHistory();
    partitionInvokes = partition.split("\n").filter((l) => l.includes('"type":"invoke"')).length;
    const stale = staleReadHistory();
    staleInvokes = stale.invokes;
    const write = (testPath: string, testName: string, status: "passed" | "failed", durationMs: number, c: ClusterArtifactInput) =>
      writeTestArtifacts({ reportDir, testPath, testName, status, durationMs, clusters: [c] });
    await write(
      etcdFile,
      "keeps acknowledged writes through a leader partition",
      "passed",
      6990,
      cluster("etcd", "netns", etcd, 2000, 9000, [{ jsonl: partition, offsetMs: 2050, check: { valid: true, checker: "linearizable" } }]),
    );
    await write(etcdFile, "recovers when the leader is killed", "passed", 5990, cluster("etcd", "netns", etcd, 9000, 15000));
    await write(
      etcdFile,
      HOSTILE_NAME,
      "failed",
      6990,
      cluster("etcd", "netns", etcd, 15000, 22000, [{ jsonl: stale.jsonl, offsetMs: 15100, check: stale.check }]),
    );
    await write(redisFile, "fails over when the primary is paused", "failed", 5000, cluster("redis", "process", redis, 1000, 6050));
    await write(redisFile, "serves reads with a replica down", "passed", 3400, cluster("redis", "process", redis, 6100, 9600));
    const result = (path: string, tests: Array<[string, string, number, string[]]>) =>
      ({
        testFilePath: path,
        failureMessage: null,
        testResults: tests.map(([fullName, status, duration, failureMessages]) => ({
          fullName,
          status,
          duration,
          failureMessages,
          title: fullName,
          ancestorTitles: [],
        })),
      }) as unknown as TestResult;
    const noTest = {} as Test;
    const aggregated = {} as AggregatedResult;
    reporter.onTestFileResult(
      noTest,
      result(etcdFile, [
        ["keeps acknowledged writes through a leader partition", "passed", 6990, []],
        ["recovers when the leader is killed", "passed", 5990, []],
        [HOSTILE_NAME, "failed", 6990, ["expect(history).toBeLinearizable(models.casRegister())\n\n\x1b[31mread → 1 cannot follow\x1b[39m <b>not bold</b>"]],
      ]),
      aggregated,
    );
    reporter.onTestFileResult(
      noTest,
      result(redisFile, [
        ["fails over when the primary is paused", "failed", 5000, ["FAULTLINE_HEALTH_TIMEOUT: cluster was not healthy within 10.0s"]],
        ["serves reads with a replica down", "passed", 3400, []],
        ["survives clock skew", "pending", 0, []],
      ]),
      aggregated,
    );
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
    expect(stderr).toMatch(/report: \S*\.tmp\/report-browser\/faultline-report\/index\.html\n/);
    expect(stderr.trim().split("\n").length).toBeLessThanOrEqual(6);
  });

  it("writes coverage.json with a cell per fault kind, target and cluster", async () => {
    const coverage = JSON.parse(await readFile(join(reportDir, "coverage.json"), "utf8"));
    const cells = coverage.rows.flatMap((r: { kind: string; target: string; cells: Record<string, { passed: number; failed: number }> }) =>
      Object.entries(r.cells).map(([cluster, c]) => `${r.kind}/${r.target}/${cluster}: ${c.passed} passed, ${c.failed} failed`),
    );
    expect(cells).toEqual([
      "kill/leader/etcd: 1 passed, 0 failed",
      "kill/minority/redis: 1 passed, 0 failed",
      "latency/all/etcd: 0 passed, 1 failed",
      "partition/leader/etcd: 1 passed, 0 failed",
      "pause/r1/redis: 0 passed, 1 failed",
    ]);
  });

  it("renders offline, without console errors, injected markup or requests beyond file://", async () => {
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
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

      const cells = await page
        .locator("td.matrix-cell:not(.empty-cell)")
        .evaluateAll((tds) => tds.map((td) => `${td.dataset.kind}/${td.dataset.target}/${td.dataset.cluster}: ${td.dataset.passed}/${td.dataset.failed}`));
      expect(cells.sort()).toEqual([
        "kill/leader/etcd: 1/0",
        "kill/minority/redis: 1/0",
        "latency/all/etcd: 0/1",
        "partition/leader/etcd: 1/0",
        "pause/r1/redis: 0/1",
      ]);
      expect(await count("td.matrix-cell.empty-cell")).toBe(5);

      expect(await count("img")).toBe(0);
      expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
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
