import { execFileSync, type ExecFileSyncOptions } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixturesDir, repoRoot } from "./helpers/run-jest";

/**
 * A stranger's project: faultline installed from `npm pack`, a TypeScript cluster module, tests
 * type-checked against the published declarations and run by the project's own Jest.
 */
/** Runs a command; on failure the error carries what it printed. */
function run(command: string, args: string[], options: ExecFileSyncOptions): void {
  try {
    execFileSync(command, args, { ...options, stdio: "pipe" });
  } catch (error) {
    const e = error as { stdout?: Buffer; stderr?: Buffer; message: string };
    throw new Error(`${e.message}\n${e.stdout?.toString() ?? ""}\n${e.stderr?.toString() ?? ""}`);
  }
}

describe("a consumer project installing the packed package", () => {
  const work = mkdtempSync(join(tmpdir(), "fl-consumer-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("type-checks and passes its tests", () => {
    execFileSync("npm", ["pack", "--ignore-scripts", "--pack-destination", work], { cwd: repoRoot, stdio: "pipe" });
    const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"))!;
    const project = join(work, "project");
    cpSync(join(fixturesDir, "consumer"), project, { recursive: true });
    const pkg = JSON.parse(execFileSync("node", ["-p", "JSON.stringify(require('./package.json'))"], { cwd: repoRoot, encoding: "utf8" })) as {
      devDependencies: Record<string, string>;
    };
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({
        name: "consumer",
        private: true,
        devDependencies: {
          faultline: `file:${join(work, tarball)}`,
          jest: pkg.devDependencies.jest,
          "ts-jest": pkg.devDependencies["ts-jest"],
          typescript: pkg.devDependencies.typescript,
          "@types/jest": pkg.devDependencies["@types/jest"],
          "@types/node": pkg.devDependencies["@types/node"],
        },
      }),
    );
    run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: project, timeout: 240_000 });
    run(join(project, "node_modules", ".bin", "tsc"), ["-p", "."], { cwd: project });
    const out = join(work, "results.json");
    try {
      execFileSync(join(project, "node_modules", ".bin", "jest"), ["--ci", "--json", `--outputFile=${out}`], {
        cwd: project,
        stdio: "pipe",
        env: { ...process.env, FAULTLINE_RUN_DIR: "" },
      });
    } finally {
      const results = JSON.parse(execFileSync("cat", [out], { encoding: "utf8" })) as {
        numPassedTests: number;
        numFailedTests: number;
        testResults: Array<{ message: string }>;
      };
      expect(results.testResults.map((r) => r.message).join("\n")).toBe("");
      expect(results.numPassedTests).toBe(5);
    }
  }, 300_000);
});
