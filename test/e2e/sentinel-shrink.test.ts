import { join } from "node:path";
import { which } from "../../src/common/which";
import { netnsProblem } from "../../src/provisioners/netns/capabilities";
import { requireOrSkip } from "../helpers/requirements";
import { failureText, fileResult, repoRoot, runJest } from "./helpers/run-jest";

/**
 * examples/sentinel-lost-writes, as a person would run it: testFaults plays random schedules of
 * kills, pauses and partitions over Debian's Redis with three Sentinels (netns), and must find
 * Sentinel's documented lost writes — an isolated primary acknowledges writes that vanish when
 * it rejoins as a replica — then shrink the schedule to the one partition that causes them.
 */
const project = join(repoRoot, "examples", "sentinel-lost-writes");
const redisProblem = (): string | undefined => ["redis-server", "redis-sentinel"].filter((b) => !which(b)).map((b) => `${b} is not on PATH`)[0];

requireOrSkip("redis-server, redis-sentinel and netns (root)", () => redisProblem() ?? netnsProblem())(
  "testFaults finds Redis Sentinel's lost writes and shrinks them to one partition",
  () => {
    it("reports a schedule of several faults, shrunk to isolating the primary", async () => {
      const run = await runJest(project, ["--runInBand", "explore.test.ts"], { SENTINEL_SEED: "23" }, 480_000);
      const text = failureText(fileResult(run, "explore.test.ts"));
      expect(Number(/First failing schedule \((\d+) faults?\)/.exec(text)?.[1])).toBeGreaterThan(1);
      expect(text).toMatch(/Smallest failing schedule \(1 fault\): partition isolating leader — it failed (\d) of \1 runs/);
      expect(text).toMatch(/the acknowledged write \S+ is lost: \S+, the primary after the heal, holds null/);
      const code = /withFaults\((\[[\s\S]*?\n\s*\]), async/.exec(text)?.[1];
      expect(new Function(`return ${code!}`)()).toEqual([["partition", { isolate: "leader" }]]);
    }, 540_000);
  },
);
