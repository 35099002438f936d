import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { FaultlineError } from "../common/errors";
import { allocatePort, releasePorts } from "../cluster/port-allocator";
import { FaultProxy, type Blackhole } from "../proxy/fault-proxy";
import type { Grudge } from "../cluster/grudge";
import type { ClusterSpec } from "../cluster/types";
import type { LaunchSpec, NodeProcess, NodeSlot, ProvisionContext, Provisioner } from "../cluster/provisioner";
import type { HostControls } from "../cluster/controls";
import { hostControls } from "./host/host-controls";
import { spawnGroup } from "./spawn-group";

const HOST = "127.0.0.1";

/**
 * Nodes as local processes on 127.0.0.1, each with its own ports. Node-to-node faults work
 * through a mesh of per-link proxies, for systems started with each peer's address
 * (`cluster.peerAddress(from, to, port)`).
 */
export class ProcessProvisioner implements Provisioner {
  readonly kind = "process" as const;
  readonly hostFilesystem = true;
  private context?: ProvisionContext;
  private readonly allocated: number[] = [];
  /** `${from}->${to}:${port}` -> the proxy `from` dials to reach `to`. */
  private readonly links = new Map<string, FaultProxy>();
  private readonly usedLinks = new Set<string>();
  readonly controls: HostControls;

  constructor(spec?: ClusterSpec) {
    this.controls = hostControls({
      kind: "process",
      spec,
      context: () => this.context,
      network: { partition: (grudge) => this.partition(grudge), linkProxiesTo: (to, port) => this.linkProxiesTo(to, port) },
      signals: { kill: "signal", pause: "SIGSTOP/SIGCONT" },
      fullDisk: {
        hint: 'add disk: { size: "64m" } to the cluster (root: each data dir becomes a tmpfs of that size) — faultline never fills a real disk',
        option: "disk.size",
      },
    });
  }

  async prepare(context: ProvisionContext): Promise<NodeSlot[]> {
    this.context = context;
    const slots: NodeSlot[] = [];
    for (const node of context.nodes) {
      const ports: Record<string, number> = {};
      for (const name of context.ports) {
        ports[name] = await allocatePort(HOST, { cluster: context.cluster, node: node.name });
        this.allocated.push(ports[name]);
      }
      const dataDir = join(context.dir, node.name);
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      slots.push({ name: node.name, index: node.index, host: HOST, ports, dataDir });
    }
    // Every ordered pair gets a proxy per port, made up front so `peerAddress` can answer
    // synchronously while commands are built.
    for (const from of slots) {
      for (const to of slots) {
        if (from === to) continue;
        for (const port of context.ports) {
          const proxy = new FaultProxy({ name: `${from.name}->${to.name}:${port}`, upstream: { host: to.host, port: to.ports[port]! } });
          await proxy.start();
          this.links.set(linkKey(from.name, to.name, port), proxy);
        }
      }
    }
    return slots;
  }

  peerAddress(from: NodeSlot, to: NodeSlot, port: string, options: { peek?: boolean } = {}): string {
    if (from.name === to.name) return `${to.host}:${to.ports[port]}`;
    const key = linkKey(from.name, to.name, port);
    const proxy = this.links.get(key);
    if (!proxy) {
      throw new FaultlineError({
        code: "FAULTLINE_INVALID_OPTION",
        message: `no port named "${port}"; the cluster declares ports ${JSON.stringify(this.context?.ports ?? [])}`,
        hint: "name the port in the cluster's `ports` list",
        cluster: this.context?.cluster,
        node: from.name,
        option: "ports",
      });
    }
    if (!options.peek) this.usedLinks.add(key);
    return `${proxy.host}:${proxy.port}`;
  }

  /** Link proxies that carry traffic into node `to` (optionally only for one port). */
  linkProxiesTo(to: string, port?: string): FaultProxy[] {
    const out: FaultProxy[] = [];
    for (const [key, proxy] of this.links) {
      const [, target] = key.split("->");
      if (target === `${to}:${port ?? target!.split(":")[1]}`) out.push(proxy);
    }
    return out;
  }

  async launch(slot: NodeSlot, spec: LaunchSpec): Promise<NodeProcess> {
    const context = this.requireContext();
    return spawnGroup(spec, { cluster: context.cluster, node: slot.name, registry: context.run.registry });
  }

  private async partition(grudge: Grudge): Promise<{ undo: () => Promise<void>; mechanism: string }> {
    const context = this.requireContext();
    // Only links the nodes were told to use carry their traffic: if none were, the system
    // talks to its peers directly and a proxy cannot cut it.
    if (this.usedLinks.size === 0) {
      throw new FaultlineError({
        code: "FAULTLINE_FAULT_UNSUPPORTED",
        message:
          'a node-to-node partition on provisioner "process" needs the nodes to reach each other through cluster.peerAddress(from, to, port), and this cluster\'s command never asked for one',
        hint: 'use provisioner: "netns" (Linux, root or CAP_NET_ADMIN) to partition with iptables, or build peer addresses in `command` with cluster.peerAddress()',
        cluster: context.cluster,
      });
    }
    const holds: Array<[FaultProxy, Partial<Blackhole>]> = [];
    for (const [deaf, unheard] of Object.entries(grudge)) {
      for (const source of unheard) {
        for (const port of context.ports) {
          // deaf cannot hear source: bytes source sends on source->deaf links (upstream), and
          // replies source sends on deaf->source links (downstream).
          const outbound = this.links.get(linkKey(source, deaf, port));
          const inbound = this.links.get(linkKey(deaf, source, port));
          if (outbound) holds.push([outbound, { upstream: true }]);
          if (inbound) holds.push([inbound, { downstream: true }]);
        }
      }
    }
    // One step: every link is cut before any of them forwards another byte.
    const release = FaultProxy.holdTogether(holds);
    return {
      mechanism: "link proxies",
      undo: async () => release(),
    };
  }

  async dispose(): Promise<void> {
    const proxies = [...this.links.values()];
    this.links.clear();
    await Promise.allSettled(proxies.map((proxy) => proxy.close()));
    releasePorts(HOST, this.allocated.splice(0));
  }

  private requireContext(): ProvisionContext {
    if (!this.context)
      throw new FaultlineError({
        code: "FAULTLINE_NODE_STATE",
        message: "the process provisioner was used before prepare()",
        hint: "start the cluster with startCluster()",
      });
    return this.context;
  }
}

function linkKey(from: string, to: string, port: string): string {
  return `${from}->${to}:${port}`;
}
