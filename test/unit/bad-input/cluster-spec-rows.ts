import { defineCluster, validateSpec } from "../../../src/cluster/define-cluster";
import { probes } from "../../../src/cluster/probes";
import type { ClusterSpec } from "../../../src/cluster/types";
import type { Row } from "./catalogue";

const command = (): string[] => ["true"];
const spec = (extra: Record<string, unknown>) => () => defineCluster({ nodes: 3, command, ...extra } as unknown as ClusterSpec);
const docker = (extra: Record<string, unknown>) => spec({ provisioner: "docker", docker: { image: "faultline/x:local", ...extra } });
const bad = "FAULTLINE_INVALID_OPTION";
const badDuration = "FAULTLINE_INVALID_DURATION";

/** Cluster specs, refused by defineCluster() before anything starts. */
export const clusterSpecRows: Row[] = [
  // The spec itself.
  ["a spec that is not an object", () => defineCluster("etcd" as never), bad, "cluster spec", '"etcd"'],
  ["a null spec", () => validateSpec(null, "c"), bad, "cluster spec", "null"],
  ["a misspelt option", spec({ node: 3 }), bad, "node", "node"],
  ["a misspelt readyTimeout", spec({ readyTimout: "5s" }), bad, "readyTimout", "readyTimout"],

  // Node counts and names.
  ["nodes 0", spec({ nodes: 0 }), bad, "nodes", "0"],
  ["nodes -1", spec({ nodes: -1 }), bad, "nodes", "-1"],
  ["nodes 1.5", spec({ nodes: 1.5 }), bad, "nodes", "1.5"],
  ["nodes 65", spec({ nodes: 65 }), bad, "nodes", "65"],
  ["nodes NaN", spec({ nodes: NaN }), bad, "nodes", "null"],
  ["nodes Infinity", spec({ nodes: Infinity }), bad, "nodes", "null"],
  ['nodes "3"', spec({ nodes: "3" }), bad, "nodes", '"3"'],
  ["nodes missing", () => defineCluster({ command } as never), bad, "nodes", "undefined"],
  ["nodes an empty list", spec({ nodes: [] }), bad, "nodes", "[]"],
  ["a node named twice", spec({ nodes: ["a", "a"] }), bad, "nodes", '["a","a"]'],
  ['a node named "../x"', spec({ nodes: ["../x"] }), bad, "nodes", '["../x"]'],
  ['a node named "a b"', spec({ nodes: ["a b"] }), bad, "nodes", '["a b"]'],
  ["a node named with a slash", spec({ nodes: ["a/b"] }), bad, "nodes", '["a/b"]'],
  ['a node named ""', spec({ nodes: [""] }), bad, "nodes", '[""]'],
  ["a node named with a leading dash", spec({ nodes: ["-x"] }), bad, "nodes", '["-x"]'],
  ["a node name of 17 characters", spec({ nodes: ["abcdefghijklmnopq"] }), bad, "nodes", "abcdefghijklmnopq"],
  ["a node named by a number", spec({ nodes: [1, 2] }), bad, "nodes", "[1,2]"],
  ["a node name with a newline", spec({ nodes: ["a\nb"] }), bad, "nodes", "a\\nb"],
  ["a node name with a NUL", spec({ nodes: ["a\u0000"] }), bad, "nodes", "a\\u0000"],
  ["a node name with a semicolon", spec({ nodes: ["a;rm"] }), bad, "nodes", "a;rm"],

  // Provisioner, ports, command.
  ['provisioner "vm"', spec({ provisioner: "vm" }), bad, "provisioner", '"vm"'],
  ['provisioner "Docker"', spec({ provisioner: "Docker" }), bad, "provisioner", '"Docker"'],
  ['ports "client"', spec({ ports: "client" }), bad, "ports", '"client"'],
  ["ports with a number", spec({ ports: [2379] }), bad, "ports", "[2379]"],
  ["a port named twice", spec({ ports: ["a", "a"] }), bad, "ports", '["a","a"]'],
  ['a port named "a b"', spec({ ports: ["a b"] }), bad, "ports", '["a b"]'],
  ["a port named ../x", spec({ ports: ["../x"] }), bad, "ports", '["../x"]'],
  ["a command that is a string", spec({ command: "etcd --name n1" }), bad, "command", '"etcd --name n1"'],
  ["a command that is an argv array", spec({ command: ["etcd"] }), bad, "command", '["etcd"]'],
  ["no command", () => defineCluster({ nodes: 3 } as never), bad, "command", "undefined"],
  ["env as a string", spec({ env: "A=1" }), bad, "env", '"A=1"'],
  ["env as null", spec({ env: null }), bad, "env", "null"],
  ["cwd as a number", spec({ cwd: 5 }), bad, "cwd", "5"],
  ["ready as a port name", spec({ ready: "client" }), bad, "ready", '"client"'],
  ["ready as a probe factory not called", spec({ ready: { port: "client" } }), bad, "ready", '{"port":"client"}'],
  ["healthy as true", spec({ healthy: true }), bad, "healthy", "true"],
  ["leader as a name", spec({ leader: "n1" }), bad, "leader", '"n1"'],

  // Durations and signals.
  ['readyTimeout "5 s"', spec({ readyTimeout: "5 s" }), badDuration, "readyTimeout", '"5 s"'],
  ['readyTimeout "5sec"', spec({ readyTimeout: "5sec" }), badDuration, "readyTimeout", '"5sec"'],
  ['readyTimeout "-5s"', spec({ readyTimeout: "-5s" }), badDuration, "readyTimeout", '"-5s"'],
  ["readyTimeout NaN", spec({ readyTimeout: NaN }), badDuration, "readyTimeout", "null"],
  ["readyTimeout true", spec({ readyTimeout: true }), badDuration, "readyTimeout", "true"],
  ['stop.timeout "forever"', spec({ stop: { timeout: "forever" } }), badDuration, "stop.timeout", '"forever"'],
  ['stop "SIGTERM"', spec({ stop: "SIGTERM" }), bad, "stop", '"SIGTERM"'],
  ['stop.signal "TERM"', spec({ stop: { signal: "TERM" } }), bad, "stop.signal", '"TERM"'],
  ["stop.signal 9", spec({ stop: { signal: 9 } }), bad, "stop.signal", "9"],
  ["a misspelt stop option", spec({ stop: { timout: "5s" } }), bad, "stop.timout", "timout"],

  // Disk, clock, network.
  ['disk.size "64"', spec({ disk: { size: "64" } }), bad, "disk.size", '"64"'],
  ["disk.size 64", spec({ disk: { size: 64 } }), bad, "disk.size", "64"],
  ["disk true", spec({ disk: true }), bad, "disk.size", "undefined"],
  ['clock "yes"', spec({ clock: "yes" }), bad, "clock", '"yes"'],
  ['reuse "yes"', spec({ reuse: "yes" }), bad, "reuse", '"yes"'],
  ['reuse.reset "flush"', spec({ reuse: { reset: "flush" } }), bad, "reuse.reset", '"flush"'],
  ['reuse.idleTimeout "soon"', spec({ reuse: { idleTimeout: "soon" } }), badDuration, "reuse.idleTimeout", '"soon"'],
  ["reuse.idle, misspelt", spec({ reuse: { idle: "5m" } }), bad, "reuse.idle", '"idle"'],
  ["network as a string", spec({ provisioner: "netns", network: "198.18.0.0/15" }), bad, "network", '"198.18.0.0/15"'],
  ["subnet as a number", spec({ provisioner: "netns", network: { subnet: 198 } }), bad, "network.subnet", "198"],
  ["subnet /33", spec({ provisioner: "netns", network: { subnet: "198.18.0.0/33" } }), bad, "network.subnet", '"198.18.0.0/33"'],
  ["subnet IPv6", spec({ provisioner: "netns", network: { subnet: "fd00::/64" } }), bad, "network.subnet", '"fd00::/64"'],
  ["subnet of loopback", spec({ provisioner: "netns", network: { subnet: "127.0.0.0/8" } }), bad, "network.subnet", '"127.0.0.0/8"'],
  ["subnet wider than /8", spec({ provisioner: "docker", docker: { image: "x" }, network: { subnet: "10.0.0.0/7" } }), bad, "network.subnet", '"10.0.0.0/7"'],

  // Docker, and options at the wrong level.
  ["docker without an image", spec({ provisioner: "docker" }), bad, "docker.image", "undefined"],
  ["docker with an empty image", docker({ image: "" }), bad, "docker.image", '""'],
  ["docker image as a number", docker({ image: 5 }), bad, "docker.image", "5"],
  ["docker image with a space", docker({ image: "etcd latest" }), bad, "docker.image", '"etcd latest"'],
  ["docker image that is an option", docker({ image: "--privileged" }), bad, "docker.image", '"--privileged"'],
  ["image beside docker", spec({ provisioner: "docker", image: "etcd" }), bad, "image", '"etcd"'],
  ["entrypoint beside docker", spec({ provisioner: "docker", docker: { image: "x" }, entrypoint: ["/bin/etcd"] }), bad, "entrypoint", "entrypoint"],
  ["subnet beside network", spec({ provisioner: "netns", subnet: "198.18.0.0/15" }), bad, "subnet", '"198.18.0.0/15"'],
  ["signal beside stop", spec({ signal: "SIGINT" }), bad, "signal", '"SIGINT"'],
  ["size beside disk", spec({ size: "64m" }), bad, "size", '"64m"'],
  ["docker options on process", spec({ docker: { image: "x" } }), bad, "docker", '{"image":"x"}'],
  ["a misspelt docker option", docker({ entrypont: ["/x"] }), bad, "docker.entrypont", "entrypont"],
  ["docker entrypoint as a string", docker({ entrypoint: "/bin/sh -c x" }), bad, "docker.entrypoint", '"/bin/sh -c x"'],
  ["docker volumes as a string", docker({ volumes: "/a:/b" }), bad, "docker.volumes", '"/a:/b"'],
  ["docker tmpfs as a list", docker({ tmpfs: ["/data"] }), bad, "docker.tmpfs", '["/data"]'],

  // Probes.
  ["probes.tcp with an empty port", () => probes.tcp(""), bad, "probes.tcp port", '""'],
  ["probes.http path without a slash", () => probes.http({ port: "http", path: "health" }), bad, "probes.http path", '"health"'],
  ["probes.log with a string", () => probes.log("ready" as never), bad, "probes.log pattern", '"ready"'],
];
