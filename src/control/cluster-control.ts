import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { FaultlineError, errorReason, isFaultlineError } from "../common/errors";
import { readJsonBody, replyJson as reply, serveLocalHttp } from "../common/local-http";
import type { ActiveFault } from "../cluster/fault";
import type { FaultlineCluster } from "../cluster/faultline-cluster";
import { faultFrom } from "../faults/catalog";
import { ToxiproxyApi } from "../proxy/toxiproxy-api";

/** What `GET /cluster` answers. */
export interface ClusterView {
  name: string;
  provisioner: string;
  leader: string | null;
  nodes: Array<{ name: string; state: string; pid?: number; host: string; ports: Record<string, { direct: string; proxy?: string }> }>;
  faults: Array<{ id: string; kind: string; description: string; targets: readonly string[] }>;
}

/** A cluster as the control API shows it. Leader is null when there is none, or no leader probe. */
export async function clusterView(cluster: FaultlineCluster, faults: ReadonlyMap<string, ActiveFault>): Promise<ClusterView> {
  let leader: string | null = null;
  try {
    leader = (await cluster.leader("2s"))?.name ?? null;
  } catch {
    leader = null;
  }
  return {
    name: cluster.name,
    provisioner: cluster.provisioner,
    leader,
    nodes: cluster.nodes.map((node) => ({
      name: node.name,
      state: node.state,
      pid: node.pid,
      host: node.host,
      ports: Object.fromEntries(
        (node.spec.ports ?? []).map((port) => [
          port,
          { direct: node.address(port, { direct: true }), proxy: node.proxy(port) ? node.address(port) : undefined },
        ]),
      ),
    })),
    faults: [...faults.values()].filter((f) => !f.healed).map((f) => ({ id: f.id, kind: f.kind, description: f.description, targets: f.targets })),
  };
}

/**
 * The control server of `faultline up`: Toxiproxy's API over the cluster's client proxies (one
 * per node and port, named `<node>:<port>`), and faultline's own faults — `POST /faults`
 * `{ kind, options }` (validated as `withFault` validates them), `DELETE /faults/{id}` to heal,
 * `GET /faults`, `GET /cluster`, `GET /healthy`.
 */
export class ClusterControl {
  readonly faults = new Map<string, ActiveFault>();
  private readonly toxiproxy: ToxiproxyApi;

  constructor(
    private readonly cluster: FaultlineCluster,
    options: { allowRemote?: boolean } = {},
  ) {
    this.toxiproxy = new ToxiproxyApi(options);
    for (const node of cluster.nodes)
      for (const port of node.spec.ports ?? []) {
        const proxy = node.proxy(port);
        if (proxy) this.toxiproxy.adopt(`${node.name}:${port}`, proxy, node.address(port, { direct: true }));
      }
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? "/", "http://control").pathname;
    if (!/^\/(faults|cluster|healthy)(\/|$)/.test(path)) return this.toxiproxy.handle(req, res);
    void this.route(req, path)
      .then(({ status, body }) => reply(res, status, body))
      .catch((error: unknown) => {
        const status = isFaultlineError(error) ? (error.code === "FAULTLINE_INVALID_OPTION" || error.code === "FAULTLINE_UNKNOWN_NODE" ? 400 : 409) : 500;
        reply(res, status, {
          error: isFaultlineError(error) ? errorReason(error) : String((error as Error)?.message ?? error),
          code: (error as { code?: string }).code,
          status,
        });
      });
  };

  /** Heals every fault still in force, newest first. */
  async healAll(): Promise<void> {
    for (const fault of [...this.faults.values()].reverse()) await fault.heal().catch(() => undefined);
    this.faults.clear();
    await this.toxiproxy.close();
  }

  private async route(req: IncomingMessage, path: string): Promise<{ status: number; body?: unknown }> {
    const method = req.method ?? "GET";
    const parts = path.split("/").filter(Boolean);
    if (parts[0] === "cluster" && parts.length === 1 && method === "GET") return { status: 200, body: await clusterView(this.cluster, this.faults) };
    if (parts[0] === "healthy" && parts.length === 1 && method === "GET") {
      const problem = await this.cluster.checkHealth();
      return problem ? { status: 503, body: { healthy: false, error: errorReason(problem) } } : { status: 200, body: { healthy: true } };
    }
    if (parts[0] === "faults" && parts.length === 1 && method === "GET") return { status: 200, body: (await clusterView(this.cluster, this.faults)).faults };
    if (parts[0] === "faults" && parts.length === 1 && method === "POST") {
      const body = (await readJsonBody(req)) as { kind?: unknown; options?: unknown } | undefined;
      if (typeof body?.kind !== "string")
        throw new FaultlineError({
          code: "FAULTLINE_INVALID_OPTION",
          message: "POST /faults needs { kind, options }",
          hint: 'e.g. { "kind": "partition", "options": { "isolate": "leader" } }',
          option: "kind",
        });
      const fault = faultFrom(body.kind, body.options ?? {});
      const active = await this.cluster.inject(fault);
      this.faults.set(active.id, active);
      return { status: 201, body: { id: active.id, kind: active.kind, description: active.description, targets: active.targets } };
    }
    if (parts[0] === "faults" && parts.length === 2 && method === "DELETE") {
      const fault = this.faults.get(decodeURIComponent(parts[1]!));
      if (!fault) return { status: 404, body: { error: "fault not found", status: 404 } };
      await fault.heal();
      this.faults.delete(fault.id);
      return { status: 204 };
    }
    return { status: 405, body: { error: `${method} ${path} is not part of the API`, status: 405 } };
  }
}

/** Serves a cluster's control API on `listen` (loopback unless `allowRemote`). */
export async function serveClusterControl(
  cluster: FaultlineCluster,
  listen: { host: string; port: number },
  options: { allowRemote?: boolean } = {},
): Promise<{ control: ClusterControl; server: Server; address: string; close(): Promise<void> }> {
  const control = new ClusterControl(cluster, options);
  const served = await serveLocalHttp(control.handle, listen, { allowRemote: options.allowRemote, what: "the control API", option: "control" });
  return {
    ...served,
    control,
    async close() {
      await served.close();
      await control.healAll();
    },
  };
}
