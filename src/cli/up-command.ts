import { extname, relative, resolve } from "node:path";
import { FaultlineError } from "../common/errors";
import { parseHostPort } from "../common/local-http";
import { monoNowMs, wallNow } from "../common/timers";
import type { FaultlineCluster } from "../cluster/faultline-cluster";
import { clusterArtifactInput } from "../report/cluster-artifact-input";
import { writeTestArtifacts } from "../report/test-artifacts";
import { writeReport } from "../report/write-report";
import { serveClusterControl } from "../control/cluster-control";
import { beginRun, endRun } from "../reaper/run-context";
import { provisionCluster } from "../wiring/start-cluster";
import { untilStopped } from "./until-stopped";

const USAGE = `usage: faultline up <cluster module> [--name NAME] [--control HOST:PORT] [--allow-remote] [--report-dir DIR]

Starts the cluster a defineCluster module exports (the files the Jest preset uses), prints each
node's addresses, and serves a control API until SIGINT or SIGTERM: Toxiproxy's HTTP API over the
nodes' client proxies (named <node>:<port>), and faultline's faults — POST /faults
{"kind","options"}, DELETE /faults/<id>, GET /faults, GET /cluster, GET /healthy.

  --name NAME          the cluster's name (default: the module's file name)
  --control HOST:PORT  where the control API listens (default 127.0.0.1:8474, Toxiproxy's port)
  --allow-remote       accept a control address beyond loopback
  --report-dir DIR     where the session's timeline and report go (default faultline-report)

Stopping heals every fault, writes the session's timeline and report, and removes everything the
run started; if this process is killed, its watchdog removes it all.
`;

function loadModule(path: string): unknown {
  if ([".ts", ".mts", ".cts"].includes(extname(path))) {
    let tsNode: string;
    try {
      tsNode = require.resolve("ts-node", { paths: [process.cwd(), path] });
    } catch {
      throw new FaultlineError({
        code: "FAULTLINE_CLUSTER_MODULE",
        message: `${path} is TypeScript, and ts-node is not installed here to load it`,
        hint: "npm install --save-dev ts-node, or point faultline up at the compiled .js module",
        option: "module",
      });
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the user's ts-node, found at run time
    (require(tsNode) as { register(options: object): void }).register({ transpileOnly: true });
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the user's module, named at run time
    const exported = require(path) as { default?: unknown } | undefined;
    return exported?.default ?? exported;
  } catch (error) {
    throw new FaultlineError({
      code: "FAULTLINE_CLUSTER_MODULE",
      message: `the cluster module ${path} failed to load: ${(error as Error).message}`,
      hint: "run it with node to see the error; it must export default defineCluster({...})",
      option: "module",
      cause: error,
    });
  }
}

/** `faultline up …`; resolves with the exit status once a signal stops it. */
export async function runUp(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  let module: string | undefined;
  let name: string | undefined;
  let control = "127.0.0.1:8474";
  let allowRemote = false;
  let reportDir = "faultline-report";
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string | undefined => (arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : argv[++i]);
    if (arg === "--help" || arg === "-h") {
      out.write(USAGE);
      return 0;
    }
    if (arg === "--allow-remote") allowRemote = true;
    else if (arg === "--name" || arg.startsWith("--name=")) name = value();
    else if (arg === "--control" || arg.startsWith("--control=")) control = value() ?? "";
    else if (arg === "--report-dir" || arg.startsWith("--report-dir=")) reportDir = value() ?? reportDir;
    else if (!arg.startsWith("-") && module === undefined) module = arg;
    else return usage(out, `unexpected argument ${JSON.stringify(arg)}`);
  }
  if (!module) return usage(out, "name the cluster module to start");
  const listen = parseHostPort(control);
  if (!listen) return usage(out, `--control must be HOST:PORT, got ${JSON.stringify(control)}`);
  const path = resolve(module);
  const spec = loadModule(path);
  const clusterName = name ?? /^([A-Za-z0-9][A-Za-z0-9_.-]*?)(\.cluster)?\.[cm]?[jt]s$/.exec(path.split("/").pop()!)?.[1] ?? "cluster";
  const run = beginRun();
  const startedAt = monoNowMs();
  const startedWall = wallNow();
  let stopped = false;
  try {
    const cluster = await provisionCluster(spec as never, { name: clusterName, run, onProgress: (line) => out.write(`faultline: ${line}\n`) });
    try {
      const served = await serveClusterControl(cluster, listen, { allowRemote });
      try {
        out.write(`faultline: cluster ${cluster.name} (${cluster.provisioner}) is up\n`);
        for (const node of cluster.nodes) {
          const ports = (node.spec.ports ?? []).map(
            (p) => `${p} ${node.address(p, { direct: true })}${node.proxy(p) ? ` (via fault proxy ${node.address(p)})` : ""}`,
          );
          out.write(`  ${node.name}  pid ${node.pid ?? "-"}  ${ports.join("  ")}\n`);
        }
        out.write(`faultline: control API on http://${served.address} (Toxiproxy's API, /faults, /cluster, /healthy); Ctrl-C stops\n`);
        await untilStopped();
        stopped = true;
      } finally {
        await served.close();
      }
      if (stopped) await writeSessionReport(out, cluster, path, resolve(reportDir), startedAt, startedWall);
    } finally {
      await cluster.stop();
    }
  } finally {
    await endRun(run);
  }
  if (stopped) out.write("faultline: stopped; nothing left running\n");
  return 0;
}

/** The session as one "test" of the report: its timeline, faults, recoveries and node logs. */
async function writeSessionReport(
  out: NodeJS.WritableStream,
  cluster: FaultlineCluster,
  module: string,
  reportDir: string,
  startedAt: number,
  since: number,
): Promise<void> {
  try {
    await writeTestArtifacts({
      reportDir,
      testPath: module,
      testName: `faultline up ${cluster.name}`,
      status: "passed",
      durationMs: monoNowMs() - startedAt,
      clusters: [clusterArtifactInput(cluster, startedAt)],
    });
    const { indexPath } = await writeReport({ reportDir, rootDir: process.cwd(), since });
    out.write(`faultline: timeline and report: ${relative(process.cwd(), indexPath) || indexPath}\n`);
  } catch (error) {
    out.write(`faultline: could not write the report in ${reportDir}: ${(error as Error).message}\n`);
  }
}

function usage(out: NodeJS.WritableStream, problem: string): number {
  out.write(`faultline up: FAULTLINE_INVALID_OPTION: ${problem}\n\n${USAGE}`);
  return 64;
}
