import type { Capability } from "../cluster/controls";
import type { ProvisionerKind } from "../cluster/types";

/** How a backend does one kind of fault, or why it does not. */
export type CapabilityEntry =
  | { mechanism: string; needs?: string }
  | { missing: string; hint: string; /** What faults do instead, where they fall back to something weaker but honest. */ fallback?: string };

export type CapabilityTable = Record<Capability, CapabilityEntry>;

/** The capabilities in the order people read them. */
export const CAPABILITY_LABELS: Record<Capability, string> = {
  kill: "kill / terminate / interrupt / restart",
  pause: "pause",
  partition: "partition between nodes",
  loss: "packet loss",
  bandwidth: "bandwidth",
  "peer-toxics": "toxics on links between nodes",
  clock: "clock skew",
  disk: "disk readonly / full",
  limits: "resource limits",
};

const HOST_DISK = "read-only bind mount (chmod a-w without root); full: ballast on the cluster's `disk: { size }` tmpfs (root)";
const HOST_LIMITS: CapabilityEntry = { mechanism: "prlimit on the node's process (soft limit)", needs: "prlimit (util-linux)" };

/**
 * What each provisioner can do, as data: `faultline doctor`, README's table and the unsupported
 * errors of faults read it; a unit test checks that each provisioner offers a control exactly for
 * the capabilities listed here with a mechanism.
 */
export const CAPABILITIES: Record<ProvisionerKind, CapabilityTable> = {
  process: {
    kill: { mechanism: "signals to the node's process group" },
    pause: { mechanism: "SIGSTOP / SIGCONT to the process group" },
    partition: { mechanism: "per-link fault proxies", needs: "peers dialled at `cluster.peerAddress()` (otherwise FAULTLINE_FAULT_UNSUPPORTED)" },
    loss: {
      missing: 'nodes of provisioner "process" share this machine\'s loopback, where packets cannot be dropped per node',
      hint: 'use provisioner "netns" or "docker" for packet loss between nodes',
      fallback: "connection-level loss at the fault proxies",
    },
    bandwidth: {
      missing: 'nodes of provisioner "process" share this machine\'s loopback, which has no per-node queue to shape',
      hint: 'use provisioner "netns" or "docker" to limit traffic between nodes',
      fallback: "the proxies' bandwidth toxic",
    },
    "peer-toxics": { mechanism: "per-link fault proxies", needs: "`cluster.peerAddress()`" },
    clock: { mechanism: "libfaketime preloaded", needs: "`clock: true` in the spec, Debian's libfaketime" },
    disk: { mechanism: HOST_DISK },
    limits: HOST_LIMITS,
  },
  netns: {
    kill: { mechanism: "signals to the node's process group" },
    pause: { mechanism: "SIGSTOP / SIGCONT to the process group" },
    partition: { mechanism: "iptables chains of the run in each node's namespace", needs: "root or CAP_NET_ADMIN, iptables" },
    loss: { mechanism: "iptables `statistic` in each node's namespace (never its own loopback traffic)", needs: "root or CAP_NET_ADMIN, iptables" },
    bandwidth: { mechanism: "`tbf` qdisc in each node's namespace", needs: "root or CAP_NET_ADMIN, tc" },
    "peer-toxics": {
      missing: 'nodes of provisioner "netns" dial each other directly, with no proxy on the link (and this kernel has no netem for delays between namespaces)',
      hint: 'use links: "clients" for the test\'s links, or provisioner "process" with cluster.peerAddress() for toxics between nodes',
    },
    clock: { mechanism: "libfaketime preloaded", needs: "`clock: true` in the spec, Debian's libfaketime" },
    disk: { mechanism: `${HOST_DISK}; mounts made in the node's mount namespace` },
    limits: HOST_LIMITS,
  },
  docker: {
    kill: { mechanism: "Docker API (kill, start)" },
    pause: { mechanism: "Docker API (pause, unpause)" },
    partition: {
      mechanism: "iptables chains of the run in each container's namespace",
      needs: "root on the Docker host; without it, only isolating one node, by disconnecting its container",
    },
    loss: { mechanism: "iptables `statistic` in each container's namespace", needs: "root on the Docker host (FAULTLINE_PERMISSION otherwise)" },
    bandwidth: { mechanism: "`tbf` qdisc in each container's namespace", needs: "root on the Docker host" },
    "peer-toxics": {
      missing: 'containers of provisioner "docker" dial each other directly, with no proxy on the link',
      hint: 'use links: "clients" for the test\'s links, or provisioner "process" with cluster.peerAddress() for toxics between nodes',
    },
    clock: {
      missing: 'provisioner "docker" cannot preload libfaketime inside an image it did not build',
      hint: 'use provisioner "process" or "netns" for clock faults',
    },
    disk: { mechanism: `${HOST_DISK}; full also on a \`docker.tmpfs\` data dir (root), which a restart empties`, needs: "a local engine (host pids)" },
    limits: { mechanism: "prlimit on the container's host process (soft limit)", needs: "a local engine (host pids), prlimit" },
  },
  ssh: {
    kill: { mechanism: "signals to the node's process group, sent over ssh" },
    pause: { mechanism: "SIGSTOP / SIGCONT over ssh" },
    partition: { mechanism: "iptables chains of the run in each host's INPUT, over ssh", needs: "root and iptables on the hosts, one node per host" },
    loss: { mechanism: "iptables `statistic` in each host's INPUT, over ssh", needs: "root and iptables on the hosts, one node per host" },
    bandwidth: {
      mechanism: "`tbf` qdisc on the host's interface towards its peers, over ssh (everything the host sends, its SSH sessions too)",
      needs: "root and iproute2 on the hosts, one node per host",
    },
    "peer-toxics": {
      missing: 'nodes of provisioner "ssh" dial each other directly, with no proxy on the link',
      hint: 'use links: "clients" for the test\'s links',
    },
    clock: {
      mechanism: "the host's libfaketime preloaded, its control file in the run's folder there",
      needs: "`clock: true` in the spec, libfaketime on the hosts",
    },
    disk: {
      mechanism: "read-only bind mount on the host, over ssh; full: ballast on the cluster's `disk: { size }` tmpfs, mounted on each host",
      needs: "root on the hosts",
    },
    limits: { mechanism: "prlimit on the node's process, over ssh (soft limit)", needs: "prlimit (util-linux) on the host" },
  },
};

export function isSupported(entry: CapabilityEntry): entry is { mechanism: string; needs?: string } {
  return "mechanism" in entry;
}

/** The reason and hint a backend gives for a capability it lacks (or a generic one if the table lists it as supported). */
export function unsupportedFrom(kind: ProvisionerKind, capability: Capability): { message: string; hint: string } {
  const entry = CAPABILITIES[kind][capability];
  if (isSupported(entry)) return { message: `provisioner "${kind}" cannot do this for this cluster`, hint: `it needs ${entry.needs ?? "nothing more"}` };
  return { message: entry.missing, hint: entry.hint };
}

/** What each provisioner needs and where its nodes live: the rows above the capabilities. */
export const PROVISIONER_FACTS: Record<ProvisionerKind, { needs: string; address: string }> = {
  process: { needs: "nothing", address: "127.0.0.1, own ports" },
  netns: { needs: "Linux, root or CAP_NET_ADMIN, iproute2, iptables", address: "own IP on a bridge of the run" },
  docker: { needs: "a Docker engine (local socket or `DOCKER_HOST`)", address: "own IP on a network of the run" },
  ssh: { needs: "hosts with sshd, a key they accept, flock/ps/awk there", address: "its host's address (own ports per node on a shared host)" },
};

/** One cell of the table: the mechanism and what it needs, or why not and what to do. */
export function describeEntry(entry: CapabilityEntry): string {
  if (isSupported(entry)) return `${entry.mechanism}${entry.needs ? ` — needs ${entry.needs}` : ""}`;
  return entry.fallback ? `— (falls back to ${entry.fallback})` : `— (${entry.hint})`;
}

/** The markdown table of README's "Provisioners" section, which a unit test keeps in step with this file. */
export function capabilityMarkdown(): string {
  const kinds = Object.keys(CAPABILITIES) as ProvisionerKind[];
  const row = (label: string, cells: string[]): string => `| ${label} | ${cells.join(" | ")} |`;
  return [
    row("", kinds),
    `|---|${kinds.map(() => "---").join("|")}|`,
    row(
      "needs",
      kinds.map((k) => PROVISIONER_FACTS[k].needs),
    ),
    row(
      "node address",
      kinds.map((k) => PROVISIONER_FACTS[k].address),
    ),
    row(
      "client → node toxics",
      kinds.map(() => "fault proxy"),
    ),
    ...(Object.keys(CAPABILITY_LABELS) as Capability[]).map((cap) =>
      row(
        CAPABILITY_LABELS[cap],
        kinds.map((k) => describeEntry(CAPABILITIES[k][cap])),
      ),
    ),
    row(
      "disk corrupt",
      kinds.map((k) => (k === "ssh" ? "— (the data dir is on the host)" : "file rewrite while the node is stopped")),
    ),
  ].join("\n");
}
