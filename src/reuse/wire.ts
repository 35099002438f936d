import type { Socket } from "node:net";
import { fromWireError, type WireError } from "../common/wire-error";
import { destroyUnlessClosed } from "../common/sockets";

/** A request from a session to its keeper. */
export interface Request {
  id: number;
  op: string;
  args: unknown;
}

export type Reply = { id: number; result?: unknown; error?: WireError };
export type Event = { event: string; [key: string]: unknown };
type Message = Request | Reply | Event;

/**
 * Newline-delimited JSON over a Unix socket, both ways: requests with ids and their replies,
 * and events (a node's output, its exit) that need no reply.
 */
export class Wire {
  private buffered = "";
  private nextId = 0;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private closedError?: Error;

  constructor(
    readonly socket: Socket,
    private readonly onMessage: (message: Request | Event) => void,
    describeClose: () => Error,
  ) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => this.take(chunk));
    socket.on("error", () => undefined); // the close that follows says it
    socket.on("close", () => {
      this.closedError = describeClose();
      for (const waiter of this.pending.values()) waiter.reject(this.closedError);
      this.pending.clear();
    });
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  send(message: Message): void {
    if (!this.closed && this.socket.writable) this.socket.write(`${JSON.stringify(message)}\n`);
  }

  call<T>(op: string, args: unknown = {}): Promise<T> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.send({ id, op, args });
    });
  }

  /** Ends the connection; for good after a grace period, should the other side never close its own. */
  close(): void {
    this.socket.end();
    destroyUnlessClosed(this.socket);
  }

  private take(chunk: string): void {
    this.buffered += chunk;
    let end: number;
    while ((end = this.buffered.indexOf("\n")) >= 0) {
      const line = this.buffered.slice(0, end);
      this.buffered = this.buffered.slice(end + 1);
      let message: Message;
      try {
        message = JSON.parse(line) as Message;
      } catch {
        this.socket.destroy();
        return;
      }
      if ("op" in message || "event" in message) {
        this.onMessage(message as Request | Event);
        continue;
      }
      const reply = message as Reply;
      const waiter = this.pending.get(reply.id);
      if (!waiter) continue;
      this.pending.delete(reply.id);
      if (reply.error) waiter.reject(fromWireError(reply.error));
      else waiter.resolve(reply.result);
    }
  }
}
