/**
 * Runs `faultline/failpoints` in a real child `node` process, the way a service under test loads
 * it. The module is transpiled on the fly (no type check, no dependency on the rest of the tree
 * building) into a temporary directory.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "../../..");
const SOURCES = ["src/failpoints", "src/common/errors.ts", "src/common/timers.ts", "src/common/local-http.ts"];

/** Transpiles the failpoints entry and what it imports; returns the temp dir (remove it after). */
export function transpileFailpoints(): string {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "faultline-failpoints-"));
  const files = SOURCES.flatMap((entry) => {
    const full = path.join(ROOT, entry);
    return fs.statSync(full).isDirectory()
      ? fs
          .readdirSync(full)
          .filter((f) => f.endsWith(".ts"))
          .map((f) => path.join(entry, f))
      : [entry];
  });
  for (const file of files) {
    const { outputText } = ts.transpileModule(fs.readFileSync(path.join(ROOT, file), "utf8"), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      fileName: file,
    });
    const target = path.join(out, file.replace(/^src\//, "").replace(/\.ts$/, ".js"));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, outputText);
  }
  return out;
}

/**
 * A tiny service: `GET /work` evaluates failpoint "svc.work" and answers `{ value }` (or 500 with
 * the error code when it panics). Prints `{"port":n}` once listening.
 */
export const SERVICE_SCRIPT = `
const http = require("node:http");
const { failpoint } = require(process.env.FAILPOINTS_MODULE);
const server = http.createServer(async (req, res) => {
  try {
    const value = await failpoint("svc.work");
    res.end(JSON.stringify({ value: value === undefined ? "none" : value }));
  } catch (error) {
    res.statusCode = 500;
    res.end(JSON.stringify({ error: error.code }));
  }
});
server.listen(0, "127.0.0.1", () => process.stdout.write(JSON.stringify({ port: server.address().port }) + "\\n"));
`;

export interface Child {
  process: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Spawns `node -e script` with the transpiled module's path in FAILPOINTS_MODULE. With
 * `stdin: "pipe"` the script can hold itself open on stdin until the test ends it.
 */
export function spawnNode(script: string, moduleDir: string, env: Record<string, string>, stdin: "ignore" | "pipe" = "ignore"): Child {
  const child = spawn(process.execPath, ["-e", script], {
    env: { PATH: process.env.PATH ?? "", FAILPOINTS_MODULE: path.join(moduleDir, "failpoints", "index.js"), ...env },
    stdio: [stdin, "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return { process: child, stdout: () => out, stderr: () => err, exited };
}

/** Resolves with the first stdout line parsed as JSON. */
export function firstLine<T>(child: Child, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child printed nothing in ${timeoutMs}ms; stderr: ${child.stderr()}`)), timeoutMs);
    const check = (): void => {
      const newline = child.stdout().indexOf("\n");
      if (newline < 0) return;
      clearTimeout(timer);
      child.process.stdout!.off("data", check);
      resolve(JSON.parse(child.stdout().slice(0, newline)) as T);
    };
    child.process.stdout!.on("data", check);
    child.process.on("exit", () => {
      clearTimeout(timer);
      reject(new Error(`child exited before printing; stderr: ${child.stderr()}`));
    });
    check();
  });
}

/** A port that was free a moment ago (the child binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A plain HTTP call with no agent reuse. */
export function call(method: string, url: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, agent: false }, (response) => {
      let text = "";
      response.on("data", (chunk: Buffer) => (text += chunk.toString()));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    request.on("error", reject);
    request.end(body);
  });
}
