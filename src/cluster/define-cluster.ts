import { FaultlineError, describeValue } from "../common/errors";
import { toMs } from "../common/duration";
import type { ClusterDefinition, ClusterSpec, NodeSpec } from "./types";
import { resolveSshOptions, type SshOptions } from "./ssh-options";
import { NODE_SPEC_KEYS, groupMembers, isNodeSpecMap, isNumberedPort, isPortName, resolveNodes } from "./node-specs";

const PROVISIONERS = ["process", "netns", "docker", "ssh"] as const;
const KNOWN_KEYS = new Set<keyof ClusterSpec>([
  "nodes",
  "provisioner",
  "ports",
  "command",
  "env",
  "cwd",
  "ready",
  "readyTimeout",
  "healthy",
  "leader",
  "stop",
  "network",
  "docker",
  "clock",
  "disk",
  "ssh",
  "reuse",
]);
const NAME = /^[a-z0-9][a-z0-9_-]{0,15}$/i;

function invalid(option: string, expected: string, value: unknown, hint: string, cluster?: string): FaultlineError {
  return new FaultlineError({
    code: "FAULTLINE_INVALID_OPTION",
    message: `${option} must be ${expected}, received ${describeValue(value)}`,
    hint,
    option,
    cluster,
  });
}

/**
 * Declares a cluster: how many nodes, how each starts, and how to tell it is ready and healthy.
 * Validates eagerly so a mistake is reported at the line that made it.
 */
export function defineCluster(spec: ClusterSpec): ClusterDefinition {
  validateSpec(spec);
  return Object.freeze({ ...spec, __faultlineCluster: true as const });
}

function validateReuse(reuse: unknown, cluster?: string): void {
  if (reuse === undefined || typeof reuse === "boolean") return;
  const hint = 'e.g. reuse: true, or reuse: { idleTimeout: "30m", reset: async (cluster) => { /* empty the store */ } }';
  if (typeof reuse !== "object" || reuse === null || Array.isArray(reuse))
    throw invalid("reuse", "true, false or { idleTimeout, reset }", reuse, hint, cluster);
  for (const [key, value] of Object.entries(reuse)) {
    if (key === "idleTimeout") toMs(value, { option: "reuse.idleTimeout", cluster, positive: true });
    else if (key === "reset") {
      if (typeof value !== "function") throw invalid("reuse.reset", "an async function of the cluster", value, hint, cluster);
    } else throw invalid(`reuse.${key}`, "one of idleTimeout, reset", key, hint, cluster);
  }
}

/** Throws FAULTLINE_INVALID_OPTION (or _INVALID_DURATION) naming the first wrong option. */
export function validateSpec(spec: unknown, cluster?: string): asserts spec is ClusterSpec {
  if (typeof spec !== "object" || spec === null) {
    throw invalid("cluster spec", "an object passed to defineCluster({...})", spec, "export default defineCluster({ nodes: 3, command: ... })", cluster);
  }
  const s = spec as Record<string, unknown>;
  for (const key of Object.keys(s)) {
    if (key !== "__faultlineCluster" && !KNOWN_KEYS.has(key as keyof ClusterSpec)) throw unknownKey(key, s[key], cluster);
  }
  validateReuse(s.reuse, cluster);
  const nodes = s.nodes;
  if (typeof nodes === "number") {
    if (!Number.isInteger(nodes) || nodes < 1 || nodes > 64)
      throw invalid("nodes", "a whole number from 1 to 64, or a list of names", nodes, "e.g. nodes: 3", cluster);
  } else if (Array.isArray(nodes)) {
    if (nodes.length === 0 || nodes.some((n) => typeof n !== "string" || !NAME.test(n))) {
      throw invalid("nodes", "a non-empty list of names (letters, digits, - and _, at most 16 characters)", nodes, 'e.g. nodes: ["a", "b", "c"]', cluster);
    }
    if (new Set(nodes).size !== nodes.length) throw invalid("nodes", "a list of distinct names", nodes, "give each node its own name", cluster);
  } else if (isNodeSpecMap(nodes as ClusterSpec["nodes"])) {
    validateNodeSpecs(s, nodes as Record<string, unknown>, cluster);
    return;
  } else {
    throw invalid("nodes", "a number, a list of names, or a spec per node ({ db: { command }, … })", nodes, "e.g. nodes: 3", cluster);
  }
  if (s.provisioner !== undefined && !PROVISIONERS.includes(s.provisioner as never)) {
    throw invalid(
      "provisioner",
      `one of ${PROVISIONERS.map((p) => `"${p}"`).join(", ")}`,
      s.provisioner,
      'use "process" to run nodes as local processes',
      cluster,
    );
  }
  if (s.ports !== undefined) {
    if (!Array.isArray(s.ports) || !s.ports.every(isPortName)) {
      throw invalid(
        "ports",
        "a list of port names (or numbers as strings, for ports fixed by the system)",
        s.ports,
        'name the ports the node binds, e.g. ports: ["client", "peer"]',
        cluster,
      );
    }
    if (new Set(s.ports).size !== s.ports.length) throw invalid("ports", "a list of distinct names", s.ports, "name each port once", cluster);
    const fixed = (s.ports as string[]).find(isNumberedPort);
    if (fixed !== undefined && (s.provisioner ?? "process") === "process") {
      throw invalid(
        "ports",
        'names, not numbers, on provisioner "process"',
        s.ports,
        `a port named by its number ("${fixed}") binds that very number, which needs an address per node: use provisioner "netns" or "docker", or a name so each node gets a free port`,
        cluster,
      );
    }
  }
  if (typeof s.command !== "function") {
    throw invalid(
      "command",
      "a function ({ node, cluster }) => argv array",
      s.command,
      typeof s.command === "string"
        ? "split the command into an argv array: faultline never runs a shell"
        : 'e.g. command: ({ node }) => ["etcd", "--name", node.name]',
      cluster,
    );
  }
  if (s.env !== undefined && typeof s.env !== "function" && (typeof s.env !== "object" || s.env === null)) {
    throw invalid("env", "an object of strings or a function returning one", s.env, 'e.g. env: { GOMAXPROCS: "1" }', cluster);
  }
  if (s.cwd !== undefined && (typeof s.cwd !== "string" || s.cwd === ""))
    throw invalid("cwd", "a directory path", s.cwd, "omit it to run in the node's data dir", cluster);
  for (const key of ["ready", "healthy", "leader"] as const) {
    if (s[key] !== undefined && typeof s[key] !== "function") {
      throw invalid(
        key,
        "a function",
        s[key],
        key === "ready" ? "use probes.tcp(port), probes.http({ port, path }), probes.log(/re/) or an async function" : "an async function of the cluster",
        cluster,
      );
    }
  }
  // Zero would end readiness before the probe ran once.
  if (s.readyTimeout !== undefined) toMs(s.readyTimeout, { option: "readyTimeout", cluster, positive: true });
  if (s.stop !== undefined) {
    if (typeof s.stop !== "object" || s.stop === null)
      throw invalid("stop", "{ signal?, timeout? }", s.stop, 'e.g. stop: { signal: "SIGINT", timeout: "5s" }', cluster);
    const stop = s.stop as Record<string, unknown>;
    for (const key of Object.keys(stop)) {
      if (key !== "signal" && key !== "timeout")
        throw invalid(`stop.${key}`, "left out: stop takes signal and timeout", key, "check the option's spelling", cluster);
    }
    if (stop.timeout !== undefined) toMs(stop.timeout, { option: "stop.timeout", cluster });
    if (stop.signal !== undefined && (typeof stop.signal !== "string" || !/^SIG[A-Z0-9]+$/.test(stop.signal))) {
      throw invalid("stop.signal", 'a signal name such as "SIGTERM"', stop.signal, "use the name with its SIG prefix", cluster);
    }
  }
  if (s.disk !== undefined) {
    const size = (s.disk as { size?: unknown } | null)?.size;
    if (typeof size !== "string" || !/^\d+[kmg]$/i.test(size)) throw invalid("disk.size", 'a size such as "64m"', size, 'e.g. disk: { size: "64m" }', cluster);
  }
  if (s.network !== undefined) validateNetwork(s.network, s.provisioner, nodeNames(s as unknown as ClusterSpec).length, cluster);
  if (s.clock !== undefined && typeof s.clock !== "boolean") throw invalid("clock", "true or false", s.clock, "clock: true preloads libfaketime", cluster);
  if (s.ssh !== undefined && s.provisioner !== "ssh")
    throw invalid(
      "ssh",
      `left out on provisioner "${String(s.provisioner ?? "process")}"`,
      "[ssh options]",
      'add provisioner: "ssh" to run the nodes on the listed hosts',
      cluster,
    );
  // A hosts file is read when the cluster starts (it may be written by then); a list is checked here.
  const ssh = s.ssh as SshOptions | undefined;
  if (s.provisioner === "ssh" && Array.isArray(ssh?.hosts)) resolveSshOptions(ssh, cluster);
  if (s.provisioner === "docker") validateDocker(s.docker, cluster);
  else if (s.docker !== undefined) {
    // Silently ignored otherwise: the nodes would run on the host, not in the image.
    throw invalid(
      "docker",
      `left out on provisioner "${String(s.provisioner ?? "process")}"`,
      s.docker,
      'add provisioner: "docker" to run the nodes in containers',
      cluster,
    );
  }
}

/** Where options that users put at the top level belong. */
const NESTED: Record<string, string> = {
  image: "docker: { image }",
  entrypoint: "docker: { image, entrypoint }",
  volumes: "docker: { image, volumes }",
  tmpfs: "docker: { image, tmpfs }",
  subnet: "network: { subnet }",
  signal: "stop: { signal }",
  timeout: "stop: { timeout } (or readyTimeout for readiness)",
  size: "disk: { size }",
};

function unknownKey(key: string, value: unknown, cluster: string | undefined): FaultlineError {
  const nested = NESTED[key];
  const near = [...KNOWN_KEYS].find((k) => k.toLowerCase() === key.toLowerCase() || k === `${key}s` || `${k}s` === key || editDistance(k, key) <= 2);
  return new FaultlineError({
    code: "FAULTLINE_INVALID_OPTION",
    message: `${key} is not an option of defineCluster(), received ${describeValue(value)}`,
    hint: nested
      ? `it belongs inside another option: ${nested}`
      : `check the option's spelling${near ? ` (did you mean ${near}?)` : ""}: the options are ${[...KNOWN_KEYS].join(", ")}`,
    option: key,
    cluster,
  });
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length]!;
}

/** Docker's reference grammar, loosely: no spaces, no leading dash (it would read as a flag). */
const IMAGE = /^[a-z0-9][a-z0-9._\-/:@]*$/i;
const DOCKER_KEYS = ["image", "entrypoint", "volumes", "tmpfs", "workdir", "init"];

function validateDocker(value: unknown, cluster: string | undefined): void {
  const example = 'set docker: { image: "faultline/etcd:local" } (build one with `faultline image from-host`)';
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid("docker.image", "an image name", undefined, example, cluster);
  const docker = value as Record<string, unknown>;
  for (const key of Object.keys(docker)) {
    if (!DOCKER_KEYS.includes(key))
      throw invalid(`docker.${key}`, `left out: docker takes ${DOCKER_KEYS.join(", ")}`, key, "check the option's spelling", cluster);
  }
  if (typeof docker.image !== "string" || !IMAGE.test(docker.image)) {
    throw invalid("docker.image", 'an image name such as "etcd:3.5" (no spaces, not starting with -)', docker.image, example, cluster);
  }
  const strings = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === "string");
  if (docker.entrypoint !== undefined && !strings(docker.entrypoint)) {
    throw invalid("docker.entrypoint", "an argv array", docker.entrypoint, 'e.g. entrypoint: ["/usr/local/bin/etcd"]; faultline never runs a shell', cluster);
  }
  if (docker.volumes !== undefined && !strings(docker.volumes)) {
    throw invalid("docker.volumes", 'a list of "host:container" strings', docker.volumes, 'e.g. volumes: ["/srv/certs:/certs:ro"]', cluster);
  }
  if (docker.workdir !== undefined && (typeof docker.workdir !== "string" || !docker.workdir.startsWith("/")))
    throw invalid("docker.workdir", "an absolute path inside the container", docker.workdir, 'e.g. workdir: "/app"', cluster);
  if (docker.init !== undefined && typeof docker.init !== "boolean")
    throw invalid("docker.init", "true or false", docker.init, "init: true runs Docker's init as PID 1 in front of the command", cluster);
  const tmpfs = docker.tmpfs;
  if (tmpfs !== undefined && (typeof tmpfs !== "object" || tmpfs === null || Array.isArray(tmpfs) || Object.values(tmpfs).some((v) => typeof v !== "string"))) {
    throw invalid("docker.tmpfs", "an object of mount path -> mount options", tmpfs, 'e.g. tmpfs: { "/data": "size=64m" }', cluster);
  }
}

/**
 * Where test networks may live: RFC 1918 private ranges and RFC 2544's benchmark range (the
 * default). Anything else would shadow real hosts with the run's bridge.
 */
const ALLOWED_RANGES: ReadonlyArray<[string, number, number]> = [
  ["10.0.0.0/8", 0x0a000000, 8],
  ["172.16.0.0/12", 0xac100000, 12],
  ["192.168.0.0/16", 0xc0a80000, 16],
  ["198.18.0.0/15", 0xc6120000, 15],
];

/** The widest pool accepted: 10.0.0.0/8 is 65536 /24s to try, where 0.0.0.0/0 was 16.7M (2.5 s, 1.3 GB). */
const WIDEST_PREFIX = 8;

function validateNetwork(network: unknown, provisioner: unknown, nodeCount: number, cluster: string | undefined): void {
  if (typeof network !== "object" || network === null || Array.isArray(network)) {
    throw invalid("network", "{ subnet }", network, 'e.g. network: { subnet: "198.18.0.0/15" }', cluster);
  }
  for (const key of Object.keys(network)) {
    if (key !== "subnet")
      throw invalid(`network.${key}`, "left out: network takes only subnet", (network as Record<string, unknown>)[key], "check the option's spelling", cluster);
  }
  const subnet = (network as { subnet?: unknown }).subnet;
  if (subnet === undefined) return;
  if (provisioner === undefined || provisioner === "process") {
    // Processes share the host's loopback: a subnet would be silently ignored.
    throw invalid(
      "network.subnet",
      'left out on provisioner "process", whose nodes all listen on 127.0.0.1',
      subnet,
      'remove network.subnet, or use provisioner: "netns" or "docker" to give each node its own address',
      cluster,
    );
  }
  const match = typeof subnet === "string" ? /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(subnet) : null;
  const octets = match ? match.slice(1, 5).map(Number) : [];
  const prefix = match ? Number(match[5]) : NaN;
  if (!match || octets.some((o) => o > 255) || !(prefix >= 0 && prefix <= 32)) {
    throw invalid(
      "network.subnet",
      'an IPv4 subnet in CIDR form such as "198.18.0.0/15"',
      subnet,
      "write the network address and the prefix length: a.b.c.d/n",
      cluster,
    );
  }
  const base = octets.reduce((a, o) => a * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  if (base % size !== 0) {
    const network = base - (base % size);
    const fixed = `${[network >>> 24, (network >>> 16) & 255, (network >>> 8) & 255, network & 255].join(".")}/${prefix}`;
    throw invalid("network.subnet", "a network address (host bits zero)", subnet, `did you mean "${fixed}"?`, cluster);
  }
  // netns puts nodes at .10 and up; docker at .2 and up. A pool up to /24 is cut into /24s.
  const maxPrefix = provisioner === "netns" ? 28 : 29;
  if (prefix < WIDEST_PREFIX || prefix > maxPrefix) {
    throw invalid(
      "network.subnet",
      `a prefix from /${WIDEST_PREFIX} to /${maxPrefix}`,
      subnet,
      "a prefix up to /24 is a pool each cluster takes a /24 from (the default 198.18.0.0/15 holds 512); a longer one is one cluster's subnet",
      cluster,
    );
  }
  const capacity = prefix <= 24 ? 256 : size;
  const needed = provisioner === "netns" ? nodeCount + 12 : nodeCount + 3;
  if (needed > capacity) {
    throw invalid("network.subnet", `a subnet with room for ${nodeCount} nodes (${needed} addresses)`, subnet, "use a shorter prefix", cluster);
  }
  const inside = ALLOWED_RANGES.find(([, start, length]) => prefix >= length && base >= start && base < start + 2 ** (32 - length));
  if (!inside) {
    throw invalid(
      "network.subnet",
      `inside a private or benchmark range (${ALLOWED_RANGES.map(([r]) => r).join(", ")})`,
      subnet,
      "a test network on public addresses would hide real hosts behind the run's bridge; the default is 198.18.0.0/15",
      cluster,
    );
  }
}

/** The node names of a spec. */
export function nodeNames(spec: ClusterSpec): string[] {
  return resolveNodes(spec).map((node) => node.name);
}

/**
 * The per-node form: each group's name, count and dependencies, then each group's options as
 * they will run (the cluster's with the group's on top), checked like a cluster's own and
 * reported as `nodes.<group>.<option>`.
 */
function validateNodeSpecs(s: Record<string, unknown>, nodes: Record<string, unknown>, cluster?: string): void {
  const groups = Object.entries(nodes);
  if (groups.length === 0) throw invalid("nodes", "at least one node", nodes, "e.g. nodes: { db: { command: … } }", cluster);
  const names = new Map<string, string>();
  for (const [group, node] of groups) {
    const where = `nodes.${group}`;
    if (!NAME.test(group))
      throw invalid(where, "named with letters, digits, - and _ (at most 16 characters)", group, 'e.g. nodes: { db: {…}, "api-1": {…} }', cluster);
    if (typeof node !== "object" || node === null || Array.isArray(node))
      throw invalid(where, "an object of node options", node, `e.g. ${group}: { command: () => ["redis-server"], ports: ["client"] }`, cluster);
    for (const key of Object.keys(node)) {
      if (!NODE_SPEC_KEYS.has(key)) {
        const clusterOnly = KNOWN_KEYS.has(key as keyof ClusterSpec);
        throw invalid(
          `${where}.${key}`,
          clusterOnly ? "given for the whole cluster, not per node" : `left out: a node takes ${[...NODE_SPEC_KEYS].join(", ")}`,
          (node as Record<string, unknown>)[key],
          clusterOnly ? `move ${key} to the top level of defineCluster` : "check the option's spelling",
          cluster,
        );
      }
    }
    const count = (node as NodeSpec).count;
    if (count !== undefined && (!Number.isInteger(count) || count < 1 || count > 64))
      throw invalid(`${where}.count`, "a whole number from 1 to 64", count, "leave it out for one node", cluster);
    for (const member of groupMembers(group, node as NodeSpec)) {
      const other = names.get(member);
      if (other !== undefined || (member !== group && nodes[member] !== undefined))
        throw invalid(where, "a group whose node names are free", group, `node ${member} would exist twice (${other ?? member}); rename one group`, cluster);
      names.set(member, group);
    }
  }
  if (names.size > 64) throw invalid("nodes", "at most 64 nodes in all", names.size, "use fewer or smaller groups", cluster);
  for (const [group, node] of groups) {
    const dependsOn = (node as NodeSpec).dependsOn;
    if (dependsOn === undefined) continue;
    if (!Array.isArray(dependsOn) || dependsOn.some((d) => typeof d !== "string" || (!(d in nodes) && !names.has(d)) || d === group))
      throw invalid(
        `nodes.${group}.dependsOn`,
        `a list of other groups or nodes (${[...new Set([...Object.keys(nodes), ...names.keys()])].join(", ")})`,
        dependsOn,
        'e.g. dependsOn: ["db"]',
        cluster,
      );
  }
  const cycle = dependencyCycle(nodes as Record<string, NodeSpec>, names);
  if (cycle) throw invalid("nodes", "free of dependency cycles", cycle.join(" -> "), "one of these groups must start without waiting for the others", cluster);
  if (s.network !== undefined) validateNetwork(s.network, s.provisioner, names.size, cluster);
  for (const [group, node] of groups) {
    const merged: Record<string, unknown> = { ...s, nodes: 1 };
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) if (key !== "count" && key !== "dependsOn") merged[key] = value;
    try {
      validateSpec(merged, cluster);
    } catch (error) {
      // Options the group did not give are the cluster's own: reported where they were written.
      if (!(error instanceof FaultlineError) || error.option === undefined || !(error.option.split(".")[0]! in (node as object))) throw error;
      const option = `nodes.${group}.${error.option}`;
      throw new FaultlineError({
        code: error.code,
        message: error.what.replace(error.option, option),
        hint: error.hint,
        option,
        cluster,
        node: group,
      });
    }
  }
}

/** A chain of groups that wait for each other in a circle, if there is one. */
function dependencyCycle(nodes: Record<string, NodeSpec>, names: ReadonlyMap<string, string>): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (group: string): string[] | undefined => {
    if (state.get(group) === "done") return undefined;
    if (state.get(group) === "open") return [...path.slice(path.indexOf(group)), group];
    state.set(group, "open");
    path.push(group);
    for (const dep of nodes[group]!.dependsOn ?? []) {
      const found = visit(names.get(dep) ?? dep);
      if (found) return found;
    }
    path.pop();
    state.set(group, "done");
    return undefined;
  };
  for (const group of Object.keys(nodes)) {
    const found = visit(group);
    if (found) return found;
  }
  return undefined;
}
