import type { Socket } from "node:net";

/**
 * Resets a socket, so its peer sees ECONNRESET. Node cannot reset a socket whose shutdown
 * (after `end()`, once everything written was flushed) is still under way: the reset fails with
 * EINVAL, yet Node marks the handle as closing and never closes it. The socket then never
 * emits 'close', its file descriptor stays open, and a worker thread holding it spins forever
 * when asked to end. Such a socket is reset as soon as its shutdown is done, one turn later.
 */
export function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  // A socket still dialling has no connection to reset.
  if (socket.connecting) return void socket.destroy();
  if (socket.writableEnded && socket.writableLength === 0 && !socket.writableFinished) {
    socket.once("finish", () => resetSocket(socket));
    return;
  }
  socket.resetAndDestroy();
}
