import { defineCluster, nodeNames } from "../../../src/cluster/define-cluster";
import type { ClusterSpec } from "../../../src/cluster/types";

const command = () => ["true"];

function errorOf(spec: unknown): { code: string; message: string; option?: string; hint?: string } {
  try {
    defineCluster(spec as ClusterSpec);
  } catch (error) {
    return error as { code: string; message: string; option?: string; hint?: string };
  }
  throw new Error("expected defineCluster to throw");
}

describe("defineCluster", () => {
  it("accepts a valid spec and names nodes n1..nN", () => {
    const spec = defineCluster({ nodes: 3, ports: ["client", "peer"], command, readyTimeout: "5s", stop: { signal: "SIGINT", timeout: 200 } });
    expect(nodeNames(spec)).toEqual(["n1", "n2", "n3"]);
    expect(nodeNames(defineCluster({ nodes: ["a", "b"], command }))).toEqual(["a", "b"]);
  });

  it.each<[string, unknown, string, RegExp]>([
    ["a zero node count", { nodes: 0, command }, "nodes", /whole number from 1 to 64/],
    ["duplicate node names", { nodes: ["a", "a"], command }, "nodes", /distinct/],
    ["an unknown provisioner", { nodes: 1, provisioner: "k8s", command }, "provisioner", /"process", "netns", "docker"/],
    ["a shell string command", { nodes: 1, command: "etcd --name x" }, "command", /argv/],
    ["a misspelt option", { nodes: 1, command, readyTimout: "1s" }, "readyTimout", /spelling/],
    ["duplicate ports", { nodes: 1, ports: ["a", "a"], command }, "ports", /distinct/],
    ["a ready probe that is not a function", { nodes: 1, command, ready: "tcp" }, "ready", /probes\.tcp/],
    ["a stop signal without SIG", { nodes: 1, command, stop: { signal: "TERM" } }, "stop.signal", /SIG prefix/],
    ["docker without an image", { nodes: 1, provisioner: "docker", command }, "docker.image", /from-host/],
    ["a disk size without unit", { nodes: 1, command, disk: { size: "64" } }, "disk.size", /64m/],
  ])("rejects %s with FAULTLINE_INVALID_OPTION", (_label, spec, option, hintOrMessage) => {
    const error = errorOf(spec);
    expect(error.code).toBe("FAULTLINE_INVALID_OPTION");
    expect(error.option).toBe(option);
    expect(`${error.message}\n${error.hint}`).toMatch(hintOrMessage);
  });

  it("rejects an invalid duration with FAULTLINE_INVALID_DURATION", () => {
    const error = errorOf({ nodes: 1, command, readyTimeout: "20 seconds" });
    expect(error.code).toBe("FAULTLINE_INVALID_DURATION");
    expect(error.option).toBe("readyTimeout");
  });
});

describe("defineCluster with a spec per node or group", () => {
  const db = { ports: ["client"], command };

  it("names a group's nodes after it and merges cluster-level options under each group's", () => {
    const spec = defineCluster({ nodes: { db: { ...db, count: 3 }, app: { command, dependsOn: ["db"] } }, ports: ["http"], readyTimeout: "5s" });
    expect(nodeNames(spec)).toEqual(["db1", "db2", "db3", "app"]);
    expect(nodeNames(defineCluster({ nodes: { cache: db }, command }))).toEqual(["cache"]);
  });

  it.each<[string, unknown, string, RegExp]>([
    ["an empty map", { nodes: {} }, "nodes", /at least one node/],
    ["a group name with a space", { nodes: { "my db": db } }, "nodes.my db", /letters, digits/],
    ["a node spec that is a function", { nodes: { db: command } }, "nodes.db", /object of node options/],
    ["a misspelt node option", { nodes: { db: { ...db, comand: command } } }, "nodes.db.comand", /spelling/],
    ["a cluster-level option inside a node", { nodes: { db: { ...db, healthy: async () => true } } }, "nodes.db.healthy", /top level/],
    ["a zero count", { nodes: { db: { ...db, count: 0 } } }, "nodes.db.count", /1 to 64/],
    ["names that collide", { nodes: { db: { ...db, count: 2 }, db1: db } }, "nodes.db", /twice/],
    ["a dependency on an unknown group", { nodes: { db, app: { command, dependsOn: ["cache"] } } }, "nodes.app.dependsOn", /other groups or nodes \(db, app\)/],
    ["a group depending on itself", { nodes: { db: { ...db, dependsOn: ["db"] } } }, "nodes.db.dependsOn", /other groups/],
    ["a dependency cycle", { nodes: { a: { command, dependsOn: ["b"] }, b: { command, dependsOn: ["a"] } } }, "nodes", /a -> b -> a/],
    ["a node without a command anywhere", { nodes: { db: { ports: ["client"] } } }, "command", /function/],
    ["a node's shell-string command", { nodes: { db: { command: "redis-server" } } }, "nodes.db.command", /never runs a shell/],
    ["a node's bad stop signal", { nodes: { db: { ...db, stop: { signal: "TERM" } } } }, "nodes.db.stop.signal", /SIG prefix/],
    ["a node's docker options off docker", { nodes: { db: { ...db, docker: { image: "x" } } } }, "nodes.db.docker", /provisioner: "docker"/],
    ["a docker node without an image", { provisioner: "docker", nodes: { db, app: { command, docker: { image: "app:1" } } } }, "docker.image", /from-host/],
  ])("rejects %s with FAULTLINE_INVALID_OPTION naming where", (_label, spec, option, hintOrMessage) => {
    const error = errorOf(spec);
    expect(error.code).toBe("FAULTLINE_INVALID_OPTION");
    expect(error.option).toBe(option);
    expect(`${error.message}\n${error.hint}`).toMatch(hintOrMessage);
  });

  it("takes a docker image per node, or one for all", () => {
    expect(() =>
      defineCluster({
        provisioner: "docker",
        nodes: { db: { ...db, docker: { image: "faultline/etcd:local" } }, app: { command, docker: { image: "faultline/node:local" } } },
      }),
    ).not.toThrow();
    expect(() => defineCluster({ provisioner: "docker", docker: { image: "faultline/node:local" }, nodes: { db, app: { command } } })).not.toThrow();
  });
});

describe("ports named by their number", () => {
  it("bind that number on netns and docker, and are refused on process", () => {
    expect(() => defineCluster({ nodes: 1, provisioner: "netns", ports: ["6379", "admin"], command })).not.toThrow();
    const error = errorOf({ nodes: 1, ports: ["6379"], command });
    expect(error).toMatchObject({ code: "FAULTLINE_INVALID_OPTION", option: "ports" });
    expect(error.hint).toMatch(/"netns" or "docker"/);
    expect(errorOf({ nodes: 1, provisioner: "docker", docker: { image: "x" }, ports: ["70000"], command }).option).toBe("ports");
  });
});
