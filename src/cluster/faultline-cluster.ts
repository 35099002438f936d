import { FaultlineError, errorReason } from "../common/errors";
import { toMs, formatMs, type Duration } from "../common/duration";
import { sleep, monoNowMs, withTimeout } from "../common/timers";
import type { FaultProxy } from "../proxy/fault-proxy";
import type { Provisioner } from "./provisioner";
import type { HostControls } from "./controls";
import type { ActiveFault, Fault, FaultTarget } from "./fault";
import { applyRecorded, healAllActive } from "./recorded-fault";
import { createHistory, type History, type HistoryOptions } from "../history/history";
import type { ClusterNode } from "./cluster-node";
import { Timeline } from "./timeline";
import type { Cluster, ClusterSpec, Node, ProvisionerKind } from "./types";

/** How long one run of the healthy or leader probe may take before it counts as failed. */
const PROBE_TIMEOUT = "10s";

export interface FaultlineClusterOptions {
  name: string;
  spec: ClusterSpec;
  dir: string;
  provisioner: Provisioner;
  timeline: Timeline;
  /** Called once on stop, after nodes, to remove proxies, ports and networks. */
  release: () => Promise<void>;
}

let faultCounter = 0;

/** A provisioned cluster: its nodes, probes, faults and timeline. */
export class FaultlineCluster implements Cluster, FaultTarget {
  readonly name: string;
  readonly timeline: Timeline;
  nodes: ClusterNode[] = [];
  private readonly active: ActiveFault[] = [];
  private readonly recorded: History[] = [];
  private stopping?: Promise<void>;
  /** Random source for fault targets; schedules replace it with a seeded one. */
  random: () => number = Math.random;

  constructor(private readonly options: FaultlineClusterOptions) {
    this.name = options.name;
    this.timeline = options.timeline;
  }

  /** Node -> where it runs, for backends that say (the SSH host); undefined otherwise. */
  get placements(): Record<string, string> | undefined {
    const { provisioner } = this.options;
    if (!provisioner.placement) return undefined;
    const entries = this.nodes.flatMap((node) => {
      const where = provisioner.placement!(node.name);
      return where ? [[node.name, where] as const] : [];
    });
    return entries.length ? Object.fromEntries(entries) : undefined;
  }

  /** The cluster's folder: in the run's directory, or — for a reused cluster — in its keeper's, the same in every run. */
  get dir(): string {
    return this.options.provisioner.clusterDir ?? this.options.dir;
  }

  get provisioner(): ProvisionerKind {
    return this.options.provisioner.kind;
  }

  get spec(): ClusterSpec {
    return this.options.spec;
  }

  get activeFaults(): readonly ActiveFault[] {
    return this.active;
  }

  /** Histories recorded through `cluster.history()`, for the report. */
  get histories(): readonly History[] {
    return this.recorded;
  }

  node(nameOrIndex: string | number): ClusterNode {
    const found = typeof nameOrIndex === "number" ? this.nodes[nameOrIndex] : this.nodes.find((n) => n.name === nameOrIndex);
    if (!found) {
      throw new FaultlineError({
        code: "FAULTLINE_UNKNOWN_NODE",
        message: `no node ${typeof nameOrIndex === "number" ? `at index ${nameOrIndex}` : `named "${nameOrIndex}"`}; nodes are ${this.nodes.map((n) => n.name).join(", ")}`,
        hint: "use a node name from the list, or an index from 0",
        cluster: this.name,
      });
    }
    return found;
  }

  peerAddress(from: Node, to: Node, port: string): string {
    return this.options.provisioner.peerAddress(this.node(from.name).slot, this.node(to.name).slot, port);
  }

  /** What faults can ask of the backend. */
  get controls(): HostControls {
    return this.options.provisioner.controls;
  }

  /** Every port name of the cluster's nodes (in a cluster whose nodes differ, each has some of them). */
  get ports(): readonly string[] {
    return [...new Set(this.nodes.flatMap((node) => node.spec.ports ?? []))];
  }

  get stopTimeoutMs(): number {
    return toMs(this.options.spec.stop?.timeout ?? "10s", { option: "stop.timeout", cluster: this.name });
  }

  programOf(node: Node): string {
    const own = this.node(node.name);
    return own.spec.command({ node: own, cluster: this })[0] ?? "";
  }

  /** The client proxies of every node (for client-link toxics). */
  clientProxies(nodes: readonly Node[] = this.nodes, port?: string): FaultProxy[] {
    const out: FaultProxy[] = [];
    for (const node of nodes) {
      const clusterNode = this.node(node.name);
      for (const name of clusterNode.spec.ports ?? []) {
        if (port && name !== port) continue;
        const proxy = clusterNode.proxy(name);
        if (proxy) out.push(proxy);
      }
    }
    return out;
  }

  async leader(timeout: Duration = PROBE_TIMEOUT): Promise<ClusterNode | undefined> {
    const find = this.options.spec.leader;
    if (!find) {
      throw new FaultlineError({
        code: "FAULTLINE_NO_LEADER",
        message: "this cluster does not say how to find its leader",
        hint: "add `leader: async (cluster) => …` to its defineCluster spec, returning the leading node or its name",
        cluster: this.name,
      });
    }
    const started = monoNowMs();
    try {
      const ms = toMs(timeout, { option: "leader timeout", cluster: this.name });
      const result = await withTimeout(Promise.resolve(find(this)), ms, () => new Error(`leader probe did not answer within ${formatMs(ms)}`));
      const node = result === undefined ? undefined : this.node(typeof result === "string" ? result : result.name);
      this.timeline.record({
        type: "probe",
        probe: "leader",
        ok: node !== undefined,
        error: node ? undefined : "no leader",
        node: node?.name,
        durationMs: monoNowMs() - started,
      });
      return node;
    } catch (error) {
      this.timeline.record({ type: "probe", probe: "leader", ok: false, error: errorReason(error), durationMs: monoNowMs() - started });
      return undefined;
    }
  }

  async checkHealth(timeout: Duration = PROBE_TIMEOUT): Promise<Error | undefined> {
    const started = monoNowMs();
    const ms = toMs(timeout, { option: "checkHealth timeout", cluster: this.name });
    let problem: Error | undefined;
    try {
      const healthy = this.options.spec.healthy;
      // A probe that hangs (a request to a paused node without a timeout of its own) fails
      // after `ms`, so that budgets and matchers still end with a message.
      const probe = healthy
        ? Promise.resolve(healthy(this)).then((ok) => (ok === false ? new Error("healthy() returned false") : undefined))
        : this.defaultHealth();
      problem = await withTimeout(probe, ms, () => new Error(`healthy probe did not answer within ${formatMs(ms)}`));
    } catch (error) {
      problem = error instanceof Error ? error : new Error(String(error));
    }
    this.timeline.record({ type: "probe", probe: "healthy", ok: !problem, error: problem && errorReason(problem), durationMs: monoNowMs() - started });
    return problem;
  }

  /** Every node running and passing its ready probe. */
  private async defaultHealth(): Promise<Error | undefined> {
    const down = this.nodes.filter((n) => n.state !== "running");
    if (down.length) return new Error(`not running: ${down.map((n) => `${n.name} (${n.state})`).join(", ")}`);
    const results = await Promise.all(this.nodes.map((n) => n.probeReady()));
    const failed = results.flatMap((error, i) => (error ? [`${this.nodes[i]!.name}: ${errorReason(error)}`] : []));
    return failed.length ? new Error(failed.join("; ")) : undefined;
  }

  async isHealthy(): Promise<boolean> {
    return (await this.checkHealth()) === undefined;
  }

  async waitUntilHealthy(timeout: Duration = "30s"): Promise<void> {
    const ms = toMs(timeout, { option: "waitUntilHealthy timeout", cluster: this.name });
    const started = monoNowMs();
    let last: Error | undefined;
    do {
      last = await this.checkHealth(Math.max(1, started + ms - monoNowMs()));
      if (!last) return;
      await sleep(100);
    } while (monoNowMs() - started < ms);
    throw new FaultlineError({
      code: "FAULTLINE_HEALTH_TIMEOUT",
      message: `cluster was not healthy within ${formatMs(ms)}: ${errorReason(last)}`,
      hint: "see the node logs and timeline below",
      cluster: this.name,
      details: this.describeState(),
    });
  }

  async inject(fault: Fault): Promise<ActiveFault> {
    const id = `${fault.kind}-${++faultCounter}`;
    return applyRecorded(this.timeline, this.active, fault, id, () => fault.apply(this, { id, random: this.random }));
  }

  /** Heals every active fault, newest first; continues past errors and rethrows the first. */
  healAll(): Promise<void> {
    return healAllActive(this.active);
  }

  /** Back to steady state after a test: heal faults, resume paused nodes, start exited ones, wait healthy. */
  async restoreSteadyState(timeout: Duration = "30s"): Promise<void> {
    let first: unknown;
    await this.healAll().catch((error) => (first ??= error));
    for (const node of this.nodes) {
      try {
        if (node.state === "paused") await node.resume();
        if (node.state === "exited" || node.state === "stopped" || node.state === "idle") await node.start();
      } catch (error) {
        first ??= error;
      }
    }
    if (first) throw first;
    await this.waitUntilHealthy(timeout);
  }

  history(options?: HistoryOptions): History {
    const history = createHistory(options);
    this.recorded.push(history);
    return history;
  }

  /** Node states, their last log lines and the tail of the timeline, for error messages. */
  describeState(logLines = 8, events = 15): string {
    const nodes = this.nodes.map((n) => n.logSection(logLines)).join("\n");
    return `  Timeline (last ${events} events):\n${this.timeline.format(this.timeline.events, events)}\n  Nodes:\n${nodes}`;
  }

  /** Stops every node (in reverse order), then removes proxies and networks. Idempotent. A reused cluster's nodes are kept. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      let first: unknown;
      await this.healAll().catch((error) => (first ??= error));
      // A reused cluster's nodes stay with its keeper (which resumes any this session paused).
      if (!this.options.provisioner.keepsNodes) {
        const nodes = [...this.nodes].reverse();
        const results = await Promise.allSettled(nodes.map((node) => node.stop()));
        for (const result of results) if (result.status === "rejected") first ??= result.reason;
      }
      await Promise.allSettled(this.nodes.map((node) => node.closeLogs()));
      await this.options.release().catch((error) => (first ??= error));
      if (first) throw first;
    })();
    return this.stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
