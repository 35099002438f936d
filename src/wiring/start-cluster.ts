import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { describeValue, FaultlineError, isFaultlineError } from "../common/errors";
import { formatMs } from "../common/duration";
import { monoNowMs } from "../common/timers";
import { FaultProxy } from "../proxy/fault-proxy";
import { createProvisioner } from "./create-provisioner";
import { currentRun, type RunContext } from "../reaper/run-context";
import { ClusterNode } from "../cluster/cluster-node";
import { validateSpec } from "../cluster/define-cluster";
import { allPorts, resolveNodes } from "../cluster/node-specs";
import { FaultlineCluster } from "../cluster/faultline-cluster";
import { allPortsOpen } from "../cluster/probes";
import { Timeline } from "../cluster/timeline";
import type { Cluster, ClusterSpec } from "../cluster/types";
import type { NodeSlot, Provisioner } from "../cluster/provisioner";

export interface StartClusterOptions {
  /** Name used in messages, reports and kernel object names. Default "cluster". */
  name?: string;
  /** Called as nodes come up, for progress output. */
  onProgress?: (message: string) => void;
  /** How long the whole cluster may take to become healthy after its nodes are ready. Default "30s". */
  healthyTimeout?: number | string;
}

/** The framework's own options: the run to register with (default: the current run, created on demand). */
export interface ProvisionOptions extends StartClusterOptions {
  run?: RunContext;
  /** The backend, when not the spec's own (a reused cluster's keeper). */
  provisioner?: Provisioner;
}

/**
 * Provisions a cluster from its spec: places the nodes, starts them all at once (systems like
 * etcd need their peers to come up together), waits for each to be ready and for the cluster
 * to be healthy. On any failure, removes what it made and rethrows the original error.
 */
export function startCluster(spec: ClusterSpec, options: StartClusterOptions = {}): Promise<Cluster> {
  const { name, onProgress, healthyTimeout } = options;
  return provisionCluster(spec, { name, onProgress, healthyTimeout });
}

let clusterCounter = 0;

/** {@link startCluster} for the framework: in a given run, returning the implementation (steady-state restore, the report's histories). */
export async function provisionCluster(spec: ClusterSpec, options: ProvisionOptions = {}): Promise<FaultlineCluster> {
  const name = options.name ?? "cluster";
  validateClusterName(name);
  validateSpec(spec, name);
  const run = options.run ?? currentRun();
  // The counter restarts in each test file's module registry while the pid stays (--runInBand).
  const dir = join(run.dir, `${name}-${process.pid}-${++clusterCounter}-${randomBytes(3).toString("hex")}`);
  try {
    // Never recursive: a run directory that is gone was reaped, and must not come back unowned.
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    throw new FaultlineError({
      code: "FAULTLINE_RUN_ENDED",
      message: `the run directory ${run.dir} is gone, so cluster ${name} was not started`,
      hint: "the test runner that owned this run exited or was killed and its watchdog removed everything; start a new run",
      cluster: name,
    });
  }
  const timeline = new Timeline();
  const provisioner = options.provisioner ?? createProvisioner(spec);
  const proxies: FaultProxy[] = [];
  const unmounts: Array<() => void> = [];
  const release = async (): Promise<void> => {
    await Promise.allSettled(proxies.map((proxy) => proxy.close()));
    for (const unmount of unmounts.splice(0).reverse()) unmount();
    await provisioner.dispose();
  };
  const cluster = new FaultlineCluster({ name, spec, dir, provisioner, timeline, release });
  const started = monoNowMs();
  try {
    const resolved = resolveNodes(spec);
    const slots = await provisioner.prepare({
      cluster: name,
      dir,
      run,
      timeline,
      ports: allPorts(resolved),
      subnet: spec.network?.subnet,
      nodes: resolved.map((node, index) => ({ name: node.name, index, docker: node.spec.docker })),
    });
    mountDataDirs(spec, provisioner, slots, run, name, unmounts);
    const byName = new Map(resolved.map((node) => [node.name, node]));
    for (const slot of slots) {
      const node = byName.get(slot.name)!;
      const ports = node.spec.ports ?? [];
      const nodeProxies = new Map<string, FaultProxy>();
      for (const port of ports) {
        const proxy = new FaultProxy({ name: `client->${slot.name}:${port}`, upstream: { host: slot.host, port: slot.ports[port]! } });
        proxies.push(proxy);
        await proxy.start();
        nodeProxies.set(port, proxy);
      }
      const ready = node.spec.ready ?? allPortsOpen(ports);
      cluster.nodes.push(
        new ClusterNode({
          slot,
          spec: node.spec,
          group: node.group,
          cluster: () => cluster,
          clusterName: name,
          clusterDir: dir,
          provisioner,
          timeline,
          ready,
          proxies: nodeProxies,
        }),
      );
    }
    // Nodes start together (systems like etcd need their peers to come up at once), except
    // those that depend on others: each of those starts once its dependencies are ready.
    let up = 0;
    const starting = new Map<string, Promise<void>>();
    const startNode = (node: ClusterNode): Promise<void> => {
      let promise = starting.get(node.name);
      if (!promise) {
        const dependencies = byName.get(node.name)!.dependsOn.map((dep) => startNode(cluster.node(dep)));
        promise = (async () => {
          await Promise.all(dependencies);
          await node.start();
          options.onProgress?.(`${name}: ${node.name} ready (${++up}/${cluster.nodes.length}) after ${formatMs(monoNowMs() - started)}`);
        })();
        starting.set(node.name, promise);
      }
      return promise;
    };
    const results = await Promise.allSettled(cluster.nodes.map(startNode));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failure) throw failure.reason;
    await cluster.waitUntilHealthy((options.healthyTimeout as never) ?? "30s");
    options.onProgress?.(`${name}: healthy after ${formatMs(monoNowMs() - started)}`);
    return cluster;
  } catch (error) {
    await cluster.stop().catch(() => undefined);
    throw annotate(error, name);
  }
}

/** Cluster names become folder names and appear in kernel object labels: plain words only. */
const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function validateClusterName(name: unknown): void {
  if (typeof name === "string" && CLUSTER_NAME.test(name) && !name.includes("..")) return;
  throw new FaultlineError({
    code: "FAULTLINE_INVALID_OPTION",
    message: `cluster name ${describeValue(name)} is not allowed: expected letters, digits, ".", "-" and "_" (at most 64, starting with a letter or digit, no "..")`,
    hint: 'name clusters like "etcd" or "redis-sentinel"; the name becomes a folder in the run directory',
    option: "name",
  });
}

/**
 * `disk: { size }`: a tmpfs on each data dir of this machine, each unmount pushed onto `unmounts`
 * as soon as it is mounted. Not on ssh (the data dirs are on the hosts, whose provisioner mounts
 * them there), nor for a reused cluster's session (its keeper mounted its own).
 */
export function mountDataDirs(
  spec: ClusterSpec,
  provisioner: Provisioner,
  slots: readonly NodeSlot[],
  run: RunContext,
  cluster: string,
  unmounts: Array<() => void>,
): void {
  if (!spec.disk || provisioner.kind === "ssh" || provisioner.keepsNodes) return;
  for (const slot of slots) unmounts.push(mountSizedDataDir(slot.dataDir, spec.disk.size, run, cluster, slot.name));
}

/** A tmpfs of `size` over a data dir, so a full-disk fault fills it rather than a real disk. */
function mountSizedDataDir(dir: string, size: string, run: RunContext, cluster: string, node: string): () => void {
  if (process.getuid?.() !== 0) {
    throw new FaultlineError({
      code: "FAULTLINE_PERMISSION",
      message: `disk: { size: "${size}" } mounts a tmpfs per data dir, which needs root`,
      hint: "run as root, or drop the disk option (full-disk faults then report unsupported)",
      cluster,
      node,
      option: "disk.size",
    });
  }
  // Registered before the mount: a process killed right after it leaves an undo the reaper runs;
  // killed before it, an undo that finds nothing mounted there (only faultline mounts on a data dir).
  const unregister = run.registry.add({ kind: "command", argv: ["umount", "-l", dir], label: `${cluster}/${node} data tmpfs` });
  const result = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${size},mode=0700`, "tmpfs", dir], { encoding: "utf8" });
  if (result.status !== 0) {
    unregister();
    throw new FaultlineError({
      code: "FAULTLINE_PERMISSION",
      message: `could not mount a ${size} tmpfs on ${dir}: ${result.stderr.trim()}`,
      hint: "check that this machine allows tmpfs mounts",
      cluster,
      node,
      option: "disk.size",
    });
  }
  return () => {
    spawnSync("umount", ["-l", dir]);
    unregister();
  };
}

function annotate(error: unknown, cluster: string): unknown {
  if (error instanceof Error && !isFaultlineError(error)) {
    return new FaultlineError({
      code: "FAULTLINE_PROVISION_FAILED",
      message: `provisioning failed: ${error.message}`,
      cluster,
      cause: error,
      hint: "see the cause below",
    });
  }
  return error;
}
