import { mkdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { FaultlineError } from "../common/errors";
import { logger } from "../common/log";
import type { ClusterSpec, DockerNodeOptions } from "../cluster/types";
import type { LaunchSpec, NodeProcess, NodeSlot, ProvisionContext, Provisioner } from "../cluster/provisioner";
import type { HostControls } from "../cluster/controls";
import { hostControls } from "./host/host-controls";
import { which } from "../common/which";
import { portNumbers } from "./port-numbers";
import { createClusterNetwork, type ClusterNetwork } from "./docker/cluster-network";
import { startContainer } from "./docker/container-process";
import { DATA_DIR_TOKEN, containerSpec, dockerName } from "./docker/container-spec";
import { connectEngine, dockerError, requireImage, type DockerEngine } from "./docker/docker-engine";
import { DockerNetworkControl, type FaultAccess, type LiveContainer } from "./docker/docker-network-control";
import { parseCidr } from "./docker/ipv4";
import { DEFAULT_SUBNET_POOL, SubnetReservations } from "./docker/subnet-reservation";

const log = logger("docker");

/** Named ports are constants (port i of the spec is 10000 + i, as on netns): every container has its own IP. */

interface NodeContainer {
  id: string;
  pid?: number;
  running: boolean;
  process: NodeProcess;
}

/**
 * Nodes as containers on a bridge network of their own, each with a fixed IP and fixed ports,
 * on the engine DOCKER_HOST names (unix, tcp or ssh) or the local one. Images are never pulled:
 * build them from host binaries with `faultline image from-host`. Every container and network
 * is labelled `faultline.run=<id>` and registered with the reaper, by name, before it is created.
 *
 * Faults: with root on the engine's machine, iptables and tc inside each container's network
 * namespace (see DockerNetworkControl); without it, loss and bandwidth refuse and a partition can
 * only isolate one node (overlapping isolations counted, each healing on its own). A `docker.tmpfs` entry `{ "{dataDir}": "size=16m" }` puts the data dir
 * on a size-limited tmpfs, for "disk full".
 */
export class DockerProvisioner implements Provisioner {
  readonly kind = "docker" as const;
  readonly hostFilesystem = false;
  private context?: ProvisionContext;
  private engine?: DockerEngine;
  private net?: ClusterNetwork;
  private control?: DockerNetworkControl;
  private readonly containers = new Map<string, NodeContainer>();
  private disposed?: Promise<void>;

  readonly controls: HostControls;

  constructor(private readonly spec: ClusterSpec) {
    // Without the containers' namespaces, loss and bandwidth refuse rather than act on client links alone (see DockerNetworkControl).
    this.controls = hostControls({
      kind: "docker",
      spec,
      context: () => this.context,
      network: {
        partition: (grudge) => this.requireControl().partition(grudge),
        loss: (targets, probability) => this.requireControl().loss(targets, probability),
        bandwidth: (targets, rate) => this.requireControl().bandwidth(targets, rate),
      },
      signals: { kill: "docker kill", pause: "docker pause" },
      containerTmpfs: (node) => Object.keys(this.nodeDocker(node.name)?.tmpfs ?? {}).some((target) => target === DATA_DIR_TOKEN || target === node.dataDir),
      fullDisk: {
        hint: 'add docker: { tmpfs: { "{dataDir}": "size=64m" } } to the cluster (each container\'s data dir becomes a tmpfs of that size), or disk: { size: "64m" } (root: a host tmpfs) — faultline never fills a real disk',
        option: "docker.tmpfs",
      },
    });
  }

  private requireControl(): DockerNetworkControl {
    if (!this.control) {
      throw new FaultlineError({
        code: "FAULTLINE_NODE_STATE",
        message: "the docker provisioner was asked for a network fault before its cluster was provisioned",
        hint: "inject faults into a started cluster",
      });
    }
    return this.control;
  }

  async prepare(context: ProvisionContext): Promise<NodeSlot[]> {
    this.context = context;
    const images = new Set(context.nodes.map((node) => this.dockerOptions(node.name).image));
    const pool = parseCidr(context.subnet ?? this.spec.network?.subnet ?? DEFAULT_SUBNET_POOL);
    const engine = await connectEngine({ cluster: context.cluster });
    this.engine = engine;
    for (const image of images) await requireImage(engine, image, { cluster: context.cluster });
    const run = context.run;
    const instance = dockerName(basename(context.dir)); // unique per worker and cluster start
    this.net = await createClusterNetwork({
      engine,
      reservations: new SubnetReservations(join(dirname(run.dir), "docker-subnets")),
      pool,
      name: `fl-${run.id}-${instance}`,
      runId: run.id,
      labels: this.labels(),
      nodes: context.nodes.length,
      registry: run.registry,
      cluster: context.cluster,
    });
    const net = this.net;
    log(`[${context.cluster}] network ${net.name} ${net.cidr} on ${engine.label}`);
    if (!net.local && process.env.FAULTLINE_DOCKER_ROUTABLE !== "1") {
      const error = new FaultlineError({
        code: "FAULTLINE_DOCKER",
        message: `the engine at ${engine.label} runs on another machine: its container IPs (${net.cidr}, gateway ${net.gateway}) are not routable from this process, so probes and clients could not reach the nodes`,
        hint: "run the tests on the Docker host (or with DOCKER_HOST naming an engine on this machine); if you routed the engine's subnets here yourself, set FAULTLINE_DOCKER_ROUTABLE=1",
        cluster: context.cluster,
      });
      await this.dispose().catch(() => undefined);
      throw error;
    }
    this.control = new DockerNetworkControl({
      cluster: context.cluster,
      runId: run.id,
      docker: engine.docker,
      networkId: net.id,
      members: context.nodes.map((node, i) => ({ name: node.name, ip: net.ips[i]! })),
      access: faultAccess(net.local, engine),
      container: (node) => this.live(node),
    });
    context.timeline.record({ type: "note", message: `docker network ${net.name} ${net.cidr} on ${engine.label}` });
    return context.nodes.map((node, i) => {
      const dataDir = join(context.dir, node.name);
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      const ports = portNumbers(context.ports);
      return { name: node.name, index: node.index, host: net.ips[i]!, ports, dataDir };
    });
  }

  /** Direct: partitions act on packets, not proxies. Slots may come without ports (the cluster passes bare ones). */
  peerAddress(from: NodeSlot, to: NodeSlot, port: string): string {
    const declared = this.context?.ports ?? [];
    const number = portNumbers(declared)[port];
    if (number === undefined) {
      throw new FaultlineError({
        code: "FAULTLINE_INVALID_OPTION",
        message: `no port named "${port}"; the cluster declares ports ${JSON.stringify(declared)}`,
        hint: "name the port in the cluster's `ports` list",
        cluster: this.context?.cluster,
        node: from.name,
        option: "ports",
      });
    }
    return `${to.host}:${number}`;
  }

  async launch(slot: NodeSlot, spec: LaunchSpec): Promise<NodeProcess> {
    const { context, engine, net } = this.requirePrepared();
    const where = { cluster: context.cluster, node: slot.name };
    await this.removeContainer(slot.name); // a restart: the name must be free again
    const name = `${net.name}-${dockerName(slot.name)}`;
    const uid = process.getuid?.();
    const docker = this.dockerOptions(slot.name);
    const image = docker.image;
    // Registered by name before the engine is asked: a process killed while the create is under
    // way leaves an entry that removes the container if it came to exist, and finds nothing if not.
    // (Names are unique to the run and never hex, so the engine cannot take one for an id prefix.)
    const unregister = context.run.registry.add({
      kind: "docker-container",
      id: name,
      label: `${context.cluster}/${slot.name} (container ${name})`,
      dockerHost: engine.host,
    });
    let id: string;
    try {
      const created = await engine.docker.createContainer(
        containerSpec({
          name,
          slot,
          launch: spec,
          docker,
          network: net.name,
          labels: { ...this.labels(), "faultline.node": slot.name },
          // Files the node writes in its data dir stay removable by the (non-root) test user.
          user: net.local && uid !== undefined && uid !== 0 ? `${uid}:${process.getgid?.() ?? uid}` : undefined,
        }),
      );
      id = created.id;
    } catch (error) {
      // A create that failed on the way back (a timeout, a dropped connection) may still have made it.
      await engine.docker
        .getContainer(name)
        .remove({ force: true, v: true })
        .then(unregister, (removal: { statusCode?: number }) => (removal.statusCode === 404 ? unregister() : undefined));
      throw dockerError(error, `could not create container ${name} from ${image}`, where);
    }
    const container = engine.docker.getContainer(id);
    let launched: NodeProcess;
    try {
      launched = await startContainer(engine.docker, { container, unregister, localPid: net.local, image, where }, spec);
    } catch (error) {
      await container.remove({ force: true }).then(unregister, () => undefined);
      throw error;
    }
    const entry: NodeContainer = { id, pid: launched.pid, running: true, process: launched };
    this.containers.set(slot.name, entry);
    void launched.exited.then(() => (entry.running = false));
    // Faults still active for this node hold for its new container too.
    await this.control!.attached(slot.name);
    return launched;
  }

  dispose(): Promise<void> {
    this.disposed ??= this.teardown();
    return this.disposed;
  }

  /** Containers first (they hold the network), then the network and its subnet; keeps going, rethrows the first error. */
  private async teardown(): Promise<void> {
    const errors: unknown[] = [];
    await this.control?.idle(); // background removals of healed chains: let none outlive the cluster
    const results = await Promise.allSettled([...this.containers.keys()].map((node) => this.removeContainer(node)));
    for (const result of results) if (result.status === "rejected") errors.push(result.reason);
    const net = this.net;
    if (net && this.engine) {
      try {
        await this.engine.docker.getNetwork(net.id).remove();
        net.unregister();
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) net.unregister();
        else errors.push(dockerError(error, `could not remove network ${net.name}`, { cluster: this.context?.cluster }));
      }
      net.reservation.release();
    }
    if (errors.length) throw errors[0];
  }

  private async removeContainer(node: string): Promise<void> {
    const entry = this.containers.get(node);
    if (!entry) return;
    this.containers.delete(node);
    entry.running = false;
    await entry.process.release();
  }

  private live(node: string): LiveContainer | undefined {
    const entry = this.containers.get(node);
    return entry?.running ? { id: entry.id, pid: entry.pid } : undefined;
  }

  private labels(): Record<string, string> {
    const context = this.context!;
    return { "faultline.run": context.run.id, "faultline.cluster": context.cluster };
  }

  /** A node's own docker options where the nodes differ, else the cluster's. */
  private nodeDocker(node: string): DockerNodeOptions | undefined {
    return this.context?.nodes.find((n) => n.name === node)?.docker ?? this.spec.docker;
  }

  private dockerOptions(node: string): DockerNodeOptions {
    const options = this.nodeDocker(node);
    if (!options || typeof options.image !== "string" || !options.image) {
      throw new FaultlineError({
        code: "FAULTLINE_INVALID_OPTION",
        message: `provisioner "docker" needs docker.image (for node ${node}), received ${JSON.stringify(options)}`,
        hint: 'e.g. docker: { image: "faultline/etcd:local" } (build it with: faultline image from-host --binary /usr/bin/etcd --tag faultline/etcd:local)',
        cluster: this.context?.cluster,
        option: "docker.image",
      });
    }
    return options;
  }

  private requirePrepared(): { context: ProvisionContext; engine: DockerEngine; net: ClusterNetwork } {
    if (!this.context || !this.engine || !this.net || this.disposed)
      throw new FaultlineError({
        code: "FAULTLINE_NODE_STATE",
        message: "the docker provisioner was used before prepare() or after dispose()",
        hint: "start the cluster with startCluster() and use it before it stops",
      });
    return { context: this.context, engine: this.engine, net: this.net };
  }
}

/** Whether faults can enter container namespaces from here, and if not, why. */
function faultAccess(local: boolean, engine: DockerEngine): FaultAccess {
  if (process.env.FAULTLINE_DOCKER_FAULTS === "engine")
    return { mode: "engine", reason: "forced", detail: "FAULTLINE_DOCKER_FAULTS=engine limits faults to the engine's API" };
  if (!local)
    return {
      mode: "engine",
      reason: "remote-engine",
      detail: `the engine at ${engine.label} runs on another machine, whose namespaces this process cannot enter`,
    };
  const uid = process.getuid?.();
  if (uid !== 0) return { mode: "engine", reason: "not-root", detail: `this process is not root (uid ${uid})` };
  const nsenter = which("nsenter");
  const iptablesRestore = which("iptables-restore", `${process.env.PATH ?? ""}:/usr/sbin:/sbin`);
  if (!nsenter || !iptablesRestore) {
    return { mode: "engine", reason: "missing-tools", detail: `${!nsenter ? "nsenter (util-linux)" : "iptables-restore (iptables)"} is not installed` };
  }
  return { mode: "nsenter", nsenter, iptablesRestore, tc: which("tc", `${process.env.PATH ?? ""}:/usr/sbin:/sbin`) };
}
