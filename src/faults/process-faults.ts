import { toMs, type Duration } from "../common/duration";
import { FaultlineError, describeValue } from "../common/errors";
import { sleep } from "../common/timers";
import { activeFault } from "../cluster/active-fault";
import type { Fault, FaultTarget } from "../cluster/fault";
import { describeTargets, requireCluster, resolveTargets, type TargetOptions } from "./targets";
import type { Node } from "../cluster/node-types";

export interface SignalFaultOptions extends TargetOptions {
  /** Send the signal twice, `gap` apart — "the second signal forces exit". Default false. */
  twice?: boolean;
  /** Time between the two signals. Default "200ms". */
  gap?: Duration;
  /** Wait for the process to exit before the fault counts as applied. Default true for kill. */
  waitForExit?: boolean;
}

/** Heals a process fault: start what stopped, resume what was paused. */
async function revive(nodes: readonly Node[]): Promise<void> {
  for (const node of nodes) {
    if (node.state === "paused") await node.resume();
    if (node.state === "exited" || node.state === "stopped") await node.start();
  }
}

/**
 * Heals a signal fault. A node asked to shut down (SIGTERM, SIGINT) may still be on its way out
 * when the fault heals: starting it would be skipped, and it would exit right after, leaving the
 * cluster a node short. So the heal first waits for the process it signalled to exit, up to the
 * cluster's stop timeout; a node that ignores the signal is running, and is left so.
 */
async function reviveSignalled(cluster: FaultTarget, signalled: ReadonlyMap<Node, number | undefined>): Promise<void> {
  const grace = cluster.stopTimeoutMs;
  await Promise.all(
    [...signalled].map(async ([node, pid]) => {
      const sameProcess = node.pid === pid;
      if (sameProcess && (node.state === "running" || node.state === "stopping")) await node.waitForExit(grace).catch(() => undefined);
    }),
  );
  await revive([...signalled.keys()]);
}

/**
 * Runs a multi-target apply; if it fails part-way, undoes what it had done and rethrows the
 * original error. Otherwise a failed apply returns no fault to heal, and a node it stopped
 * stays stopped.
 */
async function rollingBack(apply: () => Promise<void>, undo: () => Promise<void>): Promise<void> {
  try {
    await apply();
  } catch (error) {
    try {
      await undo();
    } catch (undoError) {
      if (error instanceof Error) error.message += `\n  Rolling back what was applied also failed: ${(undoError as Error).message}`;
    }
    throw error;
  }
}

function signalFault(kind: string, signal: NodeJS.Signals, options: SignalFaultOptions = {}): Fault {
  const gap = toMs(options.gap ?? "200ms", { option: `${kind}.gap` });
  for (const key of ["twice", "waitForExit"] as const) {
    if (options[key] !== undefined && typeof options[key] !== "boolean") {
      throw new FaultlineError({
        code: "FAULTLINE_INVALID_OPTION",
        message: `${kind}.${key} must be true or false, received ${describeValue(options[key])}`,
        hint: `e.g. { ${key}: true }`,
        option: `${kind}.${key}`,
      });
    }
  }
  return {
    kind,
    describe: () => `${signal}${options.twice ? " twice" : ""} to ${options.node ?? "random"}`,
    async apply(on, context) {
      const c = requireCluster(on, kind);
      const nodes = await resolveTargets(c, options.node, context.random, kind);
      const signalled = new Map<Node, number | undefined>();
      await rollingBack(
        async () => {
          for (const node of nodes) {
            const pid = node.pid;
            await node.kill(signal === "SIGKILL" ? "SIGKILL" : signal);
            // Only once signalled: a node that refused the signal was not touched by this fault.
            signalled.set(node, pid);
            if (options.twice) {
              await sleep(gap);
              if (node.state === "running" || node.state === "paused") await node.kill(signal).catch(() => undefined);
            }
          }
          if (options.waitForExit ?? signal === "SIGKILL") await Promise.all(nodes.map((node) => node.waitForExit("30s")));
        },
        () => reviveSignalled(c, signalled),
      );
      return activeFault({
        id: context.id,
        kind,
        description: `${signal}${options.twice ? " twice" : ""} to ${describeTargets(options.node, nodes)}`,
        targets: nodes.map((n) => n.name),
        mechanism: c.controls.signals.kill,
        undo: () => reviveSignalled(c, signalled),
      });
    },
  };
}

/** SIGKILL: the process dies at once, as with a power cut or `kill -9`. */
export const kill = (options?: SignalFaultOptions): Fault => signalFault("kill", "SIGKILL", options);
/** SIGTERM: a graceful shutdown request. */
export const terminate = (options?: SignalFaultOptions): Fault => signalFault("terminate", "SIGTERM", options);
/** SIGINT: Ctrl-C. */
export const interrupt = (options?: SignalFaultOptions): Fault => signalFault("interrupt", "SIGINT", options);

/** SIGSTOP (or Docker pause): the process freezes — alive to the kernel, silent to its peers. */
export function pause(options: TargetOptions = {}): Fault {
  return {
    kind: "pause",
    describe: () => `pause ${options.node ?? "random"}`,
    async apply(on, context) {
      const c = requireCluster(on, "pause");
      const nodes = await resolveTargets(c, options.node, context.random, "pause");
      const paused: Node[] = [];
      await rollingBack(
        async () => {
          for (const node of nodes) {
            await node.pause();
            paused.push(node);
          }
        },
        () => revive(paused),
      );
      return activeFault({
        id: context.id,
        kind: "pause",
        description: `pause ${describeTargets(options.node, nodes)}`,
        targets: nodes.map((n) => n.name),
        mechanism: c.controls.signals.pause,
        undo: () => revive(nodes),
      });
    },
  };
}

/** A graceful restart (stop, then start); healing makes sure it is running. */
export function restart(options: TargetOptions = {}): Fault {
  return {
    kind: "restart",
    describe: () => `restart ${options.node ?? "random"}`,
    async apply(on, context) {
      const c = requireCluster(on, "restart");
      const nodes = await resolveTargets(c, options.node, context.random, "restart");
      const touched: Node[] = [];
      await rollingBack(
        async () => {
          for (const node of nodes) {
            // Before the restart: one that stopped its node and then failed to start it must start it again.
            touched.push(node);
            await node.restart();
          }
        },
        () => revive(touched),
      );
      return activeFault({
        id: context.id,
        kind: "restart",
        description: `restart ${describeTargets(options.node, nodes)}`,
        targets: nodes.map((n) => n.name),
        mechanism: "stop + start",
        undo: () => revive(nodes),
      });
    },
  };
}
