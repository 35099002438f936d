import type { Duration } from "../common/duration";

/**
 * Which way a toxic acts. `"upstream"` is client -> server (what the client sends),
 * `"downstream"` is server -> client (what the client receives).
 */
export type ToxicDirection = "upstream" | "downstream";

/** Fields every toxic shares. */
export interface ToxicCommon {
  /**
   * Which way the toxic acts. Default `"downstream"`, as in Toxiproxy: most toxics are about
   * what the client receives. Ignored by `down`, which acts on whole connections.
   */
  direction?: ToxicDirection;
  /**
   * Share of connections affected, 0..1. Decided once per connection (when it opens, or when
   * the toxic is added to an open one), so an affected connection stays affected. Default 1.
   */
  toxicity?: number;
  /** Id of the toxic on its proxy. Default `<type>_<direction>`, suffixed when taken. */
  name?: string;
}

/** Delays every chunk by `latency` ± `jitter`; order is kept. */
export interface LatencyToxicSpec extends ToxicCommon {
  type: "latency";
  attributes: {
    /** Added delay (number = ms). */
    latency: Duration;
    /** Random deviation, uniform in ±jitter (number = ms). Default 0. */
    jitter?: Duration;
  };
}

/** Limits throughput to `rate` KB/s (1 KB = 1000 bytes, as in Toxiproxy). */
export interface BandwidthToxicSpec extends ToxicCommon {
  type: "bandwidth";
  attributes: {
    /** KB per second, > 0. */
    rate: number;
  };
}

/** Delays the close (FIN) in this direction by `delay` after the sender closed. */
export interface SlowCloseToxicSpec extends ToxicCommon {
  type: "slow_close";
  attributes: {
    /** Number = ms. */
    delay: Duration;
  };
}

/**
 * Stops all data in this direction and closes the connection after `timeout`. With 0 the
 * connection stays open and data waits until the toxic is removed, then flows in order (held,
 * as a dead link holds it in TCP retransmission, rather than dropped as Toxiproxy does).
 */
export interface TimeoutToxicSpec extends ToxicCommon {
  type: "timeout";
  attributes: {
    /** Number = ms; 0 = never close. */
    timeout: Duration;
  };
}

/**
 * Resets the connection (RST: both peers see ECONNRESET) `timeout` after the first data in
 * this direction; that data and what follows is not forwarded (Toxiproxy's semantics).
 */
export interface ResetPeerToxicSpec extends ToxicCommon {
  type: "reset_peer";
  attributes?: {
    /** Number = ms. Default 0: reset on the first data. */
    timeout?: Duration;
  };
}

/** Cuts data into small chunks, written separately with a pause between them. */
export interface SlicerToxicSpec extends ToxicCommon {
  type: "slicer";
  attributes: {
    /** Average chunk size in bytes, integer >= 1. */
    averageSize: number;
    /** Chunk sizes vary uniformly within ±sizeVariation bytes; integer < averageSize. Default 0. */
    sizeVariation?: number;
    /**
     * Pause between chunks in MICROseconds (Toxiproxy's unit). Default 0. Timers tick in whole
     * milliseconds: chunks due within the same millisecond leave together, as separate writes.
     */
    delay?: number;
  };
}

/** Closes the connection once `bytes` bytes have passed in this direction. */
export interface LimitDataToxicSpec extends ToxicCommon {
  type: "limit_data";
  attributes: {
    /** Integer >= 0, counted from when the toxic applied to the connection. */
    bytes: number;
  };
}

/**
 * The service is down: new connections are accepted, recorded in `connectionAttempts`, and
 * reset at once (clients see ECONNRESET); open ones stay unless `cutExisting`.
 */
export interface DownToxicSpec extends ToxicCommon {
  type: "down";
  attributes?: {
    /** Also reset the connections open when the toxic is added. Default false. */
    cutExisting?: boolean;
  };
}

export type ToxicSpec =
  LatencyToxicSpec | BandwidthToxicSpec | SlowCloseToxicSpec | TimeoutToxicSpec | ResetPeerToxicSpec | SlicerToxicSpec | LimitDataToxicSpec | DownToxicSpec;

export type ToxicType = ToxicSpec["type"];

/** Attributes after validation: durations in ms, defaults filled in. */
export interface ResolvedAttributes {
  latency: { latency: number; jitter: number };
  bandwidth: { rate: number };
  slow_close: { delay: number };
  timeout: { timeout: number };
  reset_peer: { timeout: number };
  slicer: { averageSize: number; sizeVariation: number; delay: number };
  limit_data: { bytes: number };
  down: { cutExisting: boolean };
}

/** A toxic as a proxy holds it: validated, with defaults and its id. */
export type ProxyToxic = {
  [T in ToxicType]: {
    readonly id: string;
    readonly type: T;
    readonly direction: ToxicDirection;
    readonly toxicity: number;
    readonly attributes: Readonly<ResolvedAttributes[T]>;
  };
}[ToxicType];
