import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { request } from "node:http";
import { dirname, join, relative, resolve } from "node:path";
import Docker from "dockerode";
import { buildImageFromHost } from "../../src/provisioners/docker/image-from-host";
import type { NodeSlot } from "../../src/cluster/provisioner";

export const ETCD_IMAGE = "faultline/etcd:local";
export const repoRoot = resolve(__dirname, "../..");

/** Why no Docker engine can be used here (one line), or undefined. Synchronous, for requireOrSkip. */
export function dockerProblem(): string | undefined {
  const script = `const D=require("dockerode");const h=process.env.DOCKER_HOST;new D().ping().then(()=>process.exit(0),(e)=>{console.log(e.message);process.exit(1)})`;
  const result = spawnSync(process.execPath, ["-e", script], { cwd: repoRoot, encoding: "utf8", timeout: 10_000 });
  if (result.status === 0) return undefined;
  return `no Docker engine answers at ${process.env.DOCKER_HOST ?? "/var/run/docker.sock"} (${(result.stdout || result.stderr || "timeout").trim().split("\n")[0]}); run .ci/start-dockerd.sh`;
}

/** Builds `faultline/etcd:local` from the host's etcd when the engine lacks it (reproducible, so kept between runs). */
export async function ensureEtcdImage(docker: Docker = new Docker()): Promise<void> {
  const present = await docker
    .getImage(ETCD_IMAGE)
    .inspect()
    .then(
      () => true,
      () => false,
    );
  if (!present) await buildImageFromHost({ binaries: ["etcd", "etcdctl"], tag: ETCD_IMAGE, docker });
}

/** A short-timeout etcd member, identical to what a cluster module would run on any provisioner. */
export function etcdArgv(slot: NodeSlot, peers: readonly NodeSlot[]): string[] {
  const url = (s: NodeSlot, port: string): string => `http://${s.host}:${s.ports[port]}`;
  return [
    "etcd",
    "--name",
    slot.name,
    "--data-dir",
    slot.dataDir,
    "--listen-client-urls",
    url(slot, "client"),
    "--advertise-client-urls",
    url(slot, "client"),
    "--listen-peer-urls",
    url(slot, "peer"),
    "--initial-advertise-peer-urls",
    url(slot, "peer"),
    "--initial-cluster",
    peers.map((p) => `${p.name}=${url(p, "peer")}`).join(","),
    "--initial-cluster-state",
    "new",
    "--heartbeat-interval",
    "50",
    "--election-timeout",
    "300",
    "--log-level",
    "warn",
  ];
}

/** One HTTP request with a deadline: the status and body, or "timeout"/an error code. */
export function httpCall(
  url: string,
  options: { method?: string; body?: string; timeoutMs?: number } = {},
): Promise<{ status: number; body: string } | string> {
  return new Promise((resolveCall) => {
    const req = request(url, { method: options.method ?? "GET", timeout: options.timeoutMs ?? 1000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolveCall({ status: res.statusCode ?? 0, body }));
      res.on("error", () => resolveCall("error"));
    });
    req.on("timeout", () => {
      req.destroy();
      resolveCall("timeout");
    });
    req.on("error", (error: NodeJS.ErrnoException) => resolveCall(error.code ?? "error"));
    req.end(options.body);
  });
}

/** "true", "false", "timeout" or an error code: what etcd's /health says of one member. */
export async function health(slot: NodeSlot, timeoutMs = 700): Promise<string> {
  const result = await httpCall(`http://${slot.host}:${slot.ports.client}/health`, { timeoutMs });
  if (typeof result === "string") return result;
  try {
    return String((JSON.parse(result.body) as { health: string }).health);
  } catch {
    return `status ${result.status}`;
  }
}

/** The member id a node sees as leader, and its own id (v3 maintenance status). */
export async function status(slot: NodeSlot): Promise<{ leader: string; member: string } | undefined> {
  const result = await httpCall(`http://${slot.host}:${slot.ports.client}/v3/maintenance/status`, { method: "POST", body: "{}", timeoutMs: 700 });
  if (typeof result === "string" || result.status !== 200) return undefined;
  const parsed = JSON.parse(result.body) as { leader: string; header: { member_id: string } };
  return { leader: parsed.leader, member: parsed.header.member_id };
}

export async function until<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs}ms (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 50));
    last = await probe();
  }
  return last;
}

/** Containers and networks that carry `faultline.run=<id>` on an engine. */
export async function labelled(docker: Docker, runId: string): Promise<{ containers: string[]; networks: string[] }> {
  const filters = { label: [`faultline.run=${runId}`] };
  const [containers, networks] = await Promise.all([docker.listContainers({ all: true, filters }), docker.listNetworks({ filters })]);
  return { containers: containers.map((c) => c.Id), networks: networks.map((n) => n.Id) };
}

/**
 * Compiles (transpiles, no type-check) the runtime closure of `entries` from src/ into a folder
 * under .tmp/, so a child process can run the real code — the watchdog included — without a
 * full build that other work in progress might break. Returns the folder that mirrors src/.
 */
export function transpileSrc(entries: string[], outDir = join(repoRoot, ".tmp", `src-${process.pid}`)): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require("typescript") as typeof import("typescript");
  const srcDir = join(repoRoot, "src");
  const pending = entries.map((e) => join(srcDir, e));
  const seen = new Set<string>();
  while (pending.length) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const output = ts.transpileModule(readFileSync(file, "utf8"), {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }).outputText;
    const target = join(outDir, relative(srcDir, file)).replace(/\.ts$/, ".js");
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, output);
    for (const match of output.matchAll(/require\("(\.{1,2}\/[^"]+)"\)/g)) {
      const base = resolve(dirname(file), match[1]!);
      const next = [`${base}.ts`, join(base, "index.ts")].find((candidate) => existsSync(candidate));
      if (next) pending.push(next);
    }
  }
  return outDir;
}
