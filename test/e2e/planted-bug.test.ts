import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { failureText, fileResult, repoRoot, runJest } from "./helpers/run-jest";

/**
 * The planted-bug example (examples/planted-bug), run as a person would run it: testFaults
 * plays schedules of up to ten faults on five demo-kv nodes that carry a planted bug (a node
 * that hears no peer when it starts leads alone). It must find a failing schedule and shrink it
 * to the two faults the bug needs — a partition isolating a node, then a restart or kill of that
 * node — and print a withFaults test that fails on its own against the buggy nodes and passes
 * against the same nodes without the bug.
 */
const project = join(repoRoot, "examples", "planted-bug");
const replay = join(project, "replay.test.ts");

function replayFile(cluster: "buggy" | "fixed", code: string): string {
  return [
    `/** @cluster ${cluster} */`,
    'import { useCluster, withFaults } from "faultline";',
    'import { everyAcknowledgedWriteSurvives, writeThroughEveryNode } from "./acknowledged-writes";',
    `const cluster = useCluster("${cluster}");`,
    'test("replay", async () => {',
    `  await withFaults(${code}, () => writeThroughEveryNode(cluster))();`,
    "  await everyAcknowledgedWriteSurvives(cluster);",
    "});",
    "",
  ].join("\n");
}

describe("testFaults finds the planted bug and shrinks its schedule to two faults", () => {
  afterAll(() => rmSync(replay, { force: true }));

  it("reports partition-then-restart of one node, as a test that fails with the bug and passes without it", async () => {
    const run = await runJest(project, ["--runInBand", "explore.test.ts"], { PLANTED_BUG_SEED: "47" }, 420_000);
    const text = failureText(fileResult(run, "explore.test.ts"));
    const first = /First failing schedule \((\d+) faults\)/.exec(text);
    expect(Number(first?.[1])).toBeGreaterThan(2);
    const smallest = /Smallest failing schedule \(2 faults\): partition isolating (n\d), then (restart|kill) (n\d) — it failed (\d) of (\d) runs/.exec(text);
    expect(smallest).not.toBeNull();
    expect(smallest![3]).toBe(smallest![1]);
    expect(text).toMatch(/the acknowledged write \S+ is lost/);

    const code = /withFaults\((\[[\s\S]*?\n\s*\]), async/.exec(text)?.[1];
    expect(code).toBeDefined();
    const steps = new Function(`return ${code!}`)() as Array<[string, Record<string, string>]>;
    expect(steps).toEqual([
      ["partition", { isolate: smallest![1] }],
      [smallest![2], { node: smallest![1] }],
    ]);

    writeFileSync(replay, replayFile("buggy", code!));
    const buggy = await runJest(project, ["--runInBand", "replay.test.ts"]);
    expect(failureText(fileResult(buggy, "replay.test.ts"))).toMatch(/the acknowledged write \S+ is lost/);

    writeFileSync(replay, replayFile("fixed", code!));
    const fixed = await runJest(project, ["--runInBand", "replay.test.ts"]);
    expect(failureText(fileResult(fixed, "replay.test.ts"))).toBe("");
    expect(fileResult(fixed, "replay.test.ts").status).toBe("passed");
  }, 600_000);
});
