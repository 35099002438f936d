/**
 * The proxy thread: runs the {@link ProxyCore}s of one process off its main event loop, so the
 * bytes a proxy forwards never wait behind the test's own work (and the test never waits behind
 * them). Loaded as a worker by `proxy-thread.ts`; every message is one call on one core.
 */
import { parentPort, workerData, type MessagePort } from "node:worker_threads";
import { performance } from "node:perf_hooks";
import { takeAll } from "../common/take-all";
import { toWireError } from "../common/wire-error";
import { ProxyCore } from "./proxy-core";
import type { ThreadData, ThreadRequest } from "./proxy-thread-protocol";

const { flag, replies, origin } = workerData as ThreadData;
const port = parentPort as MessagePort;
const cores = new Map<number, ProxyCore>();
const releases = new Map<number, () => void>();
let nextHold = 0;

/** `monoNowMs()` of the thread that made the proxies (each thread's performance clock has its own origin). */
const now = (): number => performance.timeOrigin + performance.now() - origin;

function core(proxy: number): ProxyCore {
  const found = cores.get(proxy);
  if (!found) throw new Error(`proxy thread: no proxy #${proxy}`);
  return found;
}

/** A call answered at once, while the caller waits on the shared flag. */
function answer(request: ThreadRequest): unknown {
  const { proxy, args } = request;
  switch (request.op) {
    case "create": {
      const options = args as { name: string; listenHost: string; listenPort: number; upstream: { host: string; port: number } };
      cores.set(proxy, new ProxyCore({ ...options, random: Math.random, now, onAttempt: (at) => port.postMessage({ event: "attempt", proxy, at }) }));
      return undefined;
    }
    case "setUpstream":
      return core(proxy).setUpstream(args as { host: string; port: number });
    case "addToxic":
      return core(proxy).addToxic(args as Parameters<ProxyCore["addToxic"]>[0]);
    case "removeToxic":
      return core(proxy).removeToxic(args as string);
    case "clearToxics":
      return core(proxy).clearToxics();
    case "toxics":
      return core(proxy).toxics;
    case "setBlackhole":
      return core(proxy).setBlackhole(args as Parameters<ProxyCore["setBlackhole"]>[0]);
    case "holdMany":
      return holdMany(args as Array<{ proxy: number; directions: Parameters<ProxyCore["hold"]>[0] }>);
    case "release":
      for (const id of args as number[]) {
        releases.get(id)?.();
        releases.delete(id);
      }
      return undefined;
    case "blackhole":
      return core(proxy).blackhole;
    case "cutConnections":
      return core(proxy).cutConnections();
    case "attempts":
      return core(proxy).connectionAttempts;
    case "stats":
      return core(proxy).stats;
    case "final": {
      const { toxics, blackhole, connectionAttempts: attempts, stats } = core(proxy);
      return { toxics, blackhole, attempts, stats };
    }
    default:
      throw new Error(`proxy thread: unknown call ${request.op}`);
  }
}

/**
 * Holds on several proxies in one turn of this thread's loop, so no link forwards a byte while
 * another is already cut; all or none: when one refuses (closed), the ones taken are let go.
 */
function holdMany(holds: Array<{ proxy: number; directions: Parameters<ProxyCore["hold"]>[0] }>): number[] {
  return takeAll(holds, ({ proxy, directions }) => core(proxy).hold(directions)).map((release) => {
    releases.set(++nextHold, release);
    return nextHold;
  });
}

/** A call that takes time (listening, closing): answered by message when done. */
async function settle(request: ThreadRequest): Promise<unknown> {
  const { proxy } = request;
  if (request.op === "start") {
    await core(proxy).start();
    return { host: core(proxy).host, port: core(proxy).port };
  }
  if (request.op === "close") {
    const closing = cores.get(proxy);
    if (!closing) return undefined;
    await closing.close();
    cores.delete(proxy);
    return undefined;
  }
  throw new Error(`proxy thread: unknown call ${request.op}`);
}

port.on("message", (request: ThreadRequest) => {
  if (request.sync) {
    let reply: { result?: unknown; error?: ReturnType<typeof toWireError> };
    try {
      reply = { result: answer(request) };
    } catch (error) {
      reply = { error: toWireError(error) };
    }
    replies.postMessage(reply);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    return;
  }
  settle(request).then(
    (result) => port.postMessage({ id: request.id, result }),
    (error: unknown) => port.postMessage({ id: request.id, error: toWireError(error) }),
  );
});
