import { formatMs } from "../common/duration";
import { monoNowMs } from "../common/timers";
import { provisionCluster } from "../wiring/start-cluster";
import { provisionReused, reuseWanted } from "../reuse/reused-cluster";
import type { Timeline } from "../cluster/timeline";
import type { FileState } from "./file-state";
import { loadClusterModule } from "./load-cluster-module";
import { ProgressLine } from "./progress-line";

/** A file's provisioning still under way, and whether the file has given up on its clusters. */
interface Provisioning {
  inFlight: Set<Promise<unknown>>;
  closed: boolean;
}

// Kept beside the file's state rather than in it: it lives and dies with this module instance,
// which is the file's (the environment reaches it only through state.teardown).
const provisioning = new WeakMap<FileState, Provisioning>();

function provisioningOf(state: FileState): Provisioning {
  let own = provisioning.get(state);
  if (!own) provisioning.set(state, (own = { inFlight: new Set(), closed: false }));
  return own;
}

/**
 * Provisions every cluster the file asked for, all at once. Once the file gives up — a sibling
 * failed, or teardown began (beforeAll timed out) — a cluster that still comes up is stopped as
 * soon as it does, never stored where no teardown would find it.
 */
export async function provisionClusters(state: FileState, load: (path: string) => unknown): Promise<void> {
  const progress = new ProgressLine(state.config.progress);
  const own = provisioningOf(state);
  const starts = [...state.wanted].map(async (name) => {
    if (state.clusters.has(name) || own.closed) return;
    try {
      const spec = loadClusterModule(name, state.config, load);
      const onProgress = (message: string): void => progress.say(message);
      const cluster = reuseWanted(spec, state.config.watching)
        ? await provisionReused(spec, {
            name,
            modulePath: state.config.clusters[name],
            rootDir: state.config.rootDir,
            timeoutMs: state.config.provisionTimeoutMs,
            onProgress,
          })
        : await provisionCluster(spec, { name, onProgress });
      if (own.closed) await cluster.stop();
      else state.clusters.set(name, cluster);
    } catch (error) {
      // The first failure gives the file up at once: siblings still starting are stopped as they come up.
      own.closed = true;
      state.provisionError ??= error;
      throw error;
    }
  });
  // Teardown waits for every start; the file's beforeAll only for the first failure, which it reports.
  const settled: Promise<unknown> = Promise.allSettled(starts).then(() => own.inFlight.delete(settled));
  own.inFlight.add(settled);
  try {
    await Promise.all(starts);
  } catch (error) {
    own.closed = true;
    await stopClusters(state).catch(() => undefined);
    throw state.provisionError ?? error;
  } finally {
    progress.done();
  }
}

/** Every timeline of the file: its clusters', and its in-process scope's once it has one. */
function timelines(state: FileState): Timeline[] {
  return [...[...state.clusters.values()].map((cluster) => cluster.timeline), ...(state.inProcess ? [state.inProcess.timeline] : [])];
}

export function testStarted(state: FileState, name: string): void {
  state.current = { name, startedAt: monoNowMs(), faulted: new Set() };
  for (const timeline of timelines(state)) timeline.record({ type: "test", phase: "start", name });
}

/** Heals in-process faults a test left active (its body outlived Jest's timeout); rethrows the first error. */
export async function healInProcessFaults(state: FileState): Promise<void> {
  await state.inProcess?.healAll();
}

/** After each test: heal, resume, restart, and wait for steady state — on every cluster. */
export async function restoreClusters(state: FileState): Promise<void> {
  const inProcess = healInProcessFaults(state).then(
    () => undefined,
    (error: unknown) => error,
  );
  const results = await Promise.allSettled([...state.clusters.values()].map((cluster) => cluster.restoreSteadyState(state.config.restoreTimeoutMs)));
  const inProcessError = await inProcess;
  for (const owner of [...state.faultOwners.keys()]) state.faultOwners.delete(owner);
  if (inProcessError) throw inProcessError;
  const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failure) throw failure.reason;
}

export function testDone(state: FileState, name: string, status: "passed" | "failed"): void {
  if (state.current) state.current.status = status;
  for (const timeline of timelines(state)) timeline.record({ type: "test", phase: "end", name, status });
}

/** The state of every cluster, to end a failed test's message with. */
export function describeClusters(state: FileState): string {
  const started = state.current?.startedAt ?? 0;
  return [...state.clusters.values()]
    .map((cluster) => {
      const since = cluster.timeline.events.filter((e) => e.wall >= 0 && e.at >= started - cluster.timeline.origin);
      const nodes = cluster.nodes.map((node) => node.logSection(8)).join("\n");
      return `faultline: cluster "${cluster.name}" (${cluster.provisioner}) when the test failed:\n${cluster.timeline.format(since, 20)}\n${nodes}`;
    })
    .join("\n\n");
}

/**
 * Stops every cluster of the file, in reverse order of creation; rethrows the first error.
 * Provisioning still under way (a beforeAll that timed out goes on in the background) is waited
 * for first: what it brings up after this point is stopped by it, see provisionClusters.
 */
export async function teardownClusters(state: FileState): Promise<void> {
  const own = provisioningOf(state);
  own.closed = true;
  await Promise.allSettled([...own.inFlight]);
  await stopClusters(state);
}

/** Stops the clusters the file holds, in reverse order of creation; rethrows the first error. */
async function stopClusters(state: FileState): Promise<void> {
  const clusters = [...state.clusters.values()].reverse();
  state.clusters.clear();
  let first: unknown;
  await healInProcessFaults(state).catch((error: unknown) => (first ??= error));
  const started = monoNowMs();
  for (const cluster of clusters) {
    try {
      await cluster.stop();
    } catch (error) {
      first ??= error;
    }
  }
  if (first) throw first;
  if (clusters.length && monoNowMs() - started > 5000) process.stderr.write(`faultline: teardown took ${formatMs(monoNowMs() - started)}\n`);
}
