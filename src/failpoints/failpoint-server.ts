import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { FaultlineError } from "../common/errors";
import { isLocalRequest, isLoopback } from "../common/local-http";
import { disableFailpoint, enableFailpoint, failpointCount, failpointTerms, listFailpoints } from "./failpoint-registry";
import { parseFailpointList } from "./term-parser";

/** Where {@link serveFailpoints} listens. */
export interface FailpointServerOptions {
  /** Default "127.0.0.1". */
  host?: string;
  /** 0 picks a free port. Default 0. */
  port?: number;
  /**
   * Allow an address other than loopback (e.g. a netns node's own IP, so the test reaches it).
   * The endpoint has no authentication: anyone who reaches the address can set failpoints.
   * Default false; FAULTLINE_FAILPOINTS_HTTP_REMOTE=1 sets it for the environment variable.
   */
  allowRemote?: boolean;
}

/** A running failpoint endpoint; it never keeps the process alive on its own. */
export interface FailpointServer {
  readonly host: string;
  readonly port: number;
  /** e.g. `http://127.0.0.1:40123` */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves the failpoints of this process over HTTP, compatible with gofail's endpoint:
 *
 * - `PUT /<name>` with the terms as body enables it (204; 400 with the parse error);
 *   `PUT /failpoints` with `a=terms;b=terms` sets several at once
 * - `GET /<name>` returns its terms (404 when off); `GET /` lists `name=terms` lines
 * - `GET /<name>/count` returns how many evaluations ran an action other than `off` since it was
 *   enabled, still readable after `DELETE` (404 when it was never enabled)
 * - `DELETE /<name>` disables it (204; 404 when it was not enabled, where gofail answers 400)
 *
 * Names may contain slashes (`my/pkg/Name`), as gofail's do; they are URL-decoded.
 */
export function serveFailpoints(options: FailpointServerOptions = {}): Promise<FailpointServer> {
  const host = options.host ?? "127.0.0.1";
  if (!isLoopback(host) && !options.allowRemote) {
    return Promise.reject(
      new FaultlineError({
        code: "FAULTLINE_FAILPOINT",
        message: `refusing to serve failpoints on ${host}: the endpoint has no authentication, and ${host} is not a loopback address`,
        hint: "listen on 127.0.0.1 (a bare :port means loopback); to expose it on a node's own address, set FAULTLINE_FAILPOINTS_HTTP_REMOTE=1 (or allowRemote: true) as well",
        option: "host",
      }),
    );
  }
  const server = http.createServer((request, response) => {
    // DNS rebinding and cross-origin requests from browsers (see isLocalRequest).
    if (!isLocalRequest(request)) {
      return reply(response, 403, "forbidden: the failpoint endpoint answers requests to an IP address or localhost only, without Origin\n");
    }
    handle(request, response).catch((error: unknown) => reply(response, 500, `${String(error)}\n`));
  });
  server.keepAliveTimeout = 5000;
  // The endpoint is a side door: neither it nor a client's idle keep-alive connection may be the
  // reason the service under test stays up.
  server.on("connection", (socket) => socket.unref());
  server.unref();
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        new FaultlineError({
          code: "FAULTLINE_FAILPOINT",
          message: `cannot serve failpoints on ${host}:${options.port ?? 0}: ${error.code ?? error.message}`,
          hint:
            error.code === "EADDRINUSE"
              ? "another process (or an earlier copy of this one) holds the port: give each process its own FAULTLINE_FAILPOINTS_HTTP port"
              : "FAULTLINE_FAILPOINTS_HTTP must be <host>:<port> on an address this machine has, e.g. 127.0.0.1:2381",
          cause: error,
        }),
      );
    });
    server.listen(options.port ?? 0, host, () => {
      const address = server.address() as AddressInfo;
      const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
      resolve({
        host: address.address,
        port: address.port,
        url: `http://${urlHost}:${address.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  const url = new URL(request.url ?? "/", "http://failpoints");
  let key: string;
  try {
    key = decodeURIComponent(url.pathname.slice(1));
  } catch {
    return reply(response, 400, "malformed request URI\n");
  }
  switch (request.method) {
    case "PUT":
      return put(key, await readBody(request), response);
    case "GET":
      return get(key, response);
    case "DELETE":
      if (key === "" || !disableFailpoint(key)) return reply(response, 404, `failpoint "${key}" is not enabled\n`);
      return reply(response, 204, "");
    default:
      response.setHeader("Allow", "GET, PUT, DELETE");
      return reply(response, 405, "method not allowed\n");
  }
}

function put(key: string, body: string, response: http.ServerResponse): void {
  if (key === "") return reply(response, 400, "PUT /<name> with the terms as the body\n");
  try {
    const entries = key.toLowerCase() === "failpoints" ? parseFailpointList(body, "PUT /failpoints") : new Map([[key, body]]);
    for (const [name, terms] of entries) enableFailpoint(name, terms);
  } catch (error) {
    return reply(response, 400, `${error instanceof Error ? error.message : String(error)}\n`);
  }
  reply(response, 204, "");
}

function get(key: string, response: http.ServerResponse): void {
  if (key === "") {
    const lines = listFailpoints().map(({ name, terms }) => `${name}=${terms}`);
    return reply(response, 200, `${lines.join("\n")}\n`);
  }
  const terms = failpointTerms(key);
  if (terms !== undefined) return reply(response, 200, `${terms}\n`);
  if (key.endsWith("/count")) {
    const count = failpointCount(key.slice(0, -"/count".length));
    if (count !== undefined) return reply(response, 200, String(count));
  }
  reply(response, 404, `failpoint "${key}" is not enabled\n`);
}

function readBody(request: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function reply(response: http.ServerResponse, status: number, body: string): void {
  if (response.headersSent) return void response.destroy();
  response.writeHead(status, status === 204 ? {} : { "content-type": "text/plain; charset=utf-8" });
  response.end(status === 204 ? undefined : body);
}
