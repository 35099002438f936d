import { FaultlineError, describeValue, isFaultlineError } from "../common/errors";
import type { FaultTarget } from "../cluster/fault";
import type { Node } from "../cluster/node-types";
import type { FaultProxy } from "../proxy/fault-proxy";
import type { ToxicSpec } from "../proxy/toxic-spec";
import { resolveToxic } from "../proxy/resolve-toxic";
import { activeFault } from "../cluster/active-fault";
import type { Fault } from "../cluster/fault";
import { checkSelector, describeTargets, requireCluster, resolveTargets, type NodeSelector } from "./targets";

/** Where a link toxic acts. */
export interface LinkOptions {
  /** Nodes whose links are affected. Default "all". */
  node?: NodeSelector;
  /** Only this named port. Default every port. */
  port?: string;
  /**
   * "clients" (default): between the test's clients and the nodes, through the fault proxy.
   * "peers": node-to-node links into the targets (backends whose peers talk through link proxies).
   * "all": both.
   */
  links?: "clients" | "peers" | "all";
  /** "upstream" (client -> node) or "downstream" (node -> client, the default, as in Toxiproxy). */
  direction?: "upstream" | "downstream";
  /** Share of connections affected, 0..1. Default 1. */
  toxicity?: number;
}

const LINKS = ["clients", "peers", "all"];

function invalidLink(kind: string, option: string, expected: string, value: unknown, hint: string, cluster?: string): FaultlineError {
  return new FaultlineError({
    code: "FAULTLINE_INVALID_OPTION",
    message: `${kind}.${option} must be ${expected}, received ${describeValue(value)}`,
    hint,
    cluster,
    option: `${kind}.${option}`,
  });
}

/**
 * Checks the link options when the fault is defined. `links: "bogus"` used to act as "all",
 * and any other wrong value would fault other links than the test meant.
 */
export function checkLinkOptions(kind: string, options: LinkOptions, links: readonly string[] = LINKS): void {
  checkSelector(kind, options.node);
  if (options.links !== undefined && !links.includes(options.links)) {
    throw invalidLink(
      kind,
      "links",
      links
        .map((l) => `"${l}"`)
        .join(", ")
        .replace(/, ([^,]*)$/, " or $1"),
      options.links,
      '"clients" for the test\'s links to the nodes' + (links.includes("peers") ? ', "peers" for node-to-node links' : ""),
    );
  }
  if (options.port !== undefined && (typeof options.port !== "string" || options.port === "")) {
    throw invalidLink(kind, "port", "the name of one of the cluster's ports", options.port, 'e.g. { port: "client" }; leave it out for every port');
  }
  if (options.direction !== undefined && options.direction !== "upstream" && options.direction !== "downstream") {
    throw invalidLink(kind, "direction", '"upstream" (client -> node) or "downstream" (node -> client)', options.direction, 'e.g. { direction: "upstream" }');
  }
  if (options.toxicity !== undefined && !(typeof options.toxicity === "number" && options.toxicity >= 0 && options.toxicity <= 1)) {
    throw invalidLink(kind, "toxicity", "a number from 0 to 1", options.toxicity, "e.g. { toxicity: 0.5 } to affect half of the connections");
  }
}

/** The port must be one the cluster declares: a misspelt one matched no proxy, and the fault "applied" touching nothing. */
function checkPort(cluster: FaultTarget, kind: string, port: string | undefined): void {
  const ports = cluster.ports;
  if (port === undefined || ports.includes(port)) return;
  throw invalidLink(
    kind,
    "port",
    `one of the cluster's ports (${ports.length ? ports.map((p) => `"${p}"`).join(", ") : "it declares none"})`,
    port,
    "name a port from the cluster's `ports` list, or leave it out for every port",
    cluster.name,
  );
}

function proxiesFor(cluster: FaultTarget, nodes: readonly Node[], options: LinkOptions, kind: string): FaultProxy[] {
  const links = options.links ?? "clients";
  checkPort(cluster, kind, options.port);
  const out: FaultProxy[] = [];
  if (links !== "peers") out.push(...cluster.clientProxies(nodes, options.port));
  if (links !== "clients") {
    const linkProxiesTo = cluster.controls.network.linkProxiesTo;
    if (!linkProxiesTo) {
      const { message, hint } = cluster.controls.unsupported("peer-toxics");
      throw new FaultlineError({
        code: "FAULTLINE_FAULT_UNSUPPORTED",
        message: `fault "${kind}" on peer links: ${message}`,
        hint,
        cluster: cluster.name,
        option: `${kind}.links`,
      });
    }
    for (const node of nodes) out.push(...linkProxiesTo(node.name, options.port));
  }
  if (out.length === 0) {
    // Never fake a fault: with no proxy on the path, there is nothing to slow down.
    throw new FaultlineError({
      code: "FAULTLINE_FAULT_UNSUPPORTED",
      message: `fault "${kind}" found no fault proxy on the ${links === "all" ? "" : `${links} `}links of ${nodes.map((n) => n.name).join(", ")}${options.port ? ` for port "${options.port}"` : ""}: the cluster declares no ports, so no traffic goes through one`,
      hint: "declare the nodes' ports in the cluster's `ports` list and have clients use node.address(port)",
      cluster: cluster.name,
      option: kind,
    });
  }
  return out;
}

/** Builds a fault that adds one toxic to every matching proxy and removes it on heal. */
export function toxicFault(
  kind: string,
  toxic: (common: { direction?: "upstream" | "downstream"; toxicity?: number }) => ToxicSpec,
  options: LinkOptions,
  summary: string,
): Fault {
  checkLinkOptions(kind, options);
  checkToxic(kind, toxic({ direction: options.direction, toxicity: options.toxicity }));
  return {
    kind,
    describe: () => `${summary} on ${options.node ?? "all"}`,
    async apply(on, context) {
      const c = requireCluster(on, kind);
      const nodes = await resolveTargets(c, options.node ?? "all", context.random, kind);
      const proxies = proxiesFor(
        c,
        nodes.map((n) => c.node(n.name)),
        options,
        kind,
      );
      const spec = toxic({ direction: options.direction, toxicity: options.toxicity });
      const added: Array<[FaultProxy, string]> = [];
      try {
        for (const proxy of proxies) added.push([proxy, proxy.addToxic({ ...spec, name: `${context.id}` })]);
      } catch (error) {
        for (const [proxy, id] of added) proxy.removeToxic(id);
        throw error;
      }
      return activeFault({
        id: context.id,
        kind,
        description: `${summary} on ${describeTargets(options.node ?? "all", nodes)} (${options.links ?? "clients"})`,
        targets: nodes.map((n) => n.name),
        mechanism: "fault proxy",
        undo: async () => {
          for (const [proxy, id] of added) proxy.removeToxic(id);
        },
      });
    },
  };
}

/** Resolves the toxic once when the fault is defined, so `{ latency: "5 s" }` fails then, named after the fault's option. */
function checkToxic(kind: string, spec: ToxicSpec): void {
  try {
    resolveToxic(spec);
  } catch (error) {
    const option = (error as { option?: string }).option?.replace(/^toxic\.(attributes\.)?/, "");
    throw new FaultlineError({
      code: isFaultlineError(error) ? error.code : "FAULTLINE_INVALID_OPTION",
      message: `fault "${kind}": ${(error as Error).message
        .split("\n")[0]!
        .replace(/^FAULTLINE_[A-Z_]+: /, "")
        .replace(/ \[option "[^"]*"\]$/, "")}`,
      hint: (error as { hint?: string }).hint ?? `see the options of fault "${kind}"`,
      option: option ? `${kind}.${option}` : kind,
    });
  }
}

export interface LatencyOptions extends LinkOptions {
  latency: number | string;
  jitter?: number | string;
}
export const latency = (o: LatencyOptions): Fault =>
  toxicFault(
    "latency",
    (c) => ({ ...c, type: "latency", attributes: { latency: o.latency as never, jitter: (o.jitter ?? 0) as never } }),
    o,
    `latency ${o.latency}${o.jitter ? ` ±${o.jitter}` : ""}`,
  );

export interface SlowCloseOptions extends LinkOptions {
  delay: number | string;
}
export const slowClose = (o: SlowCloseOptions): Fault =>
  toxicFault("slow_close", (c) => ({ ...c, type: "slow_close", attributes: { delay: o.delay as never } }), o, `slow close ${o.delay}`);

export interface TimeoutOptions extends LinkOptions {
  timeout: number | string;
}
export const timeout = (o: TimeoutOptions): Fault =>
  toxicFault("timeout", (c) => ({ ...c, type: "timeout", attributes: { timeout: o.timeout as never } }), o, `timeout ${o.timeout}`);

export interface ResetPeerOptions extends LinkOptions {
  timeout?: number | string;
}
export const resetPeer = (o: ResetPeerOptions = {}): Fault =>
  toxicFault("reset_peer", (c) => ({ ...c, type: "reset_peer", attributes: { timeout: (o.timeout ?? 0) as never } }), o, `reset peer after ${o.timeout ?? 0}`);

export interface SlicerOptions extends LinkOptions {
  averageSize: number;
  sizeVariation?: number;
  delay?: number;
}
export const slicer = (o: SlicerOptions): Fault =>
  toxicFault(
    "slicer",
    (c) => ({ ...c, type: "slicer", attributes: { averageSize: o.averageSize, sizeVariation: o.sizeVariation ?? 0, delay: o.delay ?? 0 } }),
    o,
    `slicer ${o.averageSize}B`,
  );

export interface LimitDataOptions extends LinkOptions {
  bytes: number;
}
export const limitData = (o: LimitDataOptions): Fault =>
  toxicFault("limit_data", (c) => ({ ...c, type: "limit_data", attributes: { bytes: o.bytes } }), o, `limit data ${o.bytes}B`);

export interface DownOptions extends LinkOptions {
  cutExisting?: boolean;
}
export const down = (o: DownOptions = {}): Fault =>
  toxicFault("down", (c) => ({ ...c, type: "down", attributes: { cutExisting: o.cutExisting ?? true } }), o, "down");
