import { FaultlineError, describeValue } from "../common/errors";
import { toMs } from "../common/duration";
import type { ClusterDefinition, ClusterSpec } from "./types";

const PROVISIONERS = ["process", "netns", "docker"] as const;
const KNOWN_KEYS = new Set<keyof ClusterSpec>([
  "nodes", "provisioner", "ports", "command", "env", "cwd", "ready", "readyTimeout", "healthy", "leader", "stop", "network", "docker", "clock", "disk",
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

/** Throws FAULTLINE_INVALID_OPTION (or _INVALID_DURATION) naming the first wrong option. */
export function validateSpec(spec: unknown, cluster?: string): asserts spec is ClusterSpec {
  if (typeof spec !== "object" || spec === null) {
    throw invalid("cluster spec", "an object passed to defineCluster({...})", spec, "export default defineCluster({ nodes: 3, command: ... })", cluster);
  }
  const s = spec as Record<string, unknown>;
  for (const key of Object.keys(s)) {
    if (key !== "__faultlineCluster" && !KNOWN_KEYS.has(key as keyof ClusterSpec)) {
      throw invalid(key, `one of ${[...KNOWN_KEYS].join(", ")}`, key, "check the option's spelling", cluster);
    }
  }
  const nodes = s.nodes;
  if (typeof nodes === "number") {
    if (!Number.isInteger(nodes) || nodes < 1 || nodes > 64) throw invalid("nodes", "a whole number from 1 to 64, or a list of names", nodes, "e.g. nodes: 3", cluster);
  } else if (Array.isArray(nodes)) {
    if (nodes.length === 0 || nodes.some((n) => typeof n !== "string" || !NAME.test(n))) {
      throw invalid("nodes", "a non-empty list of names (letters, digits, - and _, at most 16 characters)", nodes, 'e.g. nodes: ["a", "b", "c"]', cluster);
    }
    if (new Set(nodes).size !== nodes.length) throw invalid("nodes", "a list of distinct names", nodes, "give each node its own name", cluster);
  } else {
    throw invalid("nodes", "a number or a list of names", nodes, "e.g. nodes: 3", cluster);
  }
  if (s.provisioner !== undefined && !PROVISIONERS.includes(s.provisioner as never)) {
    throw invalid("provisioner", `one of ${PROVISIONERS.map((p) => `"${p}"`).join(", ")}`, s.provisioner, 'use "process" to run nodes as local processes', cluster);
  }
  if (s.ports !== undefined) {
    if (!Array.isArray(s.ports) || s.ports.some((p) => typeof p !== "string" || !/^[a-z][a-z0-9_-]*$/i.test(p))) {
      throw invalid("ports", "a list of port names", s.ports, 'name the ports the node binds, e.g. ports: ["client", "peer"]', cluster);
    }
    if (new Set(s.ports).size !== s.ports.length) throw invalid("ports", "a list of distinct names", s.ports, "name each port once", cluster);
  }
  if (typeof s.command !== "function") {
    throw invalid(
      "command",
      "a function ({ node, cluster }) => argv array",
      s.command,
      typeof s.command === "string" ? "split the command into an argv array: faultline never runs a shell" : 'e.g. command: ({ node }) => ["etcd", "--name", node.name]',
      cluster,
    );
  }
  if (s.env !== undefined && typeof s.env !== "function" && (typeof s.env !== "object" || s.env === null)) {
    throw invalid("env", "an object of strings or a function returning one", s.env, 'e.g. env: { GOMAXPROCS: "1" }', cluster);
  }
  if (s.cwd !== undefined && typeof s.cwd !== "string") throw invalid("cwd", "a directory path", s.cwd, "omit it to run in the node's data dir", cluster);
  for (const key of ["ready", "healthy", "leader"] as const) {
    if (s[key] !== undefined && typeof s[key] !== "function") {
      throw invalid(key, "a function", s[key], key === "ready" ? "use probes.tcp(port), probes.http({ port, path }), probes.log(/re/) or an async function" : "an async function of the cluster", cluster);
    }
  }
  if (s.readyTimeout !== undefined) toMs(s.readyTimeout, { option: "readyTimeout", cluster });
  if (s.stop !== undefined) {
    if (typeof s.stop !== "object" || s.stop === null) throw invalid("stop", "{ signal?, timeout? }", s.stop, 'e.g. stop: { signal: "SIGINT", timeout: "5s" }', cluster);
    const stop = s.stop as Record<string, unknown>;
    if (stop.timeout !== undefined) toMs(stop.timeout, { option: "stop.timeout", cluster });
    if (stop.signal !== undefined && (typeof stop.signal !== "string" || !/^SIG[A-Z0-9]+$/.test(stop.signal))) {
      throw invalid("stop.signal", 'a signal name such as "SIGTERM"', stop.signal, "use the name with its SIG prefix", cluster);
    }
  }
  if (s.disk !== undefined) {
    const size = (s.disk as { size?: unknown } | null)?.size;
    if (typeof size !== "string" || !/^\d+[kmg]$/i.test(size)) throw invalid("disk.size", 'a size such as "64m"', size, 'e.g. disk: { size: "64m" }', cluster);
  }
  if (s.clock !== undefined && typeof s.clock !== "boolean") throw invalid("clock", "true or false", s.clock, "clock: true preloads libfaketime", cluster);
  if (s.provisioner === "docker") {
    const docker = s.docker as Record<string, unknown> | undefined;
    if (!docker || typeof docker.image !== "string") {
      throw invalid("docker.image", "an image name", docker?.image, 'set docker: { image: "faultline/etcd:local" } (build one with `faultline image from-host`)', cluster);
    }
  }
}

/** The node names of a spec. */
export function nodeNames(spec: ClusterSpec): string[] {
  return typeof spec.nodes === "number" ? Array.from({ length: spec.nodes }, (_, i) => `n${i + 1}`) : [...spec.nodes];
}
