import { mkdirSync, unlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { FaultlineError } from "../common/errors";
import { ensurePrivateDir } from "../reaper/private-dir";
import type { ClusterSpec } from "../cluster/types";
import type { LaunchSpec, NodeProcess, NodeSlot, ProvisionContext, Provisioner } from "../cluster/provisioner";
import type { HostControls } from "../cluster/controls";
import { hostControls } from "./host/host-controls";
import { spawnGroup } from "./spawn-group";
import { which } from "../common/which";
import { directPeerAddress, portNumbers } from "./port-numbers";
import { checkRequirements } from "./netns/capabilities";
import { hostBatch, namespaceBatch, runCommand, type CommandResult, type Tools } from "./netns/ip-commands";
import { forwardRuleSpec } from "./netns/forward-rule";
import type { NetnsMember } from "./netns/netns-member";
import { NetnsNames } from "./netns/names";
import { NetnsNetwork } from "./netns/netns-network";
import { DEFAULT_SUBNET, bridgeAddress, candidateSubnets, formatCidr, nodeAddress, reserveSlot, reserveSubnet, usedNetworks } from "./netns/subnet";
import { UndoStack } from "./netns/undo-stack";

export { netnsAvailability, capabilities, type NetnsAvailability, type NetnsCapabilities } from "./netns/capabilities";

/** Every node binds the same small ports on its own IP: port i of the spec is 10000 + i. */
/**
 * Where subnet reservations live: beside the runs root (`os.tmpdir()/faultline-<uid>-subnets`),
 * shared by every run and worker of the user, and outside it so sweeps of dead runs never take
 * it for a run directory. A Docker network should reserve here too.
 */
function subnetsDir(runDir: string): string {
  // Shared by every run of this user, and read to decide what is free: ours alone, like the runs root.
  return ensurePrivateDir(`${dirname(runDir)}-subnets`, "faultline's subnet reservations folder");
}

interface Prepared {
  context: ProvisionContext;
  tools: Tools;
  undo: UndoStack;
  slotFile: string;
  members: NetnsMember[];
  slots: NodeSlot[];
  network?: NetnsNetwork;
}

/**
 * Each node runs in its own network namespace (`fl-<run>-<kk>-<node>`) with its own IP on a
 * per-cluster bridge; the test process reaches the nodes from the bridge's address. Peers talk
 * directly, and network faults are iptables chains and tc qdiscs inside the namespaces.
 * Needs Linux, root (or CAP_NET_ADMIN and CAP_SYS_ADMIN), iproute2 and iptables.
 */
export class NetnsProvisioner implements Provisioner {
  readonly kind = "netns" as const;
  readonly hostFilesystem = true;
  private prepared?: Prepared;
  readonly controls: HostControls;

  constructor(private readonly spec?: ClusterSpec) {
    this.controls = hostControls({
      kind: "netns",
      spec,
      context: () => this.prepared?.context,
      network: {
        partition: (grudge) => this.requireNetwork().partition(grudge),
        loss: (targets, probability) => this.requireNetwork().loss(targets, probability),
        bandwidth: (targets, rateKBps) => this.requireNetwork().bandwidth(targets, rateKBps),
      },
      signals: { kill: "signal", pause: "SIGSTOP/SIGCONT" },
      fullDisk: {
        hint: 'add disk: { size: "64m" } to the cluster (root: each data dir becomes a tmpfs of that size) — faultline never fills a real disk',
        option: "disk.size",
      },
    });
  }

  async prepare(context: ProvisionContext): Promise<NodeSlot[]> {
    if (this.prepared)
      throw new FaultlineError({ code: "FAULTLINE_NODE_STATE", message: "the netns provisioner was prepared twice", hint: "use one provisioner per cluster" });
    const tools = checkRequirements(context.cluster);
    const pool = context.subnet ?? this.spec?.network?.subnet ?? DEFAULT_SUBNET;
    const candidates = candidateSubnets(pool, context.nodes.length, context.cluster);
    const slot = reserveSlot(context.run.dir, NetnsNames.capacity);
    if (slot === undefined)
      throw failure(
        "FAULTLINE_INVALID_OPTION",
        `run ${context.run.id} already holds ${NetnsNames.capacity} netns clusters`,
        "dispose clusters you no longer need",
        context.cluster,
      );
    const undo = new UndoStack(context.run.registry);
    const prepared: Prepared = { context, tools, undo, slotFile: join(context.run.dir, `netns-${slot}`), members: [], slots: [] };
    this.prepared = prepared;
    try {
      await this.build(prepared, new NetnsNames(context.run.id, slot), pool, candidates);
      return prepared.slots;
    } catch (error) {
      await this.dispose().catch(() => undefined);
      throw error;
    }
  }

  private async build(prepared: Prepared, names: NetnsNames, pool: string, candidates: ReturnType<typeof candidateSubnets>): Promise<void> {
    const { context, tools, undo } = prepared;
    const [addrs, routes] = await Promise.all([
      runCommand([tools.ip, "-4", "-o", "addr", "show"]),
      runCommand([tools.ip, "-4", "route", "show", "table", "all"]),
    ]);
    const owner = { run: context.run.id, dir: context.run.dir, cluster: context.cluster, pid: process.pid };
    const reservation = await reserveSubnet(subnetsDir(context.run.dir), candidates, usedNetworks(addrs.stdout, routes.stdout), owner);
    if (!reservation) {
      throw failure(
        "FAULTLINE_INVALID_OPTION",
        `no free /24 left in ${pool}: every one is used by an interface, a route or another cluster`,
        "set network: { subnet } to a pool this machine does not use",
        context.cluster,
        "network.subnet",
      );
    }
    undo.push([which("rm") ?? "/bin/rm", "-f", reservation.file], `subnet reservation ${formatCidr(reservation.net)}`);
    const net = reservation.net;
    const gateway = bridgeAddress(net);
    prepared.members = context.nodes.map((node) => ({
      name: node.name,
      index: node.index,
      host: nodeAddress(net, node.index),
      namespace: names.namespace(node),
    }));
    const veths = prepared.members.map((member) => ({ namespace: member.namespace, veth: names.veth(member.index) }));

    undo.push([tools.ip, "link", "delete", names.bridge], `bridge ${names.bridge}`);
    for (const { namespace, veth } of veths) {
      undo.push([tools.ip, "netns", "delete", namespace], `namespace ${namespace}`);
      undo.push([tools.ip, "link", "delete", veth], `veth ${veth}`);
    }
    check(
      await runCommand([tools.ip, "-batch", "-"], { stdin: hostBatch(names.bridge, `${gateway}/${net.prefix}`, veths) }),
      "creating the bridge, namespaces and veths",
      context.cluster,
    );
    await Promise.all(
      prepared.members.map(async (member) => {
        const result = await runCommand([tools.ip, "-n", member.namespace, "-batch", "-"], { stdin: namespaceBatch(`${member.host}/${net.prefix}`, gateway) });
        check(result, `addressing namespace ${member.namespace}`, context.cluster, member.name);
      }),
    );
    // With br_netfilter loaded, bridged frames cross the host's FORWARD chain, whose policy
    // Docker sets to DROP. Host<->node traffic goes through INPUT/OUTPUT and needs no rule.
    const forward = forwardRuleSpec(names.bridge, `fl-${context.run.id} ${names.bridge}`);
    undo.push([tools.iptables, "-w", "-D", ...forward], `FORWARD rule for ${names.bridge}`);
    check(await runCommand([tools.iptables, "-w", "-I", ...forward]), `allowing ${names.bridge} in FORWARD`, context.cluster);

    prepared.slots = prepared.members.map((member) => {
      const dataDir = join(context.dir, member.name);
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      const ports = portNumbers(context.ports);
      return { name: member.name, index: member.index, host: member.host, ports, dataDir };
    });
    prepared.network = new NetnsNetwork({ cluster: context.cluster, tools, names, members: prepared.members, undo });
    context.timeline.record({
      type: "note",
      message: `netns: bridge ${names.bridge} ${gateway}/${net.prefix}, nodes ${prepared.members.map((m) => `${m.name}=${m.host}`).join(" ")}`,
    });
  }

  async launch(slot: NodeSlot, spec: LaunchSpec): Promise<NodeProcess> {
    const { context, tools, members } = this.requirePrepared();
    const member = members.find((m) => m.name === slot.name);
    if (!member) throw failure("FAULTLINE_UNKNOWN_NODE", `no node named "${slot.name}" was prepared`, "launch the slots prepare() returned", context.cluster);
    // `ip netns exec` execs the node, so the group leader spawnGroup registers is the node itself.
    return spawnGroup(spec, {
      cluster: context.cluster,
      node: slot.name,
      registry: context.run.registry,
      wrapper: [tools.ip, "netns", "exec", member.namespace],
    });
  }

  peerAddress(from: NodeSlot, to: NodeSlot, port: string): string {
    const { context, slots } = this.requirePrepared();
    return directPeerAddress(slots, from, to, port, context);
  }

  /** Resolves when background removal of healed faults' firewall chains is done. */
  async idle(): Promise<void> {
    await this.prepared?.network?.idle();
  }

  async dispose(): Promise<void> {
    const prepared = this.prepared;
    if (!prepared) return;
    let first: unknown;
    await prepared.network?.idle();
    try {
      await prepared.undo.unwind();
    } catch (error) {
      first = error;
    }
    try {
      unlinkSync(prepared.slotFile);
    } catch {
      // gone with the run directory
    }
    if (first) {
      throw new FaultlineError({
        code: "FAULTLINE_TEARDOWN",
        message: `removing the cluster's network failed: ${(first as Error).message}`,
        hint: "the reaper retries what is still registered when the run ends; check `ip netns list` and `ip -o link | grep fl-`",
        cluster: prepared.context.cluster,
        cause: first,
      });
    }
  }

  private requirePrepared(): Prepared {
    if (!this.prepared)
      throw new FaultlineError({
        code: "FAULTLINE_NODE_STATE",
        message: "the netns provisioner was used before prepare()",
        hint: "start the cluster with startCluster()",
      });
    return this.prepared;
  }

  private requireNetwork(): NetnsNetwork {
    const network = this.requirePrepared().network;
    if (!network)
      throw new FaultlineError({
        code: "FAULTLINE_NODE_STATE",
        message: "a network fault reached the netns provisioner before its network was made",
        hint: "inject faults into a started cluster",
      });
    return network;
  }
}

function failure(code: "FAULTLINE_INVALID_OPTION" | "FAULTLINE_UNKNOWN_NODE", message: string, hint: string, cluster: string, option?: string): FaultlineError {
  return new FaultlineError({ code, message, hint, cluster, option });
}

/** Turns a failed setup command into an error that says what could not be done and why. */
function check(result: CommandResult, what: string, cluster: string, node?: string): void {
  if (result.code === 0) return;
  const denied = /not permitted|permission denied/i.test(result.stderr);
  const missing = /unknown device type|not supported|no such file or directory.*module/i.test(result.stderr);
  throw new FaultlineError({
    code: denied ? "FAULTLINE_PERMISSION" : missing ? "FAULTLINE_REQUIREMENT_MISSING" : "FAULTLINE_NODE_STATE",
    message: `provisioner "netns": ${what} failed (exit ${result.code}): ${result.stderr || "no output"}`,
    hint: denied
      ? "run as root or with CAP_NET_ADMIN and CAP_SYS_ADMIN"
      : missing
        ? 'the kernel lacks bridge/veth/netfilter support; use provisioner: "process"'
        : "see the command's output above; everything created so far was removed",
    cluster,
    node,
  });
}
