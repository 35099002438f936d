import { join } from "node:path";
import { fixturesDir, runJest, fileResult, failureText, type JestRun } from "./helpers/run-jest";
import { execFileSync } from "node:child_process";

const project = join(fixturesDir, "errors");

/** Processes whose command line points into a faultline run directory. */
function leftovers(): string[] {
  try {
    return execFileSync("pgrep", ["-fa", "faultline-[0-9]+/.*(tiny-node|watchdog)"], { encoding: "utf8" }).trim().split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

describe("misconfigurations get a FAULTLINE_* code, the place, and a hint", () => {
  let run: JestRun;
  beforeAll(async () => {
    run = await runJest(project, ["--runInBand"]);
  }, 180_000);

  const cases: Array<[string, RegExp[]]> = [
    ["unknown.test.js", [/FAULTLINE_UNKNOWN_CLUSTER/, /no cluster named "nope"/, /known: "missingModule", "noDefault"/, /Hint:/]],
    ["missing-module.test.js", [/FAULTLINE_CLUSTER_MODULE/, /does not exist: .*does-not-exist\.cluster\.js/, /relative to the Jest rootDir/]],
    ["no-default.test.js", [/FAULTLINE_CLUSTER_MODULE/, /no default export made by defineCluster/]],
    ["missing-binary.test.js", [/FAULTLINE_BINARY_NOT_FOUND/, /"faultline-no-such-binary" was not found on PATH/, /node "n1"/, /Hint:/]],
    ["crash.test.js", [/FAULTLINE_NODE_EXITED/, /exited with code 3 while starting/, /node "n2"/, /simulated crash at start/]],
    ["silent.test.js", [/FAULTLINE_READY_TIMEOUT/, /within 1\.50s/, /probe tcp\(http\)/, /will never listen/]],
    ["bad-duration.test.js", [/FAULTLINE_INVALID_DURATION/, /received "20 seconds"/, /option "readyTimeout"/, /"20s", not "20 seconds"/]],
  ];

  it.each(cases)("%s", (file, patterns) => {
    const result = fileResult(run, file);
    expect(result.status).toBe("failed");
    const text = failureText(result);
    for (const pattern of patterns) expect(text).toMatch(pattern);
  });

  it("leaves no process behind after failed provisioning", () => {
    expect(leftovers()).toEqual([]);
  });
});
