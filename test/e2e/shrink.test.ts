import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { failureText, fileResult, fixturesDir, runJest } from "./helpers/run-jest";

/**
 * testFaults on a real cluster (three processes): a property that breaks only when two faults
 * leave both n1 and n2 unable to answer. The exploration must report exactly two such faults,
 * print them as a withFaults test, and that test must fail on its own — with either fault
 * alone, it passes.
 */
const project = join(fixturesDir, "shrink");
const replay = join(project, "replay.test.js");

function replayFile(code: string): string {
  return [
    "/** @cluster trio */",
    'const { useCluster, withFaults } = require("faultline");',
    'const readAvailable = require("./read-available");',
    'const cluster = useCluster("trio");',
    `test("replay", withFaults(${code}, () => readAvailable(cluster)));`,
    "",
  ].join("\n");
}

describe("testFaults shrinks a failing schedule to the faults that matter", () => {
  afterAll(() => rmSync(replay, { force: true }));

  it("reports the two faults that break the property, as a withFaults test that fails on its own", async () => {
    const reportDir = mkdtempSync(join(tmpdir(), "fl-shrink-report-"));
    const run = await runJest(project, ["--runInBand", "explore.test.js"], { FAULTLINE_REPORT_DIR: reportDir }, 240_000);
    const text = failureText(fileResult(run, "explore.test.js"));
    expect(text).toMatch(/Seed 7, path "[\d:]+"/);
    expect(text).toContain("Smallest failing schedule (2 faults):");
    expect(text).toContain("neither n1 nor n2 answered");
    // The report's timeline marks each run; the one named as the smallest's last is there, failing.
    const last = /its last is run (\d+) in the report's timeline/.exec(text)?.[1];
    expect(last).toBeDefined();
    const timeline = readdirSync(reportDir, { recursive: true, encoding: "utf8" }).find((f) => f.endsWith("timeline.json"));
    const notes = (JSON.parse(readFileSync(join(reportDir, timeline!), "utf8")) as Array<{ events: Array<{ type: string; message?: string }> }>)
      .flatMap((c) => c.events)
      .filter((e) => e.type === "note")
      .map((e) => e.message);
    expect(notes).toContain(`testFaults run ${last!} failed: neither n1 nor n2 answered: the read could not be served`);
    expect(notes.find((m) => m?.startsWith(`testFaults run ${last!} starts: `))).toMatch(
      /^testFaults run \d+ starts: (kill|pause) n[12], then (kill|pause) n[12]$/,
    );
    rmSync(reportDir, { recursive: true, force: true });
    const code = /withFaults\((\[[\s\S]*?\n\s*\]), async/.exec(text)?.[1];
    expect(code).toBeDefined();
    // The printed code is a JavaScript literal, as a person would paste it.
    const steps = new Function(`return ${code!}`)() as Array<[string, { node: string }]>;
    expect(steps).toHaveLength(2);
    expect(steps.map(([, o]) => o.node).sort()).toEqual(["n1", "n2"]);
    expect(steps.every(([kind]) => kind === "kill" || kind === "pause")).toBe(true);

    writeFileSync(replay, replayFile(code!));
    const again = await runJest(project, ["--runInBand", "replay.test.js"]);
    expect(failureText(fileResult(again, "replay.test.js"))).toContain("neither n1 nor n2 answered");

    writeFileSync(replay, replayFile(JSON.stringify([steps[0]])));
    const one = await runJest(project, ["--runInBand", "replay.test.js"]);
    expect(fileResult(one, "replay.test.js").status).toBe("passed");
  }, 300_000);

  it("plays timed faults of withFaults while the body runs, and refuses kinds the cluster cannot apply", async () => {
    const run = await runJest(project, ["--runInBand", "timed.test.js", "unsupported-kind.test.js"]);
    const timed = fileResult(run, "timed.test.js");
    expect(failureText(timed)).toBe("");
    expect(timed.assertionResults.map((a) => a.status)).toEqual(["passed", "passed"]);
    const refused = failureText(fileResult(run, "unsupported-kind.test.js"));
    expect(refused).toContain("FAULTLINE_FAULT_UNSUPPORTED");
    expect(refused).toContain('testFaults cannot draw clock faults on cluster "trio" (provisioner "process")');
    expect(refused).toContain("clock: true");
    // Refused before any run: no fault was applied.
    expect(run.stdout + run.stderr).not.toMatch(/fault kill applied/);
  }, 120_000);
});
