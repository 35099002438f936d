import { formatMs, toMs } from "../common/duration";
import { FaultlineError } from "../common/errors";
import { monoNowMs } from "../common/timers";
import type { FaultlineCluster } from "../cluster/faultline-cluster";
import type { ClusterSpec, ReuseOptions } from "../cluster/types";
import type { RunContext } from "../reaper/run-context";
import { provisionCluster, validateClusterName } from "../wiring/start-cluster";
import { connectKeeper, stopKeeper } from "./connect-keeper";
import { keeperDir } from "./keeper-dir";
import { RemoteProvisioner } from "./remote-provisioner";
import { specHash } from "./spec-hash";
import { Wire } from "./wire";

export const REUSE_ENV = "FAULTLINE_REUSE";
export const REUSE_IDLE_ENV = "FAULTLINE_REUSE_IDLE";
const DEFAULT_IDLE = "15m";

/**
 * Whether this run keeps the cluster for the next: the spec must say `reuse`, and the run must
 * want it — Jest's watch mode, or FAULTLINE_REUSE=1 (an IDE's one-off runs). FAULTLINE_REUSE=0
 * turns it off everywhere; a plain run (CI) starts and stops its clusters as always.
 */
export function reuseWanted(spec: ClusterSpec, watching: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  if (!spec.reuse) return false;
  const setting = env[REUSE_ENV] ?? "";
  if (!["", "0", "1", "false", "true"].includes(setting))
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `${REUSE_ENV} must be 1 (keep reusable clusters between runs) or 0 (never), received ${JSON.stringify(setting)}`,
      hint: `unset it to keep them only in watch mode; ${REUSE_ENV}=1 for an IDE's one-off runs`,
      option: REUSE_ENV,
    });
  if (setting === "0" || setting === "false") return false;
  return watching || setting === "1" || setting === "true";
}

function reuseOptions(spec: ClusterSpec): ReuseOptions {
  return typeof spec.reuse === "object" && spec.reuse !== null ? spec.reuse : {};
}

/**
 * A reusable cluster for this session: the one its keeper kept since the last run (nodes
 * adopted, faults the last session left already undone, stopped nodes started again, the spec's
 * `reuse.reset` run), or a new one its new keeper will keep. A cluster that does not come back
 * healthy is discarded, so that the next run starts it anew.
 */
export async function provisionReused(
  spec: ClusterSpec,
  options: { name: string; modulePath?: string; rootDir: string; timeoutMs: number; run?: RunContext; onProgress?: (message: string) => void },
): Promise<FaultlineCluster> {
  const { name, onProgress } = options;
  validateClusterName(name); // it names the keeper's folder
  const own = reuseOptions(spec);
  const idleMs = toMs(process.env[REUSE_IDLE_ENV] ?? own.idleTimeout ?? DEFAULT_IDLE, {
    option: process.env[REUSE_IDLE_ENV] !== undefined ? REUSE_IDLE_ENV : "reuse.idleTimeout",
    cluster: name,
    positive: true,
  });
  const started = monoNowMs();
  const hash = specHash(spec, name, options.modulePath);
  const keeper = await connectKeeper({ cluster: name, rootDir: options.rootDir, hash, idleMs, timeoutMs: options.timeoutMs });
  const events: { to?: RemoteProvisioner } = {};
  const wire = new Wire(
    keeper.socket,
    (event) => events.to?.onEvent(event as never),
    () =>
      new FaultlineError({
        code: "FAULTLINE_RUN_ENDED",
        message: `the keeper of reused cluster "${name}" (pid ${keeper.pid}) is gone`,
        hint: "it was stopped (faultline clean, a changed spec) or killed; its watchdog removed the cluster. Rerun to start it anew",
        cluster: name,
      }),
  );
  const provisioner = new RemoteProvisioner(wire, spec, name);
  events.to = provisioner;
  keeper.socket.on("close", () => provisioner.onClosed());
  let cluster: FaultlineCluster | undefined;
  try {
    cluster = await provisionCluster(spec, { name, run: options.run, onProgress, provisioner });
    const reused = provisioner.previousSessions > 0;
    cluster.timeline.record({
      type: "note",
      message: reused
        ? `reused: kept by its keeper (pid ${keeper.pid}) since an earlier run; back in steady state after ${formatMs(monoNowMs() - started)}`
        : `reusable: its keeper (pid ${keeper.pid}) keeps it for the next run until it is idle for ${formatMs(idleMs)}`,
    });
    if (reused && own.reset) {
      await own.reset(cluster);
      await cluster.waitUntilHealthy("30s");
    }
    onProgress?.(`${name}: ${reused ? "reused" : "kept for reuse"} by keeper pid ${keeper.pid}, ready after ${formatMs(monoNowMs() - started)}`);
    return cluster;
  } catch (error) {
    // What did not come back healthy is not kept: the next run starts from nothing.
    await cluster?.stop().catch(() => undefined);
    wire.close();
    await stopKeeper(keeperDir(options.rootDir, name)).catch(() => undefined);
    throw error;
  }
}
