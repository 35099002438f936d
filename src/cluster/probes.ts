import { connect } from "node:net";
import { request } from "node:http";
import { spawn } from "node:child_process";
import { timers } from "../common/timers";
import { FaultlineError, describeValue, errorReason } from "../common/errors";
import { toMs, type Duration } from "../common/duration";
import type { Node, Probe } from "./types";
import { isPortName } from "./node-specs";

/** Named probes, each a function that resolves when the node is ready and throws otherwise. */
export type NamedProbe = Probe & { readonly description: string };

export function named(description: string, probe: Probe): NamedProbe {
  return Object.assign(probe, { description });
}

/**
 * A probe's finding that a node or cluster is not (yet) as it should be. Ready, healthy and
 * leader probes throw it; readiness and health budgets retry until they run out, then quote it.
 */
export function probeFailed(message: string, where: { cluster?: string; node?: string; cause?: unknown } = {}): FaultlineError {
  return new FaultlineError({ code: "FAULTLINE_PROBE_FAILED", message, ...where });
}

/** A probe's port is a name from the cluster's `ports`; a number or typo would fail every probe until readyTimeout. */
function checkPortName(probe: string, port: unknown): void {
  if (isPortName(port)) return;
  throw new FaultlineError({
    code: "FAULTLINE_INVALID_OPTION",
    message: `${probe} port must be the name of one of the cluster's ports, received ${describeValue(port)}`,
    hint: `name the port, not its number: ${probe === "probes.tcp" ? 'probes.tcp("client")' : 'probes.http({ port: "client", path: "/health" })'}`,
    option: `${probe} port`,
  });
}

/** The node accepts TCP connections on `port` (a name from `ports`). */
function tcp(port: string, options: { timeout?: Duration } = {}): NamedProbe {
  checkPortName("probes.tcp", port);
  const timeout = toMs(options.timeout ?? "2s", { option: "probes.tcp timeout", positive: true });
  return named(`tcp(${port})`, (node) =>
    tcpConnect(node.host, node.port(port), timeout).catch((error: unknown) => {
      throw probeFailed(`no TCP connection on port "${port}": ${errorReason(error)}`, { cluster: node.cluster, node: node.name, cause: error });
    }),
  );
}

export function tcpConnect(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = timers.setTimeout(() => {
      socket.destroy();
      reject(new Error(`no TCP connection to ${host}:${port} within ${timeoutMs}ms`));
    }, timeoutMs);
    socket.once("connect", () => {
      timers.clearTimeout(timer);
      // destroy, not end: a peer that never closes its side (a paused node, a host gone) would hold the socket, and this process, open.
      socket.destroy();
      resolve();
    });
    socket.once("error", (error) => {
      timers.clearTimeout(timer);
      reject(error);
    });
  });
}

export interface HttpProbeOptions {
  port: string;
  path?: string;
  /** Expected status, or a predicate. Default: any 2xx. */
  status?: number | ((status: number) => boolean);
  /** Checks the response body; throw or return false when not ready. */
  // eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- returning nothing means ready
  body?: (body: string) => boolean | void;
  scheme?: "http";
  timeout?: Duration;
}

/** An HTTP GET on the node's port answers with the expected status (default 2xx). */
function http(options: HttpProbeOptions): NamedProbe {
  checkPortName("probes.http", options?.port);
  const path = options.path ?? "/";
  // "health" would send `GET health`, which servers answer 400 until readyTimeout.
  if (typeof path !== "string" || !path.startsWith("/")) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `probes.http path must start with "/", received ${describeValue(path)}`,
      hint: 'e.g. probes.http({ port: "client", path: "/health" })',
      option: "probes.http path",
    });
  }
  const timeout = toMs(options.timeout ?? "2s", { option: "probes.http timeout", positive: true });
  return named(`http(${options.port} ${path})`, async (node) => {
    const { status, body } = await nodeHttpGet(node, options.port, path, timeout);
    const expected = options.status ?? ((s: number) => s >= 200 && s < 300);
    const ok = typeof expected === "number" ? status === expected : expected(status);
    const where = { cluster: node.cluster, node: node.name };
    if (!ok) throw probeFailed(`GET ${path} answered ${status}: ${body.slice(0, 200)}`, where);
    if (options.body && options.body(body) === false) throw probeFailed(`GET ${path} body not ready: ${body.slice(0, 200)}`, where);
  });
}

/** httpGet on a node's own port (named in `ports`); a refused or timed-out request is a probe failure of that node. */
export function nodeHttpGet(node: Node, port: string, path: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return httpGet(node.host, node.port(port), path, timeoutMs).catch((error: unknown) => {
    throw probeFailed(`GET ${path} on port "${port}" failed: ${errorReason(error)}`, { cluster: node.cluster, node: node.name, cause: error });
  });
}

export function httpGet(host: string, port: number, path: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, method: "GET", agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        timers.clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") });
      });
      res.on("error", reject);
    });
    const timer = timers.setTimeout(() => req.destroy(new Error(`GET http://${host}:${port}${path} timed out after ${timeoutMs}ms`)), timeoutMs);
    req.on("error", (error) => {
      timers.clearTimeout(timer);
      reject(error);
    });
    req.end();
  });
}

/** A line of the node's output matches `pattern`. */
function log(pattern: RegExp): NamedProbe {
  // A string has no .test(): every probe would throw a TypeError until readyTimeout.
  if (!(pattern instanceof RegExp) && Object.prototype.toString.call(pattern) !== "[object RegExp]") {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `probes.log pattern must be a regular expression, received ${describeValue(pattern)}`,
      hint: "e.g. probes.log(/ready to serve/)",
      option: "probes.log pattern",
    });
  }
  return named(`log(${pattern})`, async (node) => {
    if (!node.logs.tail(Infinity).some((line) => pattern.test(line)))
      throw probeFailed(`no log line matches ${pattern} yet`, { cluster: node.cluster, node: node.name });
  });
}

/** A command exits 0. `argv` may be a function of the node (e.g. `etcdctl --endpoints …`). */
function command(argv: string[] | ((node: Node) => string[]), options: { timeout?: Duration } = {}): NamedProbe {
  const timeout = toMs(options.timeout ?? "5s", { option: "probes.command timeout", positive: true });
  return named(`command(${Array.isArray(argv) ? argv.join(" ") : "…"})`, (node) => {
    const args = typeof argv === "function" ? argv(node) : argv;
    return new Promise<void>((resolve, reject) => {
      const child = spawn(args[0]!, args.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      child.stdout.on("data", (c: Buffer) => (output += c.toString()));
      child.stderr.on("data", (c: Buffer) => (output += c.toString()));
      const timer = timers.setTimeout(() => child.kill("SIGKILL"), timeout);
      child.once("error", (error) => {
        timers.clearTimeout(timer);
        reject(error);
      });
      child.once("exit", (code, signal) => {
        timers.clearTimeout(timer);
        if (code === 0) resolve();
        else reject(probeFailed(`${args.join(" ")} exited ${signal ?? code}: ${output.trim().slice(-300)}`, { cluster: node.cluster, node: node.name }));
      });
    });
  });
}

/** Every named port accepts TCP connections — the default readiness probe. */
export function allPortsOpen(ports: readonly string[]): NamedProbe {
  return named(ports.length ? `tcp(${ports.join(", ")})` : "process running", async (node, cluster) => {
    for (const port of ports) await tcp(port)(node, cluster);
  });
}

/** Readiness probes for `ready`. */
export const probes = { tcp, http, log, command };

export function describeProbe(probe: Probe): string {
  return (probe as Partial<NamedProbe>).description ?? (probe.name ? `${probe.name}()` : "custom probe");
}
