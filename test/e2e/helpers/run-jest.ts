import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const repoRoot = resolve(__dirname, "..", "..", "..");
export const fixturesDir = join(repoRoot, "test", "fixtures");
const jestBin = join(repoRoot, "node_modules", "jest", "bin", "jest.js");

export interface JestAssertion {
  title: string;
  fullName: string;
  status: "passed" | "failed" | "pending" | "skipped" | "todo";
  failureMessages: string[];
}

export interface JestFileResult {
  name: string;
  status: "passed" | "failed";
  message: string;
  assertionResults: JestAssertion[];
}

export interface JestRun {
  code: number | null;
  stdout: string;
  stderr: string;
  results: { numPassedTests: number; numFailedTests: number; numTotalTests: number; testResults: JestFileResult[] };
}

/** Makes `require("faultline")` in a fixture resolve to this repo, as an installed package would. */
export function linkFaultline(projectDir: string): void {
  const modules = join(projectDir, "node_modules");
  mkdirSync(modules, { recursive: true });
  const link = join(modules, "faultline");
  if (!existsSync(link)) symlinkSync(repoRoot, link, "dir");
}

/** Runs real Jest on a fixture project and returns its JSON results. */
export function runJest(projectDir: string, args: string[] = [], env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): Promise<JestRun> {
  linkFaultline(projectDir);
  const outDir = mkdtempSync(join(tmpdir(), "fl-e2e-"));
  const outputFile = join(outDir, "results.json");
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [jestBin, "--ci", "--json", `--outputFile=${outputFile}`, ...args], {
      cwd: projectDir,
      env: { ...process.env, FAULTLINE_RUN_DIR: "", FORCE_COLOR: "0", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const guard = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(guard);
      try {
        const results = JSON.parse(readFileSync(outputFile, "utf8")) as JestRun["results"];
        resolvePromise({ code, stdout, stderr, results });
      } catch (error) {
        reject(new Error(`jest wrote no results (exit ${code}): ${(error as Error).message}\n${stderr.slice(-3000)}`));
      } finally {
        rmSync(outDir, { recursive: true, force: true });
      }
    });
  });
}

export function fileResult(run: JestRun, fileName: string): JestFileResult {
  const found = run.results.testResults.find((r) => r.name.endsWith(fileName));
  if (!found) throw new Error(`no result for ${fileName}; files: ${run.results.testResults.map((r) => r.name).join(", ")}`);
  return found;
}

/** Everything Jest printed as failure text for a file (file-level message and each test's). */
export function failureText(result: JestFileResult): string {
  return [result.message, ...result.assertionResults.flatMap((a) => a.failureMessages)].join("\n");
}
