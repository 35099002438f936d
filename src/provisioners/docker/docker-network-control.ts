import { existsSync } from "node:fs";
import type Docker from "dockerode";
import { FaultlineError } from "../../common/errors";
import type { Node } from "../../cluster/types";
import type { Grudge } from "../../faults/grudge";
import type { NetworkControl, Undo } from "../provisioner";
import { installHint } from "../which";
import { addChainScript, isolatedNode, removeChainScript, type DockerMember, type DropRule } from "./fault-rules";
import { lossPlan, partitionPlan, tbfArgs } from "../drop-plans";
import { runInNetns, type CommandResult } from "./netns-command";

/** The running container of a node, as the network control reaches it. */
export interface LiveContainer {
  id: string;
  /** Host pid of its init process; undefined on a remote engine. */
  pid?: number;
}

/** How faults reach the containers: host tools in their namespaces, or the engine's API alone. */
export type FaultAccess =
  | { mode: "nsenter"; nsenter: string; iptablesRestore: string; tc?: string }
  | { mode: "engine"; reason: "not-root" | "remote-engine" | "missing-tools" | "forced"; detail: string };

export interface DockerNetworkControlOptions {
  cluster: string;
  runId: string;
  docker: Docker;
  networkId: string;
  /** Where the test's clients come from: the network's gateway, an address of the host. */
  gateway: string;
  members: readonly DockerMember[];
  access: FaultAccess;
  /** The node's container while it runs. */
  container(node: string): LiveContainer | undefined;
}

/** Something done to one node's container; redone on the node's next container after a restart. */
interface Effect {
  node: string;
  what: string;
  apply(target: LiveContainer): Promise<void>;
  remove(target: LiveContainer): Promise<void>;
}

type FaultResult = { undo: Undo; mechanism: string };

/**
 * Network faults for docker clusters. With root on the engine's machine, iptables chains
 * (`fl-<run>-p<k>`, `fl-<run>-l<k>`) and tc qdiscs are put in each container's network
 * namespace from the host through nsenter, one process per container. Otherwise only a
 * one-node isolation is possible, by disconnecting its container from the network.
 * Faults outlive node restarts: a node's new container gets the active ones before it is used.
 */
export class DockerNetworkControl {
  private serial = 0;
  private readonly active = new Set<Effect>();
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly options: DockerNetworkControlOptions) {}

  /**
   * The control the provisioner exposes. Loss and bandwidth are always there, as on netns: without
   * the containers' namespaces they refuse rather than let the fault layer fall back to client-link
   * proxies, which would leave node-to-node traffic untouched.
   */
  asNetworkControl(): NetworkControl {
    return {
      partition: (grudge, options) => this.partition(grudge, options),
      loss: (targets, probability) => this.loss(targets, probability),
      bandwidth: (targets, rate) => this.bandwidth(targets, rate),
    };
  }

  async partition(grudge: Grudge, options: { clients: boolean }): Promise<FaultResult> {
    const { access, members, gateway, cluster } = this.options;
    const plan = byName(partitionPlan(grudge, members, (m) => m.ip, options.clients, gateway, cluster));
    if (access.mode === "nsenter") return { mechanism: "iptables (nsenter)", undo: await this.applyEffects(this.chainEffects("p", plan)) };
    const isolated = isolatedNode(grudge, members);
    if (!isolated) {
      throw new FaultlineError({
        code: access.reason === "not-root" ? "FAULTLINE_PERMISSION" : "FAULTLINE_FAULT_UNSUPPORTED",
        message: `a partition other than isolating one node needs iptables inside the containers, and ${access.detail}`,
        hint: "run the tests as root on the Docker host (nsenter needs CAP_SYS_ADMIN, iptables CAP_NET_ADMIN), or partition by isolating a single node",
        cluster,
      });
    }
    return { mechanism: "docker network disconnect (cuts the node's clients too)", undo: await this.applyEffects([this.disconnectEffect(isolated)]) };
  }

  async loss(targets: readonly Node[], probability: number): Promise<FaultResult> {
    this.requireNamespaces("loss", "iptables");
    const plan = byName(lossPlan(this.membersOf(targets), this.options.members, (m) => m.ip, probability, this.options.cluster));
    return { mechanism: "iptables statistic (nsenter)", undo: await this.applyEffects(this.chainEffects("l", plan)) };
  }

  async bandwidth(targets: readonly Node[], rateKBps: number): Promise<FaultResult> {
    const access = this.requireNamespaces("bandwidth", "tc");
    const tc = access.tc;
    if (!tc) {
      throw new FaultlineError({
        code: "FAULTLINE_REQUIREMENT_MISSING",
        message: 'a bandwidth fault on provisioner "docker" needs "tc" on the host',
        hint: installHint("tc"),
        cluster: this.options.cluster,
      });
    }
    const qdisc = tbfArgs(rateKBps, this.options.cluster);
    const effects = this.membersOf(targets).map((member): Effect => ({
      node: member.name,
      what: `tbf ${rateKBps} KB/s`,
      // Docker names a container's only network interface eth0.
      apply: (target) => this.run(member.name, target, "bandwidth", [tc, "qdisc", "replace", "dev", "eth0", "root", ...qdisc]),
      remove: (target) => this.run(member.name, target, "heal bandwidth", [tc, "qdisc", "del", "dev", "eth0", "root"]),
    }));
    return { mechanism: "tc tbf (nsenter)", undo: await this.applyEffects(effects) };
  }

  /** Called once a node's new container runs: redoes the faults still active for it. */
  async attached(node: string): Promise<void> {
    const target = this.options.container(node);
    if (!target) return;
    for (const effect of this.active) if (effect.node === node) await this.enqueue(node, () => effect.apply(target));
  }

  private chainEffects(kind: "p" | "l", plan: Map<string, DropRule[]>): Effect[] {
    const access = this.requireNsenter();
    return [...plan].map(([node, rules]) => {
      const chain = `fl-${this.options.runId}-${kind}${++this.serial}`;
      const restore = [access.iptablesRestore, "--noflush"];
      return {
        node,
        what: `chain ${chain}`,
        apply: (target) => this.run(node, target, kind === "p" ? "partition" : "loss", restore, addChainScript(chain, rules)),
        remove: (target) => this.run(node, target, "heal", restore, removeChainScript(chain)),
      };
    });
  }

  private disconnectEffect(node: string): Effect {
    const { docker, networkId, members } = this.options;
    const network = docker.getNetwork(networkId);
    const ip = members.find((m) => m.name === node)!.ip;
    return {
      node,
      what: `disconnect from ${networkId.slice(0, 12)}`,
      apply: (target) => network.disconnect({ Container: target.id, Force: true }).catch((error) => this.engineFailure(error, node, "disconnect")),
      remove: (target) =>
        network
          .connect({ Container: target.id, EndpointConfig: { IPAMConfig: { IPv4Address: ip } } })
          .catch((error) => this.engineFailure(error, node, "reconnect")),
    };
  }

  /** Applies effects on every running container in parallel; on any failure removes the applied ones and rethrows the first error. */
  private async applyEffects(effects: Effect[]): Promise<Undo> {
    const applied: Effect[] = [];
    const results = await Promise.allSettled(
      effects.map(async (effect) => {
        this.active.add(effect); // before applying: a restart in between must redo it
        const target = this.options.container(effect.node);
        if (target) await this.enqueue(effect.node, () => effect.apply(target));
        applied.push(effect);
      }),
    );
    let healed = false;
    const undo = async (): Promise<void> => {
      if (healed) return;
      healed = true;
      for (const effect of effects) this.active.delete(effect);
      const removals = await Promise.allSettled(applied.map((effect) => this.removeEffect(effect)));
      const failed = removals.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) throw failed.reason;
    };
    const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failure) {
      await undo().catch(() => undefined);
      throw failure.reason;
    }
    return undo;
  }

  private async removeEffect(effect: Effect): Promise<void> {
    const target = this.options.container(effect.node);
    if (target) await this.enqueue(effect.node, () => effect.remove(target)); // no container: nothing left to undo
  }

  private async run(node: string, target: LiveContainer, fault: string, argv: string[], stdin?: string): Promise<void> {
    const access = this.requireNsenter();
    if (target.pid === undefined) throw new Error(`no host pid for ${node}'s container`);
    const result = await runInNetns(access.nsenter, target.pid, argv, stdin);
    // A container that died a moment ago has no namespace left to change; its next container
    // gets the active faults when it starts.
    if (result.code !== 0 && !existsSync(`/proc/${target.pid}/ns/net`)) return;
    if (result.code !== 0) throw this.commandFailure(fault, node, argv, result);
  }

  /** Work on one container is serialised (one iptables transaction at a time there); containers run in parallel. */
  private enqueue<T>(node: string, task: () => Promise<T>): Promise<T> {
    const next = (this.queues.get(node) ?? Promise.resolve()).then(task, task);
    this.queues.set(
      node,
      next.catch(() => undefined),
    );
    return next;
  }

  private requireNsenter(): Extract<FaultAccess, { mode: "nsenter" }> {
    const { access, cluster } = this.options;
    if (access.mode === "nsenter") return access;
    throw new FaultlineError({
      code: access.reason === "not-root" ? "FAULTLINE_PERMISSION" : "FAULTLINE_FAULT_UNSUPPORTED",
      message: `this fault needs the containers' network namespaces, and ${access.detail}`,
      hint: "run the tests as root on the Docker host",
      cluster,
    });
  }

  /** Loss and bandwidth act on every packet of a node, its peers' included: only from inside its namespace. */
  private requireNamespaces(fault: "loss" | "bandwidth", tool: string): Extract<FaultAccess, { mode: "nsenter" }> {
    const { access, cluster } = this.options;
    if (access.mode === "nsenter") return access;
    const fix = {
      "not-root": `run the tests as root on the Docker host (nsenter needs CAP_SYS_ADMIN to enter the containers' namespaces, ${tool} CAP_NET_ADMIN)`,
      "remote-engine": "run the tests as root on the Docker host",
      "missing-tools": "install it",
      forced: "unset FAULTLINE_DOCKER_FAULTS",
    }[access.reason];
    throw new FaultlineError({
      code: access.reason === "not-root" ? "FAULTLINE_PERMISSION" : "FAULTLINE_FAULT_UNSUPPORTED",
      message: `a ${fault} fault acts on traffic between nodes too, which needs ${tool} inside each container's network namespace, and ${access.detail}`,
      hint: `${fix}; or pass links: "clients" to act only on the test's links to the nodes, through the fault proxy`,
      cluster,
      option: `${fault}.links`,
    });
  }

  private membersOf(targets: readonly Node[]): DockerMember[] {
    return targets.map((target) => {
      const member = this.options.members.find((m) => m.name === target.name);
      if (!member)
        throw new FaultlineError({
          code: "FAULTLINE_UNKNOWN_NODE",
          message: `node "${target.name}" is not in this cluster`,
          hint: "pass the cluster's own nodes",
          cluster: this.options.cluster,
        });
      return member;
    });
  }

  private commandFailure(fault: string, node: string, argv: string[], result: CommandResult): FaultlineError {
    const missingModule = /statistic|No chain|Couldn't load|unknown|not supported/i.test(result.stderr);
    return new FaultlineError({
      code: "FAULTLINE_FAULT_FAILED",
      message: `${fault}: ${argv.map((a) => a.split("/").pop()).join(" ")} in the container's namespace exited ${result.code}: ${result.stderr || "(no output)"}`,
      hint: missingModule ? "the kernel may lack the module this fault needs (xt_statistic, sch_tbf)" : "run the command by hand with nsenter to see why",
      cluster: this.options.cluster,
      node,
    });
  }

  private engineFailure(error: unknown, node: string, what: string): never {
    throw new FaultlineError({
      code: "FAULTLINE_FAULT_FAILED",
      message: `docker network ${what} failed: ${(error as Error).message}`,
      hint: "see the engine's message",
      cluster: this.options.cluster,
      node,
      cause: error,
    });
  }
}

function byName(plan: Map<DockerMember, DropRule[]>): Map<string, DropRule[]> {
  return new Map([...plan].map(([member, rules]) => [member.name, rules]));
}
