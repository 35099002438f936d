import { FaultlineError } from "../../common/errors";
import type { Registry } from "../../reaper/registry";
import { which } from "../../common/which";
import { dockerError, type DockerEngine } from "./docker-engine";
import { formatCidr, type Ipv4Net } from "./ipv4";
import { clusterAddresses, localAddresses, type SubnetReservation, type SubnetReservations } from "./subnet-reservation";

export interface ClusterNetwork {
  id: string;
  name: string;
  cidr: string;
  gateway: string;
  /** Node IPs, in node order. */
  ips: string[];
  /** The gateway is an address of this machine: container IPs are routable from here. */
  local: boolean;
  reservation: SubnetReservation;
  unregister: () => void;
}

export interface CreateNetworkInput {
  engine: DockerEngine;
  reservations: SubnetReservations;
  pool: Ipv4Net;
  name: string;
  runId: string;
  labels: Record<string, string>;
  nodes: number;
  registry: Registry;
  cluster: string;
}

const MAX_ATTEMPTS = 32;

/**
 * Creates the cluster's bridge network on a subnet reserved on this machine. Subnets the engine
 * refuses as overlapping (networks of other tools, or of another engine on this host) are
 * skipped. The network is internal: containers reach each other and the host, nothing beyond.
 */
export async function createClusterNetwork(input: CreateNetworkInput): Promise<ClusterNetwork> {
  // Registered by name before the first create, kept across retries (they reuse the name): a
  // process killed while a create is under way leaves an entry that removes the network if the
  // engine made it. The name is unique to the run, and never hex, so never taken for an id prefix.
  const unregister = input.registry.add({ kind: "docker-network", id: input.name, label: `network ${input.name}`, dockerHost: input.engine.host });
  try {
    return await createOnFreeSubnet(input, unregister);
  } catch (error) {
    // A create that failed on the way back may still have made it.
    await input.engine.docker
      .getNetwork(input.name)
      .remove()
      .then(unregister, (removal: { statusCode?: number }) => (removal.statusCode === 404 ? unregister() : undefined));
    throw error;
  }
}

async function createOnFreeSubnet(input: CreateNetworkInput, unregister: () => void): Promise<ClusterNetwork> {
  const refused = new Set<string>();
  let lastError: unknown;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const reservation = registered(input.registry, await input.reservations.reserve(input.pool, `${input.cluster} (run ${input.runId})`, refused));
    const { gateway, nodes: ips } = clusterAddresses(reservation.subnet, input.nodes);
    let id: string;
    try {
      const network = await input.engine.docker.createNetwork({
        Name: input.name,
        Driver: "bridge",
        CheckDuplicate: true,
        Internal: true,
        Labels: input.labels,
        IPAM: { Driver: "default", Config: [{ Subnet: reservation.cidr, Gateway: gateway }] },
        Options: {
          "com.docker.network.bridge.name": bridgeName(input.runId, reservation.subnet),
          "com.docker.network.bridge.enable_ip_masquerade": "false",
        },
      });
      id = network.id;
    } catch (error) {
      reservation.release();
      lastError = error;
      const message = (error as { json?: { message?: string } }).json?.message ?? (error as Error).message ?? "";
      if (/overlap|address already in use|conflicts with/i.test(message)) {
        refused.add(reservation.cidr);
        continue;
      }
      throw dockerError(error, `could not create network ${input.name} on ${reservation.cidr}`, { cluster: input.cluster });
    }
    // The engine put the gateway on a bridge of its own machine. If that is this machine, the
    // containers are routable from here; the subnet was free locally before, so it is no accident.
    const local = localAddresses().includes(gateway);
    return { id, name: input.name, cidr: reservation.cidr, gateway, ips, local, reservation, unregister };
  }
  throw new FaultlineError({
    code: "FAULTLINE_DOCKER",
    message: `every subnet tried for network ${input.name} overlapped an existing one (${[...refused].slice(0, 5).join(", ")}…): ${(lastError as Error)?.message}`,
    hint: `set the cluster's network.subnet to a pool nothing else uses (default ${formatCidr(input.pool)})`,
    cluster: input.cluster,
  });
}

/** Registers the reservation file with the reaper, so a process killed while holding it frees it too. */
function registered(registry: Registry, reservation: SubnetReservation): SubnetReservation {
  const unregister = registry.add({
    kind: "command",
    argv: [which("rm") ?? "/bin/rm", "-f", reservation.file],
    label: `subnet reservation ${reservation.cidr}`,
  });
  return {
    ...reservation,
    release: () => {
      reservation.release();
      unregister();
    },
  };
}

/** `fl-<run>-<hex>`: a kernel name (at most 15 characters) that is unique per reserved subnet. */
function bridgeName(runId: string, subnet: Ipv4Net): string {
  return `fl-${runId}-${((subnet.base >>> 8) & 0xfffff).toString(16).padStart(5, "0")}`.slice(0, 15);
}
