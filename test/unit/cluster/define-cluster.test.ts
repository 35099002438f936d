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
