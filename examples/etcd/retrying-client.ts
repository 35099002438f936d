import retryCall from "async-retry";
import type { EtcdClient } from "faultline";

export interface Backoff {
  /** Retries after the first attempt. */
  retries: number;
  /** Each wait is the previous one times this. */
  factor: number;
  /** The first wait, in ms. */
  minDelayMs: number;
  /** No wait is longer than this, in ms. */
  maxDelayMs: number;
}

/** 3 retries, waiting 500 ms, 1 s, 2 s … up to 30 s: the policy the scenarios assert. */
export const DEFAULT_BACKOFF: Backoff = { retries: 3, factor: 2, minDelayMs: 500, maxDelayMs: 30_000 };

/**
 * What an application's etcd wrapper typically does, with the retry library many use
 * (async-retry): on a failed call, wait (exponentially longer each time) and try again — the
 * underlying client has already moved on to its next endpoint. It records when each attempt
 * started, so a test can check the backoff it really did.
 */
export class RetryingEtcd {
  /** Start times (performance.now(), ms) of the attempts of the last call. */
  attempts: number[] = [];

  constructor(
    readonly client: EtcdClient,
    readonly backoff: Backoff = DEFAULT_BACKOFF,
  ) {}

  put(key: string, value: string): Promise<number> {
    return this.retry(`put ${key}`, () => this.client.put(key, value));
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.retry(`get ${key}`, () => this.client.get(key)))?.value;
  }

  private async retry<T>(what: string, call: () => Promise<T>): Promise<T> {
    this.attempts = [];
    const { retries, factor, minDelayMs, maxDelayMs } = this.backoff;
    try {
      return await retryCall(
        async () => {
          this.attempts.push(performance.now());
          return call();
        },
        { retries, factor, minTimeout: minDelayMs, maxTimeout: maxDelayMs, randomize: false },
      );
    } catch (error) {
      const took = Math.round(performance.now() - this.attempts[0]!);
      throw Object.assign(
        new Error(`${what} gave up after ${this.attempts.length} attempts over ${took}ms; last error: ${(error as Error).message}`, { cause: error }),
        {
          code: "ERETRIESEXHAUSTED",
        },
      );
    }
  }
}
