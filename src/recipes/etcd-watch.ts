import type { IncomingMessage } from "node:http";
import { timers } from "../common/timers";
import { b64, prefixEnd, unb64 } from "./etcd-codec";
import { codedError, openPost, type CodedError } from "./http-json";

export interface WatchOptions {
  /** The member's `/v3/watch` URL. */
  url: string;
  key: string;
  /** Watch every key starting with `key`. Default false. */
  prefix?: boolean;
  /** Replay events from this revision on (inclusive). Default: only changes after the watch starts. */
  startRevision?: number;
  /** The stream ends with "no leader" when the member loses its leader. Default true. */
  requireLeader?: boolean;
  /** How long the member may take to confirm the watch, in ms. Default 2000. */
  timeoutMs?: number;
}

export interface WatchEvent {
  type: "PUT" | "DELETE";
  key: string;
  value: string;
  modRevision: number;
}

/**
 * One watch stream on one member, as etcd's gateway serves it: a long POST whose answer is a
 * stream of JSON messages, one per line. It does not reconnect — when the member dies the
 * stream ends and `closed` resolves with why — so resuming (from `revision + 1`) is visible
 * in the caller's code.
 */
export class EtcdWatch {
  /** Every event received, in order. */
  readonly events: WatchEvent[] = [];
  /** Resolves once the member confirmed the watch; rejects if the stream ends first. */
  readonly ready: Promise<void>;
  /** Resolves with the reason once the stream has ended (a cancel resolves with an ABORT_ERR). */
  readonly closed: Promise<CodedError>;
  /** Every event up to this revision has been delivered. */
  revision = 0;
  private readonly listeners = new Set<(event: WatchEvent) => void>();
  private readonly controller = new AbortController();
  private isClosed = false;

  constructor(private readonly options: WatchOptions) {
    let markReady!: () => void;
    let failReady!: (error: Error) => void;
    this.ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    this.ready.catch(() => undefined); // `closed` reports the same failure
    this.closed = this.run(markReady).then(
      () => codedError(`watch on ${options.url} ended`, "ECONNRESET"),
      (error: CodedError) => error,
    );
    void this.closed.then((error) => {
      this.isClosed = true;
      failReady(error);
    });
  }

  /** True once the stream has ended. */
  get isOpen(): boolean {
    return !this.isClosed;
  }

  /** Calls `listener` for each event from now on; returns an unsubscribe function. */
  onEvent(listener: (event: WatchEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Ends the stream. */
  cancel(): void {
    this.controller.abort(codedError(`watch on ${this.options.url} cancelled`, "ABORT_ERR"));
  }

  private async run(markReady: () => void): Promise<void> {
    const { url, key, prefix, startRevision, requireLeader = true, timeoutMs = 2000 } = this.options;
    const create: Record<string, unknown> = { key: b64(key) };
    if (prefix) create.range_end = prefixEnd(key);
    if (startRevision !== undefined) create.start_revision = String(startRevision);
    const headers: Record<string, string> = requireLeader ? { "grpc-metadata-hasleader": "true" } : {};
    const confirm = timers.setTimeout(() => this.controller.abort(codedError(`watch on ${url} not confirmed within ${timeoutMs}ms`, "ETIMEDOUT")), timeoutMs);
    try {
      const { response } = await openPost(url, { create_request: create }, { signal: this.controller.signal, headers });
      if (response.statusCode !== 200) throw codedError(`watch on ${url} answered HTTP ${response.statusCode}`, "ETCD_ERROR", { status: response.statusCode });
      await this.consume(response, () => {
        timers.clearTimeout(confirm);
        this.revision = startRevision !== undefined ? startRevision - 1 : this.revision;
        markReady();
      });
    } catch (error) {
      const reason = this.controller.signal.reason as CodedError | undefined;
      throw reason && (reason as Partial<CodedError>).code ? reason : error;
    } finally {
      timers.clearTimeout(confirm);
    }
  }

  private consume(response: IncomingMessage, onCreated: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      let buffered = "";
      const onAbort = (): void => {
        response.destroy();
        reject((this.controller.signal.reason as Error | undefined) ?? codedError("watch cancelled", "ABORT_ERR"));
      };
      this.controller.signal.addEventListener("abort", onAbort, { once: true });
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        buffered += chunk;
        let newline: number;
        while ((newline = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (!line) continue;
          let message: Record<string, unknown>;
          try {
            message = JSON.parse(line) as Record<string, unknown>;
          } catch {
            response.destroy();
            return reject(codedError(`watch on ${this.options.url} sent a line that is not JSON: ${line.slice(0, 200)}`, "EBADRESPONSE"));
          }
          const problem = this.handle(message, onCreated);
          if (problem) {
            response.destroy();
            return reject(problem);
          }
        }
      });
      response.once("end", resolve);
      response.on("error", reject);
      response.once("aborted", () => reject(codedError(`watch stream from ${this.options.url} was cut`, "ECONNRESET")));
      response.once("close", () => this.controller.signal.removeEventListener("abort", onAbort));
    });
  }

  /** Handles one message; returns an error when the member ended the watch. */
  private handle(message: Record<string, unknown>, onCreated: () => void): CodedError | undefined {
    if (message.error) {
      const error = message.error as Record<string, unknown>;
      return codedError(`watch on ${this.options.url}: ${String(error.message ?? error.error ?? "error")}`, "ETCD_ERROR");
    }
    const result = (message.result ?? {}) as Record<string, unknown>;
    const header = (result.header ?? {}) as Record<string, unknown>;
    if (result.created) {
      this.revision = Number(header.revision ?? 0);
      onCreated();
    }
    if (result.canceled)
      return codedError(`watch on ${this.options.url} cancelled by etcd: ${String(result.cancel_reason ?? "no reason given")}`, "ETCD_ERROR");
    for (const raw of (result.events as Array<Record<string, unknown>> | undefined) ?? []) {
      const kv = (raw.kv ?? {}) as Record<string, unknown>;
      const event: WatchEvent = {
        type: raw.type === "DELETE" ? "DELETE" : "PUT",
        key: unb64(kv.key),
        value: unb64(kv.value),
        modRevision: Number(kv.mod_revision ?? 0),
      };
      this.events.push(event);
      this.revision = Math.max(this.revision, event.modRevision);
      for (const listener of this.listeners) listener(event);
    }
    return undefined;
  }
}
