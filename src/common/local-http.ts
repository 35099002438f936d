import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from "node:http";
import { isIP, type AddressInfo } from "node:net";
import { FaultlineError } from "./errors";

/** 127.0.0.0/8, ::1 or localhost. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * `host:port`, `[v6]:port` or `:port` (a bare `:port` means loopback: faultline's servers have no
 * authentication, so nothing is exposed by default); undefined when it is none of those.
 */
export function parseHostPort(value: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value.trim());
  if (!match || Number(match[3]) > 65535) return undefined;
  const host = match[1] ?? match[2] ?? "";
  return { host: host === "" ? "127.0.0.1" : host, port: Number(match[3]) };
}

/** A Host header naming an IP literal or localhost, with an optional port. */
function isAcceptedHost(header: string | undefined): boolean {
  if (!header) return false;
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:]+))(?::\d{1,5})?$/.exec(header);
  if (!match) return false;
  if (match[1] !== undefined) return isIP(match[1]) === 6;
  const name = match[2]!.toLowerCase();
  return name === "localhost" || isIP(name) === 4;
}

/**
 * Whether a request may reach one of faultline's unauthenticated HTTP servers. DNS rebinding: a
 * web page whose name resolves to this address sends its own name as Host, so only IP literals
 * and "localhost" are answered; browsers' cross-origin requests carry Origin, so none with one.
 */
export function isLocalRequest(request: IncomingMessage): boolean {
  return isAcceptedHost(request.headers.host) && request.headers.origin === undefined;
}

/** JSON (or, for a string, plain text) with a status; no body for 204 or `undefined`. */
export function replyJson(res: ServerResponse, status: number, body?: unknown): void {
  if (status === 204 || body === undefined) res.writeHead(status).end();
  else if (typeof body === "string") res.writeHead(status, { "content-type": "text/plain" }).end(body);
  else res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

/** A request's JSON body (undefined when empty); FAULTLINE_INVALID_OPTION when it is not JSON or over 1 MiB. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  let text = "";
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > 1 << 20)
      throw new FaultlineError({ code: "FAULTLINE_INVALID_OPTION", message: "the request body is over 1 MiB", hint: "send a smaller request", option: "body" });
  }
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new FaultlineError({ code: "FAULTLINE_INVALID_OPTION", message: "the request body is not JSON", hint: "send a JSON object", option: "body" });
  }
}

/**
 * Serves `handler` on `listen`, refusing an address beyond loopback unless `allowRemote`, and
 * requests that are not local (see {@link isLocalRequest}) with 403.
 */
export async function serveLocalHttp(
  handler: RequestListener,
  listen: { host: string; port: number },
  options: { allowRemote?: boolean; what: string; option: string },
): Promise<{ server: Server; address: string; close(): Promise<void> }> {
  if (!options.allowRemote && !isLoopback(listen.host)) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `${options.what} would listen on ${listen.host}, which is not loopback: it has no authentication, so anyone who reaches it could use it`,
      hint: "listen on 127.0.0.1, or pass --allow-remote if this host is yours alone",
      option: options.option,
    });
  }
  const server = createServer((req, res) => {
    if (!isLocalRequest(req)) return replyJson(res, 403, { error: "only requests to an IP address or localhost, without Origin, are answered", status: 403 });
    handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  return {
    server,
    address: `${bound.family === "IPv6" ? `[${bound.address}]` : bound.address}:${bound.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
