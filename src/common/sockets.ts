import type { Socket } from "node:net";
import { timers } from "./timers";

/**
 * After a polite end (a FIN, an SSH disconnect), destroys `socket` if it has not closed within
 * `graceMs`: a peer that vanished (its machine gone, a test's namespace deleted) or never closes
 * its side would leave it half-closed, holding this process open for ever.
 */
export function destroyUnlessClosed(socket: Socket, graceMs = 2000): void {
  const timer = timers.setTimeout(() => socket.destroy(), graceMs);
  timer.unref();
  socket.once("close", () => timers.clearTimeout(timer));
}
