import { constants } from "node:os";
import * as http from "node:http";
import { Readable } from "node:stream";
import type nockType from "nock";
import { toMs, type Duration } from "../common/duration";
import { FaultlineError, describeValue } from "../common/errors";
import { sleep, timers } from "../common/timers";
import type { ActiveFault, Fault, FaultContext } from "../cluster/fault";

type Nock = typeof nockType;

/** Options of {@link httpFault}. */
export interface HttpFaultOptions {
  /** The dependency as the code under test dials it: `"http://storage.test"`, `"https://api.example.com:8443"`. */
  origin: string;
  /**
   * Which requests, matched on the path without its query string: an exact path, a prefix
   * ending in `*` (`"/v1/objects/*"`), a RegExp or a predicate. Default: every path.
   */
  path?: string | RegExp | ((path: string) => boolean);
  /** Which method. Default: every method. */
  method?: string;
  /** Status of the injected answer. Default 503, or 200 with `partial`. Ignored with `error`. */
  status?: number;
  /** Body of the injected answer; objects are sent as JSON. Default "". */
  body?: string | Buffer | Record<string, unknown> | unknown[];
  /** Extra response headers. */
  headers?: Record<string, string>;
  /**
   * Fail at the socket instead of answering, with a Node-shaped error carrying this `code`:
   * "ECONNRESET" (read), "ETIMEDOUT" / "ECONNREFUSED" (connect), "ENOTFOUND" (DNS), or any other
   * code. For a hang rather than an error, use a long `delay`.
   */
  error?: "ECONNRESET" | "ETIMEDOUT" | "ECONNREFUSED" | "ENOTFOUND" | "EPIPE" | (string & {});
  /** Hold the answer (or the error) back this long: a slow dependency. Default 0. */
  delay?: Duration;
  /** Take only this many requests; later ones reach the real origin. Default: every request until healed. */
  times?: number;
  /**
   * Send the status, the full `content-length` and only this many bytes of `body`, then drop the
   * connection: the client sees `aborted` / ECONNRESET halfway through the body.
   */
  partial?: number;
}

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

// Per module registry (one per Jest test file), like nock itself: whether nock is active only
// because a fault of ours activated it, and how many of our faults are live.
const shared = { live: 0, activatedByUs: false };

/**
 * A fault in an HTTP dependency of code running in the test process, through nock: a 503, a
 * reset, a slow or a cut-off answer. Only the origin named is touched: other hosts (the real
 * servers a test talks to on 127.0.0.1) keep working, net connect is never disabled, and healing
 * removes only this fault's interceptors, leaving the test's own nock scopes alone.
 *
 * Requests the fault does not take (other paths or methods, or after `times`) go to the real
 * origin: the scope uses nock's `allowUnmocked`, which nock remembers for that origin until
 * `nock.cleanAll()`.
 */
export function httpFault(options: HttpFaultOptions): Fault {
  const spec = validate(options);
  const describe = (): string =>
    `http ${spec.method ?? "*"} ${spec.origin}${typeof options.path === "string" ? options.path : options.path ? " (some paths)" : ""} -> ${spec.what}`;
  return {
    kind: "http",
    describe,
    async apply(_cluster: unknown, context: FaultContext): Promise<ActiveFault> {
      const nock = await loadNock();
      if (!nock.isActive()) {
        nock.activate();
        shared.activatedByUs = true;
      }
      // A fault's own activation is undone when the last of ours heals.
      shared.live++;
      const budget = { left: spec.times ?? Infinity };
      const interceptors: nockType.Interceptor[] = [];
      const removeAll = (): void => {
        for (const interceptor of interceptors.splice(0)) nock.removeInterceptor(interceptor);
      };
      // The body matcher runs last in nock's match and only for a request this interceptor is about
      // to take, so it is the one exact place to count `times`.
      const claim = (): boolean => {
        if (budget.left <= 0) return false;
        if (--budget.left === 0) queueMicrotask(removeAll);
        return true;
      };
      const scope = nock(spec.origin, { allowUnmocked: true }).persist();
      for (const method of spec.method ? [spec.method] : METHODS) {
        const interceptor = scope.intercept(spec.matchPath, method, claim).optionally();
        interceptor.reply(function (this: { req?: { destroyed?: boolean } }) {
          return respond(spec, this.req);
        });
        interceptors.push(interceptor);
      }
      let healed = false;
      const fault: ActiveFault & { mechanism: string } = {
        id: context.id,
        kind: "http",
        description: describe(),
        targets: [spec.origin],
        mechanism: "nock",
        get healed() {
          return healed;
        },
        async heal() {
          if (healed) return;
          healed = true;
          removeAll();
          // Leave nock as the test had it: inactive again if we were the ones who turned it on.
          if (--shared.live === 0 && shared.activatedByUs) {
            shared.activatedByUs = false;
            if (nock.isActive()) nock.restore();
          }
        },
        [Symbol.asyncDispose]: () => fault.heal(),
      };
      return fault;
    },
  };
}

interface Spec {
  origin: string;
  host: string;
  method?: string;
  matchPath: (path: string) => boolean;
  status: number;
  body: string | Buffer;
  headers: Record<string, string>;
  error?: string;
  delayMs: number;
  times?: number;
  partial?: number;
  what: string;
}

async function respond(spec: Spec, req?: { destroyed?: boolean }): Promise<[number, string | Buffer | Readable, Record<string, string>]> {
  if (spec.delayMs > 0) await sleep(spec.delayMs);
  if (spec.error !== undefined) {
    // A client that gave up on the request (its timeout, an abort) has stopped listening: an
    // error emitted on its mock socket now would be an unhandled 'error' event, which a real
    // destroyed socket never emits.
    if (req?.destroyed) return [spec.status, "", spec.headers];
    throw nodeStyleError(spec.error, spec.host);
  }
  if (spec.partial === undefined) return [spec.status, spec.body, spec.headers];
  const full = Buffer.from(spec.body);
  let sent = false;
  const stream: Readable = new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(full.subarray(0, spec.partial));
        return;
      }
      // Drop the connection only after the first bytes are on their way, as a real reset mid-body.
      timers.setTimeout(() => stream.destroy(nodeStyleError("ECONNRESET", spec.host)), 1);
    },
  });
  return [spec.status, stream, { ...spec.headers, "content-length": String(full.length) }];
}

/**
 * @internal An error shaped like the one Node's net and dns layers raise for `code` (message,
 * `code`, `errno`, `syscall`), so client code handles it as it would the real thing. Without a
 * host it reads as a failed read on an open connection.
 */
export function nodeStyleError(code: string, host?: string): NodeJS.ErrnoException {
  const errno = (constants.errno as Record<string, number | undefined>)[code];
  const hostname = host?.replace(/:\d+$/, "");
  const error: NodeJS.ErrnoException =
    code === "ENOTFOUND" && hostname !== undefined
      ? Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { errno: -3008, syscall: "getaddrinfo", hostname })
      : (code === "ECONNREFUSED" || code === "ETIMEDOUT") && host !== undefined
        ? Object.assign(new Error(`connect ${code} ${host}`), { syscall: "connect" })
        : Object.assign(new Error(`read ${code}`), { syscall: "read" });
  error.code = code;
  if (errno !== undefined && error.errno === undefined) error.errno = -errno;
  return error;
}

async function loadNock(): Promise<Nock> {
  // Loaded on first use: importing nock patches Node's http module, which a test that never uses
  // an http fault should not pay for.
  // Requiring nock activates it, and its interceptor patches Node's http module — which Jest
  // shares between the test files of a worker. If our require is what patched it, the
  // activation is ours to undo, or every later file in the worker (dockerode's unix-socket
  // requests among them) would go through nock.
  const before = http.request;
  const nock = (await import("nock")).default;
  if (http.request !== before) shared.activatedByUs = true;
  if (process.env.NOCK_OFF === "true") {
    throw new FaultlineError({
      code: "FAULTLINE_FAULT_UNSUPPORTED",
      message: "http fault cannot be applied: NOCK_OFF=true turns nock's interception off",
      hint: "unset NOCK_OFF for runs that inject http faults",
    });
  }
  return nock;
}

function validate(options: HttpFaultOptions): Spec {
  const invalid = (option: string, expected: string, value: unknown): FaultlineError =>
    new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `http fault: ${option} must be ${expected}, received ${describeValue(value)}`,
      hint: 'e.g. httpFault({ origin: "http://storage.test", path: "/v1/*", status: 503 })',
      option,
    });
  let url: URL;
  try {
    url = new URL(options.origin);
  } catch {
    throw invalid("origin", 'a URL such as "http://storage.test"', options.origin);
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || (url.pathname !== "/" && url.pathname !== "") || url.search) {
    throw invalid("origin", 'an http(s) origin with no path, such as "http://storage.test" (put the path in `path`)', options.origin);
  }
  const positiveInt = (option: "times" | "partial", value: number | undefined, min: number): number | undefined => {
    if (value !== undefined && (!Number.isInteger(value) || value < min)) throw invalid(option, `a whole number of at least ${min}`, value);
    return value;
  };
  const times = positiveInt("times", options.times, 1);
  const partial = positiveInt("partial", options.partial, 0);
  if (options.status !== undefined && (!Number.isInteger(options.status) || options.status < 100 || options.status > 599)) {
    throw invalid("status", "an HTTP status from 100 to 599", options.status);
  }
  if (options.error !== undefined && !/^E[A-Z0-9_]+$/.test(options.error)) {
    throw invalid("error", 'an error code such as "ECONNRESET" or "ETIMEDOUT"', options.error);
  }
  if (options.error !== undefined && partial !== undefined) throw invalid("partial", "left out when `error` is set", partial);
  const body =
    options.body === undefined ? "" : typeof options.body === "string" || Buffer.isBuffer(options.body) ? options.body : JSON.stringify(options.body);
  if (partial !== undefined && partial >= Buffer.byteLength(body)) {
    throw invalid("partial", `fewer bytes than the body (${Buffer.byteLength(body)})`, partial);
  }
  const headers = { ...options.headers };
  if (options.body !== undefined && typeof options.body === "object" && !Buffer.isBuffer(options.body)) {
    headers["content-type"] ??= "application/json";
  }
  if (typeof options.path === "string" && !options.path.startsWith("/")) {
    throw invalid("path", 'a path starting with "/" (or a RegExp, or a predicate)', options.path);
  }
  const status = options.status ?? (partial !== undefined ? 200 : 503);
  const delayMs = toMs(options.delay ?? 0, { option: "delay" });
  const answer = options.error ?? (partial !== undefined ? `${status} cut after ${partial} bytes` : String(status));
  return {
    origin: url.origin,
    host: `${url.hostname}:${url.port || (url.protocol === "https:" ? 443 : 80)}`,
    method: options.method?.toUpperCase(),
    matchPath: pathMatcher(options.path),
    status,
    body,
    headers,
    error: options.error,
    delayMs,
    times,
    partial,
    what: delayMs > 0 ? `${answer} after ${delayMs}ms` : answer,
  };
}

function pathMatcher(path: HttpFaultOptions["path"]): (path: string) => boolean {
  const strip = (p: string): string => p.split("?")[0] ?? p;
  if (path === undefined) return () => true;
  if (typeof path === "function") return (p) => path(strip(p));
  if (path instanceof RegExp) return (p) => path.test(strip(p));
  if (path.endsWith("*")) {
    const prefix = path.slice(0, -1);
    return (p) => strip(p).startsWith(prefix);
  }
  return (p) => strip(p) === path;
}
