import type Docker from "dockerode";
import type { Node } from "../../../src/cluster/types";
import { isFaultlineError } from "../../../src/common/errors";
import { DockerNetworkControl } from "../../../src/provisioners/docker/docker-network-control";
import { isolatedNode } from "../../../src/provisioners/docker/isolated-node";

const members = [
  { name: "n1", ip: "198.19.7.2" },
  { name: "n2", ip: "198.19.7.3" },
  { name: "n3", ip: "198.19.7.4" },
];

describe("isolatedNode", () => {
  it("recognises a one-node isolation, which the engine alone can do", () => {
    expect(isolatedNode({ n1: [], n2: ["n3"], n3: ["n1", "n2"] }, members)).toBeUndefined();
    expect(isolatedNode({ n1: ["n3"], n2: ["n3"], n3: ["n1", "n2"] }, members)).toBe("n3");
    expect(isolatedNode({ n3: ["n1", "n2"] }, members)).toBeUndefined(); // one-way
  });
});

describe("DockerNetworkControl without the containers' namespaces", () => {
  const control = (reason: "not-root" | "remote-engine", detail: string) =>
    new DockerNetworkControl({
      cluster: "c",
      runId: "ab12cd",
      docker: {} as Docker, // never reached: the refusal comes first
      networkId: "net",
      members,
      access: { mode: "engine", reason, detail },
      container: () => ({ id: "x" }),
    }).asNetworkControl();
  const nodes = [{ name: "n1" }, { name: "n2" }] as Node[];

  it('refuses loss and bandwidth with FAULTLINE_PERMISSION naming root, CAP_NET_ADMIN and links: "clients", rather than leave the fault layer a client-only fallback', async () => {
    const network = control("not-root", "this process is not root (uid 1000)");
    for (const [fault, attempt] of [
      ["loss", () => network.loss!(nodes, 0.5)],
      ["bandwidth", () => network.bandwidth!(nodes, 100)],
    ] as const) {
      const error: unknown = await attempt().catch((e: unknown) => e);
      expect(isFaultlineError(error) && { code: error.code, option: error.option }).toEqual({ code: "FAULTLINE_PERMISSION", option: `${fault}.links` });
      expect((error as Error).message).toMatch(
        new RegExp(`a ${fault} fault acts on traffic between nodes too, .* and this process is not root \\(uid 1000\\)`),
      );
      expect((error as { hint: string }).hint).toMatch(/as root on the Docker host .*CAP_NET_ADMIN.*links: "clients"/);
    }
  });

  it("refuses with FAULTLINE_FAULT_UNSUPPORTED on a remote engine, where root here would not help", async () => {
    const error: unknown = await control("remote-engine", "the engine at DOCKER_HOST=tcp://far:2375 runs on another machine").loss!(nodes, 0.5).catch(
      (e: unknown) => e,
    );
    expect(isFaultlineError(error) && error.code).toBe("FAULTLINE_FAULT_UNSUPPORTED");
  });
});
