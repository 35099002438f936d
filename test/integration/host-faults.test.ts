/**
 * Host faults (clock, disk, resources) on real node processes started through provisionCluster.
 * The nodes are tiny Node programs that report what they see: their wall clock, whether a file
 * can be created or appended, how many descriptors they can open.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { probes } from "../../src/cluster/probes";
import { provisionCluster } from "../../src/wiring/start-cluster";
import type { FaultlineCluster } from "../../src/cluster/faultline-cluster";
import type { ClusterSpec, Node } from "../../src/cluster/types";
import { isFaultlineError } from "../../src/common/errors";
import { clock } from "../../src/faults/clock-fault";
import { faketimeLibrary } from "../../src/provisioners/host/faketime-clock";
import { disk } from "../../src/faults/disk-fault";
import { resources } from "../../src/faults/resources-fault";
import { netnsProblem } from "../../src/provisioners/netns/capabilities";
import { which } from "../../src/common/which";
import { beginRun, endRun, type RunContext } from "../../src/reaper/run-context";
import { requireOrSkip } from "../helpers/requirements";
import { PROBE, ask } from "../helpers/probe-node";

jest.setTimeout(30_000);

function probeSpec(extra: Partial<ClusterSpec> = {}): ClusterSpec {
  return {
    nodes: 1,
    ports: ["http"],
    command: ({ node }) => [process.execPath, "-e", PROBE, node.host, String(node.port("http")), node.dataDir],
    ready: probes.http({ port: "http", path: "/time" }),
    stop: { timeout: "2s" },
    ...extra,
  };
}

/** The node's soft limit on open files, as the kernel reports it. */
function softNofile(pid: number): string {
  const line = readFileSync(`/proc/${pid}/limits`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("Max open files"))!;
  return line.split(/\s{2,}/)[1]!;
}

async function rejection(promise: Promise<unknown>): Promise<{ code?: string; message: string; hint?: string }> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isFaultlineError(error)) throw new Error(`expected a faultline error, got ${String(error)}`);
  return error;
}

const isRoot = process.getuid?.() === 0;
const describeClock = requireOrSkip("libfaketime", () => (faketimeLibrary() ? undefined : "libfaketime is not installed (apt-get install libfaketime)"));
const describeRoot = requireOrSkip("root", () => (isRoot ? undefined : "bind mounts and tmpfs data dirs need root"));
const describeEtcd = requireOrSkip("etcd", () => (which("etcd") ? undefined : "etcd is not on PATH (apt-get install etcd-server)"));
const describeNetns = requireOrSkip("netns (Linux, root, ip, iptables)", netnsProblem);
const describePrlimit = requireOrSkip("prlimit", () => (which("prlimit") ? undefined : "prlimit is not on PATH (apt-get install util-linux)"));

let run: RunContext;
let plain: FaultlineCluster;
let n1: Node;

beforeAll(async () => {
  run = beginRun();
  plain = await provisionCluster(probeSpec(), { name: "plain", run });
  n1 = plain.node("n1");
});

afterAll(async () => {
  await plain?.stop();
  if (run) await endRun(run);
});

describeClock("clock", () => {
  let clocked: FaultlineCluster;
  let node: Node;
  const skew = async (): Promise<number> => {
    const before = Date.now();
    const { now } = await ask(node, "/time");
    return now! - (before + Date.now()) / 2;
  };

  beforeAll(async () => {
    clocked = await provisionCluster(probeSpec({ clock: true }), { name: "clocked", run });
    node = clocked.node("n1");
  });
  afterAll(() => clocked?.stop());

  it("moves the node's wall clock by the offset, and heal puts it back", async () => {
    expect(Math.abs(await skew())).toBeLessThan(500);
    const fault = await clocked.inject(clock({ node: "n1", offset: "-10m" }));
    expect(await skew()).toBeCloseTo(-600_000, -3);
    await fault.heal();
    expect(Math.abs(await skew())).toBeLessThan(500);
  });

  it("runs the node's clock at the rate from the moment of the fault, without a jump, until healed", async () => {
    await new Promise((resolve) => setTimeout(resolve, 1500)); // uptime a rate counted from start would jump by
    const fault = await clocked.inject(clock({ node: "n1", rate: 3 }));
    const first = { node: (await ask(node, "/time")).now!, real: Date.now() };
    expect(Math.abs(first.node - first.real)).toBeLessThan(500);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const second = { node: (await ask(node, "/time")).now!, real: Date.now() };
    expect((second.node - first.node) / (second.real - first.real)).toBeCloseTo(3, 0);
    await fault.heal();
    expect(Math.abs(await skew())).toBeLessThan(500);
  });

  it("keeps the fault on a node restarted under it", async () => {
    const fault = await clocked.inject(clock({ node: "n1", offset: "1m", rate: 2 }));
    await node.restart();
    expect(await skew()).toBeCloseTo(60_000, -3);
    await fault.heal();
    expect(Math.abs(await skew())).toBeLessThan(500);
  });
});

describeEtcd("clock on a Go program", () => {
  it("fails with FAULTLINE_FAULT_UNSUPPORTED naming why", async () => {
    const etcd = await provisionCluster(
      {
        nodes: 1,
        ports: ["client", "peer"],
        clock: true,
        command: ({ node }) => {
          const [client, peer] = [`http://127.0.0.1:${node.port("client")}`, `http://127.0.0.1:${node.port("peer")}`];
          return [
            "etcd",
            "--name",
            node.name,
            "--data-dir",
            node.dataDir,
            "--listen-client-urls",
            client,
            "--advertise-client-urls",
            client,
            "--listen-peer-urls",
            peer,
            "--initial-advertise-peer-urls",
            peer,
            "--initial-cluster",
            `${node.name}=${peer}`,
          ];
        },
        stop: { timeout: "2s" },
      },
      { name: "etcd", run },
    );
    try {
      const error = await rejection(etcd.inject(clock({ node: "n1", offset: "1m" })));
      expect(error.code).toBe("FAULTLINE_FAULT_UNSUPPORTED");
      expect(error.message).toMatch(/etcd is a Go program, which reads the clock through the vDSO/);
    } finally {
      await etcd.stop();
    }
  });
});

it("refuses a clock fault on a cluster without clock: true, saying how to enable it", async () => {
  const error = await rejection(plain.inject(clock({ node: "n1", offset: "1m" })));
  expect(error.code).toBe("FAULTLINE_FAULT_UNSUPPORTED");
  expect(error.hint).toMatch(/add clock: true/);
});

it("refuses a full disk on a cluster without disk.size", async () => {
  const error = await rejection(plain.inject(disk({ node: "n1", mode: "full" })));
  expect(error.code).toBe("FAULTLINE_FAULT_UNSUPPORTED");
  expect(error.hint).toMatch(/disk: \{ size/);
  expect(readdirSync(n1.dataDir)).not.toContain(".faultline-ballast");
});

it("corrupt flips exactly the bits asked with the node stopped; heal restores the bytes and the node", async () => {
  const original = Buffer.from(Array.from({ length: 4096 }, (_, i) => i & 0xff));
  writeFileSync(join(n1.dataDir, "data.bin"), original);
  const fault = await plain.inject(disk({ node: "n1", mode: "corrupt", path: "data.bin", bits: 16 }));
  expect(n1.state).toBe("stopped");
  const damaged = readFileSync(join(n1.dataDir, "data.bin"));
  const flipped = [...damaged].reduce((sum, byte, i) => sum + [...(byte ^ original[i]!).toString(2)].filter((b) => b === "1").length, 0);
  expect(flipped).toBe(16);
  expect(readdirSync(n1.dataDir)).toEqual(["data.bin"]); // no backup where the node would see it
  await fault.heal();
  expect(readFileSync(join(n1.dataDir, "data.bin")).equals(original)).toBe(true);
  expect(n1.state).toBe("running");
});

describePrlimit("resources", () => {
  it("nofile makes the node hit EMFILE; heal restores its old limit", async () => {
    const before = softNofile(n1.pid!);
    const held = readdirSync(`/proc/${n1.pid}/fd`).length;
    const fault = await plain.inject(resources({ node: "n1", nofile: held + 8 }));
    expect(softNofile(n1.pid!)).toBe(String(held + 8));
    const limited = await ask(n1, "/open?n=64");
    expect(limited).toMatchObject({ ok: false, code: "EMFILE" });
    expect(limited.opened).toBeLessThan(16); // about 8: descriptors held come and go with connections
    await fault.heal();
    expect(softNofile(n1.pid!)).toBe(before);
    expect(await ask(n1, "/open?n=64")).toMatchObject({ ok: true, opened: 64 });
  });
});

describeRoot("disk faults that need root", () => {
  it("readonly makes creating a file in the data dir fail with EROFS; heal makes it writable again", async () => {
    const fault = await plain.inject(disk({ node: "n1", mode: "readonly" }));
    expect(await ask(n1, "/create?name=new-file")).toEqual({ ok: false, code: "EROFS" });
    // The node's working directory is its data dir, which a bind mount cannot reach: said, not hidden.
    expect(fault.description).toMatch(/relative to the node's working directory.*stay writable/);
    await fault.heal();
    expect(await ask(n1, "/create?name=new-file")).toEqual({ ok: true });
  });

  it("refuses nproc on a node running as root, where the kernel does not enforce it", async () => {
    const error = await rejection(plain.inject(resources({ node: "n1", nproc: 16 })));
    expect(error.code).toBe("FAULTLINE_FAULT_UNSUPPORTED");
  });

  describe("on a size-limited data dir", () => {
    let sized: FaultlineCluster;
    let node: Node;
    beforeAll(async () => {
      sized = await provisionCluster(probeSpec({ disk: { size: "8m" } }), { name: "sized", run });
      node = sized.node("n1");
    });
    afterAll(() => sized?.stop());

    it("full makes writes fail with ENOSPC; heal frees the space", async () => {
      expect(await ask(node, "/append?bytes=65536")).toEqual({ ok: true });
      const fault = await sized.inject(disk({ node: "n1", mode: "full" }));
      expect(await ask(node, "/append?bytes=65536")).toEqual({ ok: false, code: "ENOSPC" });
      await fault.heal();
      expect(await ask(node, "/append?bytes=65536")).toEqual({ ok: true });
    });

    it("readonly remounts the data dir itself, so relative paths fail too", async () => {
      const fault = await sized.inject(disk({ node: "n1", mode: "readonly" }));
      expect(await ask(node, "/create?name=relative-file&relative=1")).toEqual({ ok: false, code: "EROFS" });
      expect(await ask(node, "/create?name=absolute-file")).toEqual({ ok: false, code: "EROFS" });
      await fault.heal();
      expect(await ask(node, "/create?name=relative-file&relative=1")).toEqual({ ok: true });
    });
  });
});

describeNetns("in a network namespace", () => {
  it("readonly reaches a node in its own mount namespace, where mounts made outside do not propagate", async () => {
    const isolated = await provisionCluster(probeSpec({ provisioner: "netns" }), { name: "isolated", run });
    try {
      const node = isolated.node("n1");
      const fault = await isolated.inject(disk({ node: "n1", mode: "readonly" }));
      expect(await ask(node, "/create?name=new-file")).toEqual({ ok: false, code: "EROFS" });
      await fault.heal();
      expect(await ask(node, "/create?name=new-file")).toEqual({ ok: true });
    } finally {
      await isolated.stop();
    }
  });
});
