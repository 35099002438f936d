import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Docker from "dockerode";
import { Timeline } from "../../src/cluster/timeline";
import type { ClusterSpec, Node } from "../../src/cluster/types";
import { isFaultlineError } from "../../src/common/errors";
import { DockerProvisioner } from "../../src/provisioners/docker-provisioner";
import type { NodeProcess, NodeSlot } from "../../src/cluster/provisioner";
import { cleanupRun } from "../../src/reaper/cleanup";
import { beginRun, endRun, type RunContext } from "../../src/reaper/run-context";
import { requireOrSkip } from "../helpers/requirements";
import { dockerProblem, ensureEtcdImage, ETCD_IMAGE, etcdArgv, health, httpCall, labelled, status, until } from "./docker-helpers";

jest.setTimeout(60_000);

const describeDocker = requireOrSkip("a Docker engine", dockerProblem);
const NAMES = ["n1", "n2", "n3"];
const SPEC: ClusterSpec = { nodes: NAMES, provisioner: "docker", command: () => [], docker: { image: ETCD_IMAGE } };

describeDocker("DockerProvisioner (3 etcd containers)", () => {
  const docker = new Docker();
  let run: RunContext;
  let provisioner: DockerProvisioner;
  let slots: NodeSlot[];
  let nodes: Node[];
  const processes = new Map<string, NodeProcess>();
  const output = new Map<string, string>();
  const slot = (name: string): NodeSlot => slots.find((s) => s.name === name)!;

  async function launch(name: string): Promise<NodeProcess> {
    const s = slot(name);
    const node = await provisioner.launch(s, {
      argv: etcdArgv(s, slots),
      env: { ...(process.env as Record<string, string>), ETCD_SNAPSHOT_COUNT: "1000" },
      cwd: s.dataDir,
      onOutput: (chunk) => output.set(name, (output.get(name) ?? "") + chunk.toString()),
    });
    processes.set(name, node);
    return node;
  }
  const allHealthy = (): Promise<string[]> => Promise.all(slots.map((s) => health(s)));
  const waitAllHealthy = (ms = 15_000): Promise<string[]> => until("all members healthy", allHealthy, (h) => h.every((x) => x === "true"), ms);

  beforeAll(async () => {
    run = beginRun();
    await ensureEtcdImage(docker);
    provisioner = new DockerProvisioner(SPEC);
    slots = await provisioner.prepare({
      cluster: "etcd",
      dir: join(run.dir, "etcd-1"),
      run,
      timeline: new Timeline(),
      ports: ["client", "peer"],
      nodes: NAMES.map((name, index) => ({ name, index })),
    });
    nodes = slots.map((s) => ({ name: s.name, index: s.index, host: s.host }) as Node);
    await Promise.all(NAMES.map(launch));
    await waitAllHealthy(20_000);
  });

  afterAll(async () => {
    await provisioner?.dispose().catch(() => undefined);
    if (run) await endRun(run);
  });

  it("gives each node a fixed IP in 198.19.0.0/16, constant ports, and its data dir at the same path", async () => {
    expect(new Set(slots.map((s) => s.host)).size).toBe(3);
    for (const s of slots) expect(s.host).toMatch(/^198\.19\.\d+\.\d+$/);
    expect(slots.map((s) => s.ports)).toEqual([0, 1, 2].map(() => ({ client: 10000, peer: 10001 })));
    expect(provisioner.peerAddress(slot("n1"), slot("n2"), "peer")).toBe(`${slot("n2").host}:10001`);
    for (const s of slots) {
      expect(s.dataDir).toBe(join(run.dir, "etcd-1", s.name));
      expect(readdirSync(s.dataDir)).toContain("member"); // etcd wrote through the bind mount
    }
    const info = await docker.getContainer(await containerId("n1")).inspect();
    expect(info.Config.Labels).toMatchObject({ "faultline.run": run.id, "faultline.cluster": "etcd", "faultline.node": "n1" });
    expect(info.Mounts.map((m) => [m.Source, m.Destination])).toContainEqual([slot("n1").dataDir, slot("n1").dataDir]);
    expect(info.Config.Env).toContain("ETCD_SNAPSHOT_COUNT=1000");
    expect(info.Config.Env.some((e) => e.startsWith("JEST_WORKER_ID="))).toBe(false); // the test's own environment stays out
    expect(info.Config.WorkingDir).toBe(slot("n1").dataDir);
    const network = Object.values(info.NetworkSettings.Networks)[0]!;
    expect(network.IPAddress).toBe(slot("n1").host);
  });

  it("reports the container's init process as the host pid", () => {
    const pid = processes.get("n1")!.pid!;
    expect(readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0]).toBe("etcd");
  });

  it("streams each container's output into onOutput", () => {
    expect(output.get("n1")).toMatch(/raft|etcd/);
  });

  it("pauses and resumes a container", async () => {
    await processes.get("n3")!.pause();
    try {
      expect(await health(slot("n3"))).toBe("timeout");
    } finally {
      await processes.get("n3")!.resume();
    }
    await until(
      "n3 healthy after resume",
      () => health(slot("n3")),
      (h) => h === "true",
      10_000,
    );
  });

  it("isolating the leader with iptables stops its peer traffic; healing restores the cluster", async () => {
    const before = (await until(
      "a leader",
      () => status(slot("n1")),
      (s) => Boolean(s?.leader),
      10_000,
    ))!;
    const members = await Promise.all(slots.map(async (s) => [(await status(s))!.member, s.name] as const));
    const leader = new Map(members).get(before.leader)!;
    const others = NAMES.filter((n) => n !== leader);
    const grudge = { [leader]: others, ...Object.fromEntries(others.map((n) => [n, [leader]])) };
    const { undo, mechanism } = await provisioner.controls.network.partition!(grudge, nodes);
    expect(mechanism).toContain("iptables");
    try {
      // The majority elects another leader; the old one, hearing nobody, loses its leadership.
      const elected = await until(
        "a new leader on the majority side",
        () => status(slot(others[0]!)),
        (s) => Boolean(s?.leader) && s!.leader !== before.leader,
        10_000,
      );
      expect(elected!.leader).not.toBe(before.leader);
      await until(
        "the isolated node unhealthy",
        () => health(slot(leader)),
        (h) => h !== "true",
        10_000,
      );
      expect(await health(slot(others[1]!))).toBe("true");
    } finally {
      await undo();
    }
    await waitAllHealthy();
    await undo(); // twice is safe
  });

  it("drops every packet of a node with loss 1.0, and heals", async () => {
    const loss = provisioner.controls.network.loss!;
    const { undo, mechanism } = await loss([nodes[1]!], 1.0);
    expect(mechanism).toContain("statistic");
    try {
      expect(await health(slot("n2"))).toBe("timeout");
    } finally {
      await undo();
    }
    await until(
      "n2 answers after loss heals",
      () => health(slot("n2")),
      (h) => h === "true" || h === "false",
      5_000,
    );
  });

  it("limits a node's outgoing rate with tc tbf", async () => {
    const fetchMetrics = async (): Promise<{ ms: number; bytes: number }> => {
      const started = Date.now();
      const result = await httpCall(`http://${slot("n1").host}:10000/metrics`, { timeoutMs: 20_000 });
      if (typeof result === "string") throw new Error(`GET /metrics: ${result}`);
      return { ms: Date.now() - started, bytes: result.body.length };
    };
    const free = await fetchMetrics();
    const rate = Math.max(10, Math.round(free.bytes / 1000)); // KB/s: about one second for the body
    const { undo, mechanism } = await provisioner.controls.network.bandwidth!([nodes[0]!], rate);
    expect(mechanism).toContain("tbf");
    let limited: { ms: number; bytes: number };
    try {
      limited = await fetchMetrics();
    } finally {
      await undo();
    }
    // The body alone takes bytes/rate seconds, less what the bucket's initial burst lets through.
    const burst = Math.max(4 * 1514, (rate * 1000) / 50);
    expect(limited.ms).toBeGreaterThan(((limited.bytes - burst) / (rate * 1000)) * 1000 * 0.8);
    expect(limited.ms).toBeGreaterThan(free.ms * 5);
    expect((await fetchMetrics()).ms).toBeLessThan(limited.ms / 3); // healed
  });

  it("observes a SIGKILL as the container's exit, and a relaunch keeps a partition in force", async () => {
    const n3 = processes.get("n3")!;
    await n3.signal("SIGKILL");
    expect(await n3.exited).toEqual({ code: null, signal: "SIGKILL" });
    void n3.release(); // as ClusterNode does on exit: the relaunch below must wait for this removal
    const { undo } = await provisioner.controls.network.partition!({ n3: ["n1", "n2"], n1: ["n3"], n2: ["n3"] }, nodes);
    try {
      const relaunched = await launch("n3"); // a new container (the old one is removed), same name, same data dir
      const rules = spawnSync("nsenter", [`--net=/proc/${relaunched.pid}/ns/net`, "iptables", "-S", "INPUT"], { encoding: "utf8" }).stdout;
      expect(rules).toMatch(new RegExp(`-A INPUT -j fl-${run.id}-p\\d+`));
      await new Promise((r) => setTimeout(r, 1500));
      expect(await health(slot("n3"))).not.toBe("true"); // it cannot hear the leader
    } finally {
      await undo();
    }
    await waitAllHealthy();
    expect((await labelled(docker, run.id)).containers).toHaveLength(3);
  });

  it("fails with FAULTLINE_DOCKER and how to build it when the image is missing", async () => {
    const missing = new DockerProvisioner({ ...SPEC, docker: { image: "faultline/absent:local" } });
    const error = await missing
      .prepare({ cluster: "absent", dir: join(run.dir, "absent"), run, timeline: new Timeline(), ports: [], nodes: [{ name: "n1", index: 0 }] })
      .catch((e: unknown) => e);
    expect(isFaultlineError(error) && error.code).toBe("FAULTLINE_DOCKER");
    expect((error as Error).message).toContain("faultline image from-host --binary");
    await missing.dispose();
  });

  it("fails with FAULTLINE_DOCKER and a DOCKER_HOST hint when no engine answers", async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = "tcp://127.0.0.1:1";
    try {
      const error = await new DockerProvisioner(SPEC)
        .prepare({ cluster: "nowhere", dir: join(run.dir, "nowhere"), run, timeline: new Timeline(), ports: [], nodes: [] })
        .catch((e: unknown) => e);
      expect(isFaultlineError(error) && error.code).toBe("FAULTLINE_DOCKER");
      expect((error as Error).message).toMatch(/no Docker engine answers at DOCKER_HOST=tcp:\/\/127\.0\.0\.1:1[\s\S]*Hint: .*DOCKER_HOST/);
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });

  it("takes a cluster's subnet from network.subnet, and never the same as another cluster's", async () => {
    const spec = { ...SPEC, network: { subnet: "198.19.240.0/22" } };
    const prepare = (p: DockerProvisioner, name: string): Promise<NodeSlot[]> =>
      p.prepare({ cluster: name, dir: join(run.dir, name), run, timeline: new Timeline(), ports: ["client"], nodes: [{ name: "n1", index: 0 }] });
    const [a, b] = [new DockerProvisioner(spec), new DockerProvisioner(spec)];
    try {
      const [[sa], [sb]] = await Promise.all([prepare(a, "sub-a"), prepare(b, "sub-b")]);
      for (const s of [sa!, sb!]) expect(s.host).toMatch(/^198\.19\.24[0-3]\.2$/);
      expect(sa!.host).not.toBe(sb!.host);
    } finally {
      await Promise.all([a.dispose(), b.dispose()]);
    }
  });

  it("puts the data dir on a size-limited tmpfs with docker.tmpfs {dataDir}: a full disk", async () => {
    const small = new DockerProvisioner({ ...SPEC, docker: { image: ETCD_IMAGE, tmpfs: { "{dataDir}": "size=1m" } } });
    try {
      const [s] = await small.prepare({
        cluster: "full",
        dir: join(run.dir, "full"),
        run,
        timeline: new Timeline(),
        ports: ["client", "peer"],
        nodes: [{ name: "n1", index: 0 }],
      });
      let log = "";
      const node = await small.launch(s!, { argv: etcdArgv(s!, [s!]), env: {}, cwd: s!.dataDir, onOutput: (chunk) => (log += chunk.toString()) });
      const exit = await node.exited; // etcd preallocates a 64 MB WAL
      expect(exit.code).not.toBe(0);
      expect(log).toMatch(/no space left on device/);
    } finally {
      await small.dispose();
    }
  });

  it("without namespace access, isolates one node by disconnecting it, and refuses other grudges", async () => {
    process.env.FAULTLINE_DOCKER_FAULTS = "engine"; // what a non-root user or a remote engine gets
    const engineOnly = new DockerProvisioner(SPEC);
    try {
      const pair = await engineOnly.prepare({
        cluster: "engine-only",
        dir: join(run.dir, "engine-only"),
        run,
        timeline: new Timeline(),
        ports: ["client", "peer"],
        nodes: [
          { name: "a", index: 0 },
          { name: "b", index: 1 },
        ],
      });
      // Two one-member clusters: enough to see the network cut and restored.
      await Promise.all(pair.map((s) => engineOnly.launch(s, { argv: etcdArgv(s, [s]), env: {}, cwd: s.dataDir, onOutput: () => undefined })));
      await until(
        "both answer",
        () => Promise.all(pair.map((s) => health(s))),
        (h) => h.every((x) => x === "true"),
        15_000,
      );
      const pairNodes = pair.map((s) => ({ name: s.name }) as Node);
      // Loss and bandwidth between nodes need the namespaces: refused, never moved to client links.
      await expect(engineOnly.controls.network.loss!(pairNodes, 0.5)).rejects.toMatchObject({ code: "FAULTLINE_FAULT_UNSUPPORTED", option: "loss.links" });
      await expect(engineOnly.controls.network.bandwidth!(pairNodes, 100)).rejects.toMatchObject({
        code: "FAULTLINE_FAULT_UNSUPPORTED",
        option: "bandwidth.links",
      });
      const refused = await engineOnly.controls.network.partition!({ a: ["b"] }, pairNodes).catch((e: unknown) => e);
      expect(isFaultlineError(refused) && refused.code).toBe("FAULTLINE_FAULT_UNSUPPORTED");
      const { undo, mechanism } = await engineOnly.controls.network.partition!({ a: ["b"], b: ["a"] }, pairNodes);
      expect(mechanism).toMatch(/docker network disconnect/);
      expect(await health(pair[0]!)).not.toBe("true");
      await undo();
      await until(
        "a answers again on its old IP",
        () => health(pair[0]!),
        (h) => h === "true",
        10_000,
      );
    } finally {
      delete process.env.FAULTLINE_DOCKER_FAULTS;
      await engineOnly.dispose();
    }
  });

  it("removes every container and the network on dispose; cleanupRun then finds nothing", async () => {
    expect((await labelled(docker, run.id)).networks).toHaveLength(1);
    await provisioner.dispose();
    await provisioner.dispose(); // idempotent
    expect(await labelled(docker, run.id)).toEqual({ containers: [], networks: [] });
    expect(await cleanupRun(run.dir)).toEqual({ removed: [], failed: [], refused: [] });
    expect(await labelled(docker, run.id)).toEqual({ containers: [], networks: [] });
    expect(existsSync(join(run.dir, "etcd-1", "n1", "member"))).toBe(true); // data stays for the report; the run dir goes with endRun
  });

  async function containerId(node: string): Promise<string> {
    const list = await docker.listContainers({ all: true, filters: { label: [`faultline.run=${run.id}`, `faultline.node=${node}`] } });
    return list[0]!.Id;
  }
});
