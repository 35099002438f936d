import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { isFaultlineError } from "../common/errors";
import { isLoopback, parseHostPort, readJsonBody, replyJson as reply, serveLocalHttp } from "../common/local-http";
import { FaultProxy } from "./fault-proxy";
import type { ToxicSpec } from "./toxic-spec";

/** A proxy as Toxiproxy's API shows it. */
export interface ToxiproxyProxy {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: ToxiproxyToxic[];
}

/** A toxic as Toxiproxy's API shows it: `stream` is faultline's direction. */
export interface ToxiproxyToxic {
  name: string;
  type: string;
  stream: "upstream" | "downstream";
  toxicity: number;
  attributes: Record<string, number>;
}

/** The version `GET /version` answers: Toxiproxy's API level, and who serves it. */
export const TOXIPROXY_API_VERSION = "2.12.0-faultline";

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const TOXIC_TYPES = ["latency", "bandwidth", "slow_close", "timeout", "reset_peer", "slicer", "limit_data"] as const;

/** Toxiproxy's attributes (snake_case; slicer delay in µs, as faultline's) as a faultline toxic spec. */
function toSpec(toxic: ToxiproxyToxic): ToxicSpec {
  const a = toxic.attributes;
  const common = { name: toxic.name, direction: toxic.stream, toxicity: toxic.toxicity };
  switch (toxic.type) {
    case "latency":
      return { ...common, type: "latency", attributes: { latency: a.latency ?? 0, jitter: a.jitter ?? 0 } };
    case "bandwidth":
      return { ...common, type: "bandwidth", attributes: { rate: a.rate ?? 0 } };
    case "slow_close":
      return { ...common, type: "slow_close", attributes: { delay: a.delay ?? 0 } };
    case "timeout":
      return { ...common, type: "timeout", attributes: { timeout: a.timeout ?? 0 } };
    case "reset_peer":
      return { ...common, type: "reset_peer", attributes: { timeout: a.timeout ?? 0 } };
    case "slicer":
      return {
        ...common,
        type: "slicer",
        // Toxiproxy takes any variation (a slice is at least a byte); faultline's own API keeps it below the average.
        attributes: {
          averageSize: a.average_size ?? 0,
          sizeVariation: Math.min(a.size_variation ?? 0, Math.max(0, (a.average_size ?? 0) - 1)),
          delay: a.delay ?? 0,
        },
      };
    case "limit_data":
      return { ...common, type: "limit_data", attributes: { bytes: a.bytes ?? 0 } };
    default:
      throw new ApiError(400, `invalid toxic type: ${toxic.type}`);
  }
}

function hostPort(text: unknown, field: string): { host: string; port: number } {
  const parsed = typeof text === "string" ? parseHostPort(text) : undefined;
  if (!parsed) throw new ApiError(400, `${field} must be host:port, got ${JSON.stringify(text)}`);
  return parsed;
}

interface Entry {
  config: Omit<ToxiproxyProxy, "toxics">;
  proxy?: FaultProxy;
  toxics: ToxiproxyToxic[];
  /** A proxy someone else owns (a cluster node's): never closed or moved here; disabling makes it refuse. */
  adopted?: boolean;
}

/** The toxic that stands for `enabled: false` on an adopted proxy. */
const DISABLED = "__faultline_disabled";

export interface ToxiproxyApiOptions {
  /** Accept proxies listening beyond loopback. Default false. */
  allowRemote?: boolean;
}

/**
 * Toxiproxy's HTTP API (proxies, toxics, populate, reset, version) over faultline's fault
 * proxy, so a Toxiproxy client drives it unchanged. Status codes and error bodies follow
 * Toxiproxy: 201 on create, 204 on delete and reset, 404 for what does not exist, 409 for a name
 * taken, 400 for a bad request, each error as `{ "error": …, "status": … }`. A disabled proxy
 * stops listening and drops its connections, as Toxiproxy's does.
 */
export class ToxiproxyApi {
  private readonly proxies = new Map<string, Entry>();

  constructor(private readonly options: ToxiproxyApiOptions = {}) {}

  /** Handles one request; never throws. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    void this.route(req)
      .then(({ status, body }) => reply(res, status, body))
      .catch((error: unknown) => {
        const status = error instanceof ApiError ? error.status : isFaultlineError(error) ? 400 : 500;
        const message = error instanceof ApiError ? error.message : isFaultlineError(error) ? error.reason : String((error as Error)?.message ?? error);
        reply(res, status, { error: message, status });
      });
  };

  /**
   * Serves an existing proxy under `name` (a cluster node's client proxy): its toxics can be
   * set through the API; it cannot be deleted or moved, and `enabled: false` makes it reset
   * connections instead of closing it, since its owner keeps using it.
   */
  adopt(name: string, proxy: FaultProxy, upstream: string): void {
    this.proxies.set(name, { config: { name, listen: `${proxy.host}:${proxy.port}`, upstream, enabled: true }, proxy, toxics: [], adopted: true });
  }

  /** Stops every proxy it created (adopted ones are their owners' to close). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.proxies.values()].map((e) => (e.adopted ? e.proxy?.removeToxic(DISABLED) : e.proxy?.close())));
    this.proxies.clear();
  }

  private async route(req: IncomingMessage): Promise<{ status: number; body?: unknown }> {
    const url = new URL(req.url ?? "/", "http://api");
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    const method = req.method ?? "GET";
    const body = method === "POST" ? await readJsonBody(req) : undefined;
    if (parts[0] === "version" && parts.length === 1 && method === "GET") return { status: 200, body: TOXIPROXY_API_VERSION };
    if (parts[0] === "reset" && parts.length === 1 && method === "POST") {
      for (const entry of this.proxies.values()) {
        for (const toxic of entry.toxics) entry.proxy?.removeToxic(toxic.name);
        entry.toxics = [];
        if (entry.adopted) {
          entry.proxy?.removeToxic(DISABLED);
          entry.config.enabled = true;
        } else if (!entry.config.enabled) await this.enable(entry, true);
      }
      return { status: 204 };
    }
    if (parts[0] === "populate" && parts.length === 1 && method === "POST") return { status: 201, body: { proxies: await this.populate(body) } };
    if (parts[0] !== "proxies") throw new ApiError(404, "not found");
    if (parts.length === 1) {
      if (method === "GET") return { status: 200, body: Object.fromEntries([...this.proxies].map(([name, e]) => [name, view(e)])) };
      if (method === "POST") return { status: 201, body: view(await this.create(body)) };
    }
    const entry = parts.length >= 2 ? this.proxies.get(parts[1]!) : undefined;
    if (parts.length >= 2 && !entry) throw new ApiError(404, "proxy not found");
    if (parts.length === 2) {
      if (method === "GET") return { status: 200, body: view(entry!) };
      if (method === "POST") return { status: 200, body: view(await this.update(entry!, body)) };
      if (method === "DELETE") {
        if (entry!.adopted) throw new ApiError(403, `proxy ${entry!.config.name} belongs to a cluster node and cannot be deleted; disable it instead`);
        await entry!.proxy?.close();
        this.proxies.delete(entry!.config.name);
        return { status: 204 };
      }
    }
    if (parts[2] === "toxics" && parts.length === 3) {
      if (method === "GET") return { status: 200, body: entry!.toxics };
      if (method === "POST") return { status: 200, body: this.addToxic(entry!, body) };
    }
    if (parts[2] === "toxics" && parts.length === 4) {
      const toxic = entry!.toxics.find((t) => t.name === parts[3]);
      if (!toxic) throw new ApiError(404, "toxic not found");
      if (method === "GET") return { status: 200, body: toxic };
      if (method === "POST") return { status: 200, body: this.updateToxic(entry!, toxic, body) };
      if (method === "DELETE") {
        entry!.toxics = entry!.toxics.filter((t) => t !== toxic);
        entry!.proxy?.removeToxic(toxic.name);
        return { status: 204 };
      }
    }
    throw new ApiError(405, `${method} ${url.pathname} is not part of the API`);
  }

  private async create(body: unknown): Promise<Entry> {
    const b = asObject(body);
    if (typeof b.name !== "string" || b.name === "") throw new ApiError(400, "missing required field: name");
    if (typeof b.upstream !== "string" || b.upstream === "") throw new ApiError(400, "missing required field: upstream");
    if (this.proxies.has(b.name)) throw new ApiError(409, "proxy already exists");
    hostPort(b.upstream, "upstream");
    const entry: Entry = {
      config: { name: b.name, listen: typeof b.listen === "string" ? b.listen : "127.0.0.1:0", upstream: b.upstream, enabled: b.enabled !== false },
      toxics: [],
    };
    this.checkListen(entry.config.listen);
    if (entry.config.enabled) await this.enable(entry, true);
    this.proxies.set(entry.config.name, entry);
    return entry;
  }

  private async update(entry: Entry, body: unknown): Promise<Entry> {
    const b = asObject(body);
    const listen = typeof b.listen === "string" ? b.listen : entry.config.listen;
    const upstream = typeof b.upstream === "string" ? b.upstream : entry.config.upstream;
    const enabled = typeof b.enabled === "boolean" ? b.enabled : entry.config.enabled;
    hostPort(upstream, "upstream");
    this.checkListen(listen);
    if (entry.adopted) {
      if (listen !== entry.config.listen || upstream !== entry.config.upstream)
        throw new ApiError(403, `proxy ${entry.config.name} belongs to a cluster node: its listen and upstream addresses are fixed`);
      if (enabled !== entry.config.enabled) {
        if (enabled) entry.proxy!.removeToxic(DISABLED);
        else entry.proxy!.addToxic({ name: DISABLED, type: "down", attributes: { cutExisting: true } });
        entry.config.enabled = enabled;
      }
      return entry;
    }
    const moved = listen !== entry.config.listen;
    entry.config.upstream = upstream;
    entry.proxy?.setUpstream(hostPort(upstream, "upstream"));
    if (moved || !enabled) await this.enable(entry, false);
    entry.config.listen = listen;
    if (enabled && !entry.proxy) await this.enable(entry, true);
    return entry;
  }

  /** Toxiproxy's populate: proxies as listed exist afterwards; identical ones are left alone. */
  private async populate(body: unknown): Promise<ToxiproxyProxy[]> {
    if (!Array.isArray(body)) throw new ApiError(400, "populate takes a list of proxies");
    const out: ToxiproxyProxy[] = [];
    for (const item of body) {
      const b = asObject(item);
      const existing = typeof b.name === "string" ? this.proxies.get(b.name) : undefined;
      const same =
        existing &&
        (b.listen === undefined || b.listen === existing.config.listen || existing.config.listen.endsWith(`:${hostPort(b.listen, "listen").port}`)) &&
        b.upstream === existing.config.upstream &&
        (b.enabled ?? true) === existing.config.enabled;
      if (existing && !same) {
        await existing.proxy?.close();
        this.proxies.delete(existing.config.name);
      }
      out.push(view(same ? existing : await this.create(b)));
    }
    return out;
  }

  private addToxic(entry: Entry, body: unknown): ToxiproxyToxic {
    const b = asObject(body);
    if (typeof b.type !== "string" || !(TOXIC_TYPES as readonly string[]).includes(b.type)) throw new ApiError(400, `invalid toxic type: ${String(b.type)}`);
    const stream = b.stream === undefined ? "downstream" : b.stream;
    if (stream !== "upstream" && stream !== "downstream") throw new ApiError(400, `stream must be upstream or downstream, got ${JSON.stringify(stream)}`);
    const name = typeof b.name === "string" && b.name !== "" ? b.name : `${b.type}_${stream}`;
    if (entry.toxics.some((t) => t.name === name)) throw new ApiError(409, "toxic already exists");
    const toxicity = typeof b.toxicity === "number" ? b.toxicity : 1;
    const toxic: ToxiproxyToxic = { name, type: b.type, stream, toxicity, attributes: numbers(b.attributes) };
    const spec = toSpec(toxic); // validates the attributes (a FaultlineError is a 400)
    entry.proxy?.addToxic(spec);
    entry.toxics.push(toxic);
    return toxic;
  }

  private updateToxic(entry: Entry, toxic: ToxiproxyToxic, body: unknown): ToxiproxyToxic {
    const b = asObject(body);
    const next: ToxiproxyToxic = {
      ...toxic,
      toxicity: typeof b.toxicity === "number" ? b.toxicity : toxic.toxicity,
      attributes: { ...toxic.attributes, ...numbers(b.attributes) },
    };
    if (entry.proxy) {
      entry.proxy.removeToxic(toxic.name);
      try {
        entry.proxy.addToxic(toSpec(next));
      } catch (error) {
        entry.proxy.addToxic(toSpec(toxic)); // put the old one back: the update is refused whole
        throw error;
      }
    }
    entry.toxics[entry.toxics.indexOf(toxic)] = next;
    return next;
  }

  /** Starts (or stops) the proxy's listener; a started one gets the entry's toxics. */
  private async enable(entry: Entry, on: boolean): Promise<void> {
    if (!on) {
      await entry.proxy?.close();
      entry.proxy = undefined;
      entry.config.enabled = false;
      return;
    }
    const listen = hostPort(entry.config.listen, "listen");
    const proxy = new FaultProxy({ name: entry.config.name, listen, upstream: hostPort(entry.config.upstream, "upstream") });
    try {
      await proxy.start();
    } catch (error) {
      throw new ApiError(500, `listen ${entry.config.listen}: ${(error as Error).message}`);
    }
    for (const toxic of entry.toxics) proxy.addToxic(toSpec(toxic));
    entry.proxy = proxy;
    entry.config.listen = `${proxy.host}:${proxy.port}`;
    entry.config.enabled = true;
  }

  private checkListen(listen: string): void {
    const { host } = hostPort(listen, "listen");
    if (!this.options.allowRemote && !isLoopback(host))
      throw new ApiError(403, `listen ${listen} is not on loopback; start faultline proxy with --allow-remote to accept it`);
  }
}

function view(entry: Entry): ToxiproxyProxy {
  return { ...entry.config, toxics: [...entry.toxics] };
}

function asObject(value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ApiError(400, "the request body must be a JSON object");
  return value as Record<string, unknown>;
}

function numbers(value: unknown): Record<string, number> {
  if (value === undefined) return {};
  const o = asObject(value);
  for (const [key, v] of Object.entries(o)) if (typeof v !== "number") throw new ApiError(400, `attribute ${key} must be a number, got ${JSON.stringify(v)}`);
  return o as Record<string, number>;
}

/** Serves the API on `host:port` (loopback unless `allowRemote`); resolves once listening. */
export async function serveToxiproxyApi(
  listen: { host: string; port: number },
  options: ToxiproxyApiOptions = {},
): Promise<{ server: Server; api: ToxiproxyApi; address: string; close(): Promise<void> }> {
  const api = new ToxiproxyApi(options);
  const served = await serveLocalHttp(api.handle, listen, { allowRemote: options.allowRemote, what: "the proxy API", option: "listen" });
  return {
    ...served,
    api,
    async close() {
      await api.close();
      await served.close();
    },
  };
}
