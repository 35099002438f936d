import type { MessagePort } from "node:worker_threads";
import type { WireError } from "../common/wire-error";

/** What the proxy thread is started with. */
export interface ThreadData {
  /** Set to 1 by the thread when a synchronous call's answer is on `replies`. */
  flag: Int32Array;
  replies: MessagePort;
  /** `performance.timeOrigin` of the thread that owns the proxies, to give times in its terms. */
  origin: number;
}

/** One call on one proxy: `sync` ones are answered on `replies`, others by a message with `id`. */
export interface ThreadRequest {
  proxy: number;
  op: string;
  args?: unknown;
  sync?: boolean;
  id?: number;
}

export type ThreadMessage = { id: number; result?: unknown; error?: WireError } | { event: "attempt"; proxy: number; at: number };
