import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Capability, HostControls } from "../../../src/cluster/controls";
import type { FaultTarget } from "../../../src/cluster/fault";
import type { ClusterSpec, Node, ProvisionerKind } from "../../../src/cluster/types";
import { isFaultlineError } from "../../../src/common/errors";
import { faults } from "../../../src/faults/catalog";
import { CAPABILITIES, CAPABILITY_LABELS, capabilityMarkdown, isSupported } from "../../../src/provisioners/capabilities";
import { SshProvisioner } from "../../../src/provisioners/ssh-provisioner";
import { DockerProvisioner } from "../../../src/provisioners/docker-provisioner";
import { NetnsProvisioner } from "../../../src/provisioners/netns-provisioner";
import { ProcessProvisioner } from "../../../src/provisioners/process-provisioner";

const SPEC: ClusterSpec = { nodes: 2, command: () => ["true"], clock: true, docker: { image: "faultline/node:local" } };

function controlsOf(kind: ProvisionerKind, spec: ClusterSpec = SPEC): HostControls {
  if (kind === "process") return new ProcessProvisioner(spec).controls;
  if (kind === "netns") return new NetnsProvisioner(spec).controls;
  if (kind === "ssh") return new SshProvisioner(spec).controls;
  return new DockerProvisioner(spec).controls;
}

/** Whether a backend offers the control behind `capability`. */
function offers(controls: HostControls, capability: Capability): boolean {
  switch (capability) {
    case "kill":
      return controls.signals.kill.length > 0;
    case "pause":
      return controls.signals.pause.length > 0;
    case "partition":
      return typeof controls.network.partition === "function";
    case "loss":
      return typeof controls.network.loss === "function";
    case "bandwidth":
      return typeof controls.network.bandwidth === "function";
    case "peer-toxics":
      return typeof controls.network.linkProxiesTo === "function";
    case "clock":
      return controls.clock !== undefined;
    case "disk":
      return controls.disk !== undefined;
    case "limits":
      return controls.limits !== undefined;
  }
}

/** A target with one stopped node whose backend is `controls`: enough for a fault to ask for a control. */
function targetWith(controls: HostControls): FaultTarget {
  const node = { name: "n1", index: 0, state: "running", pid: process.pid, dataDir: "/nonexistent" } as unknown as Node;
  return {
    name: "c",
    dir: "/nonexistent",
    nodes: [node],
    ports: [],
    node: () => node,
    leader: async () => node,
    inject: () => Promise.reject(new Error("not used")),
    clientProxies: () => [],
    stopTimeoutMs: 1000,
    programOf: () => process.execPath,
    controls,
  };
}

describe("the capability table", () => {
  it.each(Object.keys(CAPABILITIES) as ProvisionerKind[])("matches the controls provisioner %s offers, capability by capability", (kind) => {
    const controls = controlsOf(kind);
    const table = Object.fromEntries((Object.keys(CAPABILITY_LABELS) as Capability[]).map((cap) => [cap, isSupported(CAPABILITIES[kind][cap])]));
    const offered = Object.fromEntries((Object.keys(CAPABILITY_LABELS) as Capability[]).map((cap) => [cap, offers(controls, cap)]));
    expect(offered).toEqual(table);
  });

  it("is README's provisioner table, word for word", () => {
    const readme = readFileSync(join(__dirname, "../../../README.md"), "utf8");
    const block = /<!-- capabilities:start[^>]*-->\n([\s\S]*?)\n<!-- capabilities:end -->/.exec(readme)?.[1];
    expect(block).toBe(capabilityMarkdown());
  });

  it("gives a fault the backend's reason when a control is missing", async () => {
    const error = await faults
      .clock({ node: "n1", offset: "-1m" })
      .apply(targetWith(controlsOf("docker")), { id: "clock-1", random: Math.random })
      .catch((e: unknown) => e);
    const entry = CAPABILITIES.docker.clock;
    if (isSupported(entry)) throw new Error("the table says docker moves clocks: this test needs a backend without a clock control");
    expect(isFaultlineError(error) && { code: error.code, message: error.message, hint: error.hint }).toEqual({
      code: "FAULTLINE_FAULT_UNSUPPORTED",
      message: expect.stringContaining(entry.missing),
      hint: entry.hint,
    });
  });

  it("says what to add when a backend could do it and the cluster did not ask (clock without clock: true)", async () => {
    const controls = controlsOf("process", { ...SPEC, clock: false });
    expect(controls.clock).toBeUndefined();
    const error = await faults
      .clock({ node: "n1", offset: "-1m" })
      .apply(targetWith(controls), { id: "clock-2", random: Math.random })
      .catch((e: unknown) => e);
    expect(isFaultlineError(error) && error.code).toBe("FAULTLINE_FAULT_UNSUPPORTED");
    expect((error as Error).message).toMatch(/clock: true/);
  });

  it("falls back, and says so, where the table names a fallback: loss on a backend without packet control uses the proxies", async () => {
    const entry = CAPABILITIES.process.loss;
    expect(isSupported(entry) ? undefined : entry.fallback).toMatch(/connection-level/);
    // The fallback needs proxies; a target with none is refused with the proxy error, not faked.
    const error = await faults
      .loss({ probability: 0.5 })
      .apply(targetWith(controlsOf("process")), { id: "loss-1", random: Math.random })
      .catch((e: unknown) => e);
    expect(isFaultlineError(error) && error.code).toBe("FAULTLINE_FAULT_UNSUPPORTED");
    expect((error as Error).message).toMatch(/no fault proxy/);
  });
});

describe("faultline doctor", () => {
  it("prints each provisioner's faults from the capability table", async () => {
    const { runDoctor } = await import("../../../src/cli/doctor-command");
    let text = "";
    const out = { write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WritableStream;
    expect(await runDoctor([], out)).toBe(0);
    for (const kind of Object.keys(CAPABILITIES) as ProvisionerKind[]) {
      const section = text.split(`Faults on ${kind}`)[1]?.split("Faults on ")[0] ?? "";
      for (const cap of Object.keys(CAPABILITY_LABELS) as Capability[]) {
        const entry = CAPABILITIES[kind][cap];
        const line = section.split("\n").find((l) => l.includes(`${CAPABILITY_LABELS[cap]}:`));
        expect(line).toBeDefined();
        if (!isSupported(entry)) expect(line).toMatch(/^ {2}✗/);
      }
    }
  });
});
