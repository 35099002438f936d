import { FaultlineError } from "../common/errors";
import type { Applied, Capability, HostControls, NetworkControl } from "../cluster/controls";
import type { ExitStatus, LaunchSpec, NodeProcess, NodeSlot, ProvisionContext, Provisioner } from "../cluster/provisioner";
import type { ClusterSpec, Node, ProvisionerKind } from "../cluster/types";
import type { AttachReply } from "./keeper";
import type { Wire } from "./wire";

type Output = LaunchSpec["onOutput"];

/**
 * A session's view of a reused cluster's backend: the provisioner contract, carried out by the
 * cluster's keeper. Nodes outlive the session (`keepsNodes`): stopping the cluster object heals
 * and detaches, and the next session adopts the nodes still running.
 */
export class RemoteProvisioner implements Provisioner {
  readonly keepsNodes = true;
  private info?: AttachReply;
  private readonly outputs = new Map<string, { generation: number; onOutput: Output }>();
  private readonly exits = new Map<string, { generation: number; resolve(status: ExitStatus): void }>();
  private builtControls?: HostControls;

  constructor(
    private readonly wire: Wire,
    private readonly spec: ClusterSpec,
    private readonly cluster: string,
  ) {}

  get kind(): ProvisionerKind {
    return this.info?.kind ?? this.spec.provisioner ?? "process";
  }

  get hostFilesystem(): boolean {
    return this.info?.hostFilesystem ?? this.kind !== "docker";
  }

  get clusterDir(): string | undefined {
    return this.info?.dir;
  }

  /** How many sessions used the cluster before this one (0: it was just made). */
  get previousSessions(): number {
    return this.info?.sessions ?? 0;
  }

  /** Called by the session's wire for each event. */
  onEvent(event: { event: string; node?: unknown; generation?: unknown; [key: string]: unknown }): void {
    const node = String(event.node);
    if (event.event === "output") {
      const target = this.outputs.get(node);
      if (target && target.generation === event.generation)
        target.onOutput(Buffer.from(String(event.data), "base64"), event.stream === "stderr" ? "stderr" : "stdout");
    } else if (event.event === "exit") {
      const waiter = this.exits.get(node);
      if (!waiter || waiter.generation !== event.generation) return;
      this.exits.delete(node);
      waiter.resolve({ code: (event.code as number | null) ?? null, signal: (event.signal as NodeJS.Signals | null) ?? null });
    }
  }

  /** The keeper went away: every node's process counts as gone. */
  onClosed(): void {
    for (const waiter of this.exits.values()) waiter.resolve({ code: null, signal: "SIGKILL" });
    this.exits.clear();
  }

  async prepare(context: ProvisionContext): Promise<NodeSlot[]> {
    const { cluster, ports, nodes, subnet } = context;
    this.info = await this.wire.call<AttachReply>("attach", { spec: serializableSpec(this.spec), context: { cluster, ports, nodes, subnet } });
    for (const note of this.info.notes) context.timeline.record({ type: "note", message: note });
    return this.info.slots;
  }

  /** A running node of the reused cluster, taken over once (undefined when the node must be started). */
  adopt(slot: NodeSlot, onOutput: Output): NodeProcess | undefined {
    const index = this.info?.running.findIndex((r) => r.node === slot.name) ?? -1;
    if (index < 0) return undefined;
    const [running] = this.info!.running.splice(index, 1);
    return this.process(slot.name, running!.generation, running!.pid, onOutput);
  }

  async launch(slot: NodeSlot, spec: LaunchSpec): Promise<NodeProcess> {
    const { generation, pid } = await this.wire.call<{ generation: number; pid?: number }>("launch", {
      node: slot.name,
      argv: spec.argv,
      env: spec.env,
      nodeEnv: spec.nodeEnv ?? {},
      cwd: spec.cwd,
    });
    return this.process(slot.name, generation, pid, spec.onOutput);
  }

  private process(node: string, generation: number, pid: number | undefined, onOutput: Output): NodeProcess {
    this.outputs.set(node, { generation, onOutput });
    const exited = new Promise<ExitStatus>((resolve) => this.exits.set(node, { generation, resolve }));
    if (this.wire.closed) this.onClosed();
    const call = (op: string, extra: object = {}): Promise<void> => this.wire.call(op, { node, generation, ...extra }).then(() => undefined);
    return {
      pid,
      exited,
      signal: (signal) => call("signal", { signal }),
      pause: () => call("pause"),
      resume: () => call("resume"),
      release: () => (this.wire.closed ? Promise.resolve() : call("release")),
    };
  }

  peerAddress(from: NodeSlot, to: NodeSlot, port: string, options: { peek?: boolean } = {}): string {
    const address = this.attached().peers[from.name]?.[to.name]?.[port];
    if (address === undefined) throw new Error(`no address of ${to.name}:${port} from ${from.name}`);
    // Sent before any fault the session applies later (one socket, in order): the keeper's backend counts the link as used.
    if (!options.peek) void this.wire.call("peer", { from: from.name, to: to.name, port }).catch(() => undefined);
    return address;
  }

  placement(node: string): string | undefined {
    return this.info?.placements[node];
  }

  get controls(): HostControls {
    return (this.builtControls ??= this.buildControls(this.attached()));
  }

  async dispose(): Promise<void> {
    this.wire.close();
  }

  private attached(): AttachReply {
    if (this.info) return this.info;
    throw new FaultlineError({
      code: "FAULTLINE_NODE_STATE",
      message: "the reused cluster is not attached yet",
      hint: "use the cluster once it is provisioned",
      cluster: this.cluster,
    });
  }

  private buildControls(info: AttachReply): HostControls {
    const apply = async (path: string, args: unknown[]): Promise<Applied> => {
      const { undo, mechanism, detail } = await this.wire.call<{ undo: number; mechanism: string; detail?: string }>("control", {
        path,
        args: args.map(encode),
      });
      return { mechanism, detail, undo: () => (this.wire.closed ? Promise.resolve() : this.wire.call("undo", { id: undo }).then(() => undefined)) };
    };
    const network: NetworkControl = {};
    if (info.has.partition) network.partition = (grudge, nodes) => apply("network.partition", [grudge, nodes]);
    if (info.has.loss) network.loss = (targets, probability) => apply("network.loss", [targets, probability]);
    if (info.has.bandwidth) network.bandwidth = (targets, rate) => apply("network.bandwidth", [targets, rate]);
    return {
      network,
      disk: info.has.disk ? { readonly: (node) => apply("disk.readonly", [node]), fill: (node) => apply("disk.fill", [node]) } : undefined,
      clock: info.has.clock
        ? {
            env: (node) => info.clockEnv[node] ?? {},
            blocker: (program) => this.wire.call<{ blocker: string | null }>("blocker", { program }).then((r) => r.blocker ?? undefined),
            shift: (nodes, seconds, rate) => apply("clock.shift", [nodes, seconds, rate]),
          }
        : undefined,
      limits: info.has.limits ? { lower: (nodes, limits) => apply("limits.lower", [nodes, limits]) } : undefined,
      signals: info.signals,
      unsupported: (capability: Capability) =>
        capability === "peer-toxics" && !network.linkProxiesTo
          ? {
              message: "toxics on peer links are not offered on a reused cluster (its link proxies live in its keeper)",
              hint: 'use links: "clients", or run this test without reuse (FAULTLINE_REUSE=0)',
            }
          : (info.unsupported[capability] ?? { message: `${capability} is not supported`, hint: "see faultline doctor" }),
    };
  }
}

/** A node as a control's argument crosses the socket: by name. */
function encode(arg: unknown): unknown {
  if (Array.isArray(arg)) return arg.map(encode);
  if (typeof arg === "object" && arg !== null && typeof (arg as Node).name === "string" && typeof (arg as Node).port === "function")
    return { $node: (arg as Node).name };
  return arg;
}

/** What a keeper needs of a spec to prepare the cluster: its data, without functions. */
export function serializableSpec(spec: ClusterSpec): ClusterSpec {
  return JSON.parse(JSON.stringify(spec, (_key, value: unknown) => (typeof value === "function" ? undefined : value))) as ClusterSpec;
}
