import type { TimelineEvent } from "../../../src/cluster/timeline";
import type { TestOutcome } from "../../../src/report/artifact-types";
import { renderReportPage } from "../../../src/report/html/page";
import type { LoadedTest } from "../../../src/report/read-artifacts";
import { buildRunReport, type JestFileResult } from "../../../src/report/report-model";

const HOSTILE = `</script><script>alert(1)</script><img src=x onerror=alert(2)>`;
let seq = 0;
const ev = (at: number, e: Record<string, unknown>): TimelineEvent => ({ at, wall: at, seq: seq++, ...e }) as unknown as TimelineEvent;

function loaded(name: string, status: TestOutcome["status"], writtenAt: number, withHistory = true): LoadedTest {
  const fault = { id: "partition-1", kind: "partition", description: `partition ${HOSTILE}`, targets: ["n1"], grudge: { n1: ["n2"], n2: ["n1"] } };
  const outcome: TestOutcome = {
    version: 1,
    testPath: "/repo/test/etcd.test.ts",
    testName: name,
    status,
    durationMs: 900,
    writtenAt,
    clusters: [
      {
        name: "etcd",
        provisioner: "process",
        nodes: ["n1", "n2"],
        logs: { n1: "etcd-n1.log" },
        faults: [{ ...fault, appliedAt: 100, healedAt: 600, activeMs: 500 }],
        recoveries: [{ label: "toRecoverWithin(5s)", ok: true, durationMs: 200, budgetMs: 5000, at: 800 }],
        histories: withHistory ? [{ file: "history-0.jsonl", offsetMs: 0, operations: 4 }] : [],
      },
    ],
  };
  return {
    outcome,
    dir: "runs/f/t",
    timelines: [
      {
        cluster: "etcd",
        origin: 0,
        originWall: 0,
        from: 0,
        to: 1000,
        nodes: ["n1", "n2"],
        carried: [],
        events: [
          ev(100, { type: "fault", phase: "apply", ...fault }),
          ev(300, { type: "node", node: "n2", event: "paused" }),
          ev(600, { type: "fault", phase: "heal", ...fault }),
        ],
      },
    ],
    histories: withHistory
      ? [
          {
            cluster: "etcd",
            artifact: outcome.clusters[0]!.histories[0]!,
            operations: [
              { index: 0, process: 0, type: "invoke", f: "write", value: HOSTILE, time: 50e6 },
              { index: 1, process: 1, type: "invoke", f: "read", value: null, time: 60e6 },
              { index: 2, process: 0, type: "ok", f: "write", value: HOSTILE, time: 70e6 },
              { index: 3, process: 1, type: "info", f: "read", value: null, time: 560e6, error: "timeout" },
            ],
          },
        ]
      : [],
    logTails: { etcd: { n1: [`\x1b[32m${HOSTILE}\x1b[0m`] } },
  };
}

describe("the report page", () => {
  const jest: JestFileResult[] = [
    {
      testFilePath: "/repo/test/etcd.test.ts",
      testResults: [
        { fullName: HOSTILE, status: "failed", duration: 900, failureMessages: [HOSTILE] },
        { fullName: "plain", status: "passed", duration: 3, failureMessages: [] },
      ],
    },
  ];
  const report = buildRunReport(jest, [loaded(HOSTILE, "failed", 1)], "/repo", 0);
  const html = renderReportPage(report);

  it("escapes every user string: test names, fault descriptions, values, log lines, failures", () => {
    expect(html.match(/<script/g)).toHaveLength(1); // the page's own
    expect(html).not.toContain("<img");
    expect(html).not.toContain("\x1b");
    expect(html).toContain("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;");
  });

  it("loads nothing from anywhere, and says so in its CSP", () => {
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toMatch(/@import|url\((?!#)/);
    expect(html).toContain("default-src 'none'");
  });

  it("draws a band per fault, a lane per node and a bar per operation", () => {
    expect(html.match(/<g class="fault-band"/g)).toHaveLength(1);
    expect(html.match(/<g class="node-lane"/g)).toHaveLength(2);
    expect(html.match(/<rect class="op op-/g)).toHaveLength(2);
    expect(html.match(/class="op op-info"/g)).toHaveLength(1);
    expect(html.match(/<g class="latency-band"/g)).toHaveLength(1);
    expect(html).toContain("partition n1 ⟂ n2");
  });

  it("lists tests without cluster activity too", () => {
    expect(report.files[0]!.tests.map((t) => [t.name, t.status, t.artifacts !== undefined])).toEqual([
      [HOSTILE, "failed", true],
      ["plain", "passed", false],
    ]);
  });
});

describe("buildRunReport", () => {
  it("keeps the last attempt of a retried test", () => {
    const jest: JestFileResult[] = [{ testFilePath: "/repo/test/etcd.test.ts", testResults: [{ fullName: "flaky", status: "passed", failureMessages: [] }] }];
    const report = buildRunReport(jest, [loaded("flaky", "failed", 1), loaded("flaky", "passed", 2)], "/repo", 0);
    expect(report.files[0]!.tests).toHaveLength(1);
    expect(report.files[0]!.tests[0]!.artifacts!.outcome.writtenAt).toBe(2);
    expect(report.summary.faults.total).toBe(1);
  });

  it("shows tests whose Jest result never arrived, from their artifacts", () => {
    const report = buildRunReport([], [loaded("orphan", "passed", 1, false)], "/repo", 0);
    expect(report.files.map((f) => f.display)).toEqual(["test/etcd.test.ts"]);
    expect(report.matrix.rows.map((r) => `${r.kind}/${r.target}`)).toEqual(["partition/split 1|1"]);
  });
});
