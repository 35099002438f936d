import { sleep } from "../common/timers";
import type { NodeProcess } from "./provisioner";

/**
 * Stops a node's process the way its spec says: the graceful signal (a paused process is resumed
 * right after it, since a stopped process cannot act on it), then SIGKILL if it has not exited
 * within `timeoutMs` (`onTimeout` is told first). Resolves once it has exited; release is the
 * caller's.
 */
export async function stopProcess(process: NodeProcess, signal: NodeJS.Signals, timeoutMs: number, paused: boolean, onTimeout?: () => void): Promise<void> {
  await process.signal(signal);
  if (paused) await process.resume();
  const exited = await Promise.race([process.exited.then(() => true), sleep(timeoutMs).then(() => false)]);
  if (exited) return;
  onTimeout?.();
  await process.signal("SIGKILL");
  await process.exited;
}
