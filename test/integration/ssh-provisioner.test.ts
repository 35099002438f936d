import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { utils } from "ssh2";
import { provisionCluster } from "../../src/wiring/start-cluster";
import type { FaultlineCluster } from "../../src/cluster/faultline-cluster";
import type { ClusterSpec } from "../../src/cluster/types";
import { isFaultlineError } from "../../src/common/errors";
import { faults } from "../../src/faults/catalog";
import { runClean } from "../../src/cli/clean-command";
import { runDoctor } from "../../src/cli/doctor-command";
import { beginRun, endRun, type RunContext } from "../../src/reaper/run-context";
import { requireOrSkip } from "../helpers/requirements";
import { PROBE, ask } from "../helpers/probe-node";
import { probes } from "../../src/cluster/probes";
import { recipes } from "../../src/recipes";
import { which } from "../../src/common/which";
import { until } from "../helpers/polling";
import { SshHosts, sshHostsProblem } from "../helpers/ssh-hosts";
import { fixturesDir, linkFaultline, repoRoot } from "../e2e/helpers/run-jest";

jest.setTimeout(90_000);

/** A node that needs nothing but coreutils on its host. */
const SLEEPERS: Omit<ClusterSpec, "nodes"> = { provisioner: "ssh", command: () => ["sleep", "600"], stop: { timeout: "2s" } };

/** The first file named `name` under `dir`. */
function findFile(dir: string, name: string): string | undefined {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isFile() && entry.name === name) return path;
    if (entry.isDirectory()) {
      const found = findFile(path, name);
      if (found) return found;
    }
  }
  return undefined;
}

/** Alive and not a zombie: a killed node whose session is gone waits for this machine's init to reap it. */
function running(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
  } catch {
    return false;
  }
}

async function failureOf(promise: Promise<unknown>): Promise<Error & { code?: string; hint?: string }> {
  return promise.then(
    () => {
      throw new Error("expected a failure");
    },
    (e: Error) => e,
  );
}

requireOrSkip("sshd hosts in namespaces (root, openssh-server)", sshHostsProblem)("provisioner ssh", () => {
  let run: RunContext;
  let hosts: SshHosts;
  beforeAll(async () => {
    run = beginRun();
    hosts = await SshHosts.start(run, 5, { withoutIptables: [3], privateFiles: [4] });
  });
  afterAll(async () => {
    await hosts?.stop();
    if (run) await endRun(run);
  });

  /** What a host keeps in its run folder, and the fl- chains in its firewall. */
  const leftovers = (index: number): string[] => {
    const dir = hosts.hosts[index]!.dir!;
    const files = existsSync(dir) ? readdirSync(dir) : [];
    const chains = hosts
      .inHost(index, ["iptables", "-S"])
      .stdout.split("\n")
      .filter((l) => l.includes(" fl-"));
    return [...files, ...chains];
  };
  const sshOn = (indexes: number[]) => ({ ...hosts.sshOptions(), hosts: indexes.map((i) => hosts.hosts[i]!) });

  it("refuses a host that does not accept the key, naming it, and leaves nothing there", async () => {
    const stranger = join(hosts.files, "stranger");
    writeFileSync(stranger, utils.generateKeyPairSync("ed25519").private, { mode: 0o600 });
    const error = await failureOf(provisionCluster({ ...SLEEPERS, nodes: 1, ssh: { ...sshOn([0]), identity: stranger } }, { name: "ssh-key", run }));
    expect(error).toMatchObject({ code: "FAULTLINE_SSH", hint: expect.stringContaining("authorized_keys") });
    expect(error.message).toContain(`root@${hosts.hosts[0]!.host}`);
    expect(error.message).toMatch(/refused our key/);
    expect(leftovers(0)).toEqual([]);
  });

  it("refuses an unknown host key unless told to accept new ones, and then remembers it", async () => {
    const knownHosts = join(hosts.files, "empty_known_hosts");
    writeFileSync(knownHosts, "");
    const error = await failureOf(provisionCluster({ ...SLEEPERS, nodes: 1, ssh: { ...sshOn([0]), knownHosts } }, { name: "ssh-hostkey", run }));
    expect(error).toMatchObject({ code: "FAULTLINE_SSH", hint: expect.stringContaining("ssh-keyscan") });
    expect(error.message).toMatch(/host key is not in/);

    const cluster = await provisionCluster({ ...SLEEPERS, nodes: 1, ssh: { ...sshOn([0]), knownHosts, hostKeys: "accept-new" } }, { name: "ssh-accept", run });
    await cluster.stop();
    const line = readFileSync(knownHosts, "utf8").trim();
    expect(line).toBe(readFileSync(hosts.knownHosts, "utf8").split("\n")[0]);
    // A changed key is refused even with accept-new.
    writeFileSync(knownHosts, line.replace(/ \S+$/, ` ${utils.generateKeyPairSync("ed25519").public.split(" ")[1]}`) + "\n");
    const changed = await failureOf(
      provisionCluster({ ...SLEEPERS, nodes: 1, ssh: { ...sshOn([0]), knownHosts, hostKeys: "accept-new" } }, { name: "ssh-changed", run }),
    );
    expect(changed.message).toMatch(/host key differs/);
  });

  it("runs, signals, pauses and restarts nodes in their own process groups on the hosts, and removes them", async () => {
    const cluster = await provisionCluster({ ...SLEEPERS, nodes: 3, ssh: sshOn([0, 1, 2]) }, { name: "ssh-sleep", run });
    try {
      const n2 = cluster.node("n2");
      const pid = n2.pid!;
      // The node is the leader of its own group, marked as the run's, inside host 1's namespace.
      expect(execFileSync("ps", ["-o", "pgid=", "-p", String(pid)], { encoding: "utf8" }).trim()).toBe(String(pid));
      expect(hosts.pids(1)).toContain(pid);
      expect(readFileSync(`/proc/${pid}/environ`, "utf8")).toMatch(/FAULTLINE_SSH_RUN=/);
      await n2.pause();
      expect(await until(() => readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] === "T", 2000)).toBe(true);
      await n2.resume();
      const killed = await cluster.inject(faults.kill({ node: "n2" }));
      expect(n2.state).toBe("exited");
      expect(n2.exitSignal).toBe("SIGKILL");
      expect(existsSync(`/proc/${pid}`)).toBe(false);
      await killed.heal();
      expect(n2.state).toBe("running");
      expect(n2.pid).not.toBe(pid);
      expect(cluster.timeline.format(undefined, 200)).toMatch(/ssh: n1 on root@198\.18/);
    } finally {
      await cluster.stop();
    }
    for (const i of [0, 1, 2]) expect(leftovers(i)).toEqual([]);
  });

  it("refuses a partition on a host without iptables with FAULTLINE_FAULT_UNSUPPORTED naming the host; kills still work there", async () => {
    const cluster = await provisionCluster({ ...SLEEPERS, nodes: 2, ssh: sshOn([0, 3]) }, { name: "ssh-noipt", run });
    try {
      const error = await failureOf(cluster.inject(faults.partition({ isolate: "n2" })));
      expect(error).toMatchObject({ code: "FAULTLINE_FAULT_UNSUPPORTED" });
      expect(error.message).toContain(`root@${hosts.hosts[3]!.host}`);
      expect(error.message).toMatch(/iptables/);
      expect(cluster.activeFaults).toHaveLength(0);
      expect(leftovers(0).filter((l) => l.includes(" fl-"))).toEqual([]);
      await (await cluster.inject(faults.kill({ node: "n2" }))).heal();
      expect(cluster.node("n2").state).toBe("running");
    } finally {
      await cluster.stop();
    }
  });

  it("when a host crashes mid-run: its node is gone, faults there fail naming the host, and the rest is removed", async () => {
    const cluster = await provisionCluster({ ...SLEEPERS, nodes: 3, ssh: sshOn([0, 1, 2]) }, { name: "ssh-crash", run });
    let crashed: FaultlineCluster | undefined = cluster;
    try {
      const partition = await cluster.inject(faults.partition({ isolate: "n1" }));
      expect(leftovers(0).some((l) => l.includes(" fl-"))).toBe(true);
      await partition.heal();
      // Host 2 takes its sshd, the sessions and the node down at once.
      hosts.crash(2);
      expect(await until(() => cluster.node("n3").state === "exited", 10_000)).toBe(true);
      const error = await failureOf(cluster.inject(faults.partition({ isolate: "n3" })));
      expect(isFaultlineError(error)).toBe(true);
      expect(error.message).toContain(`root@${hosts.hosts[2]!.host}`);
      expect(cluster.activeFaults).toHaveLength(0);
      await cluster.stop();
      crashed = undefined;
      for (const i of [0, 1]) expect(leftovers(i)).toEqual([]);
    } finally {
      await crashed?.stop().catch(() => undefined);
      await hosts.restart(2);
    }
  });

  it("faultline clean --hosts removes what a dead run left (marked processes, chains, folder), and leaves a live run alone", async () => {
    const live = await provisionCluster({ ...SLEEPERS, nodes: 1, ssh: sshOn([0]) }, { name: "ssh-live", run });
    try {
      // A dead run: its folder lists a process marked as its own and a chain, and nobody holds its lease.
      const dead = join(hosts.hosts[0]!.dir!, "dead00-abcdef");
      const sleeper = spawn("sleep", ["600"], { env: { ...process.env, FAULTLINE_SSH_RUN: "dead00-abcdef" }, stdio: "ignore", detached: true });
      await until(() => sleeper.pid !== undefined && existsSync(`/proc/${sleeper.pid}`), 5000);
      execFileSync("mkdir", ["-p", dead]);
      writeFileSync(join(dead, "mark"), "dead00-abcdef\n");
      // The leader's start time as the launch records it: a recycled pid would not match.
      const start = readFileSync(`/proc/${sleeper.pid}/stat`, "utf8").split(") ")[1]!.split(" ")[19];
      writeFileSync(join(dead, "pgids"), `${sleeper.pid} ${start}\n`);
      writeFileSync(join(dead, "chains"), "fl-dead00-abcdef-p1\n");
      expect(hosts.inHost(0, ["iptables", "-w", "-N", "fl-dead00-abcdef-p1"]).code).toBe(0);
      expect(hosts.inHost(0, ["iptables", "-w", "-I", "INPUT", "-j", "fl-dead00-abcdef-p1"]).code).toBe(0);
      const hostsFile = join(hosts.files, "hosts.txt");
      writeFileSync(hostsFile, `# one host\nroot@${hosts.hosts[0]!.host}:${hosts.hosts[0]!.port}\n`);
      let out = "";
      const sink = { write: (chunk: string) => ((out += chunk), true) } as unknown as NodeJS.WritableStream;
      const code = await runClean(["--hosts", hostsFile, "--identity", hosts.identity, "--known-hosts", hosts.knownHosts, "--dir", hosts.hosts[0]!.dir!], sink);
      expect({ code, out }).toEqual({ code: 0, out: expect.stringContaining(`swept ${dead}`) });
      expect(out).toContain(`killed process group ${sleeper.pid}`);
      expect(out).toContain("removed chain fl-dead00-abcdef-p1");
      expect(await until(() => sleeper.exitCode !== null || sleeper.signalCode !== null, 5000)).toBe(true);
      expect(existsSync(dead)).toBe(false);
      expect(leftovers(0).filter((l) => l.includes("dead00"))).toEqual([]);
      // The live run's folder and node are still there.
      expect(live.node("n1").state).toBe("running");
      expect(readdirSync(hosts.hosts[0]!.dir!)).toHaveLength(1);

      let report = "";
      const reportSink = { write: (chunk: string) => ((report += chunk), true) } as unknown as NodeJS.WritableStream;
      const hostsFile2 = join(hosts.files, "hosts2.txt");
      writeFileSync(hostsFile2, `root@${hosts.hosts[3]!.host}:${hosts.hosts[3]!.port}\n`);
      await runDoctor(["--hosts", hostsFile2, "--identity", hosts.identity, "--known-hosts", hosts.knownHosts], reportSink);
      expect(report).toMatch(new RegExp(`✓ root@${hosts.hosts[3]!.host.replace(/\./g, "\\.")} .*uid 0`));
      expect(report).toMatch(/✗ partition: no iptables-restore/);
      expect(report).toMatch(/✗ bandwidth: no tc or ip/);
      expect(report).toMatch(/✓ clock skew/);
    } finally {
      await live.stop();
    }
  });

  it("moves a node's clock, makes its data dir read-only and full, lowers its limits and its bandwidth, on its host", async () => {
    const cluster = await provisionCluster(
      {
        nodes: 2,
        provisioner: "ssh",
        ssh: sshOn([0, 1]),
        clock: true,
        disk: { size: "4m" },
        ports: ["http"],
        command: ({ node }) => [process.execPath, "-e", PROBE, node.host, String(node.port("http")), node.dataDir],
        ready: probes.http({ port: "http", path: "/time" }),
        stop: { timeout: "2s" },
      },
      { name: "ssh-host-faults", run },
    );
    try {
      const n1 = cluster.node("n1");
      const skew = async (): Promise<number> => (await ask(n1, "/time")).now! - Date.now();
      expect(Math.abs(await skew())).toBeLessThan(60_000);
      const clocked = await cluster.inject(faults.clock({ node: "n1", offset: "-10m" }));
      expect(await skew()).toBeLessThan(-9 * 60_000);
      await clocked.heal();
      expect(Math.abs(await skew())).toBeLessThan(60_000);

      expect((await ask(n1, "/create?name=a")).ok).toBe(true);
      const readonly = await cluster.inject(faults.disk({ node: "n1", mode: "readonly" }));
      expect(await ask(n1, "/create?name=b")).toMatchObject({ ok: false, code: "EROFS" });
      await readonly.heal();
      expect((await ask(n1, "/create?name=b")).ok).toBe(true);

      const full = await cluster.inject(faults.disk({ node: "n1", mode: "full" }));
      expect(await ask(n1, "/append?bytes=4096")).toMatchObject({ ok: false, code: "ENOSPC" });
      await full.heal();
      expect((await ask(n1, "/append?bytes=4096")).ok).toBe(true);

      const limited = await cluster.inject(faults.resources({ node: "n1", nofile: 64 }));
      expect(await ask(n1, "/open?n=200")).toMatchObject({ ok: false, code: "EMFILE" });
      await limited.heal();
      expect(await ask(n1, "/open?n=200")).toMatchObject({ ok: true, opened: 200 });

      // 150 KB at 50 KB/s takes three seconds however fast the link is; healed, a fraction of that.
      const download = async (): Promise<number> => {
        const started = Date.now();
        expect((await ask(n1, "/bulk?bytes=150000")).bulk).toHaveLength(150_000);
        return Date.now() - started;
      };
      const slow = await cluster.inject(faults.bandwidth({ node: "n1", rate: 50 }));
      const limitedMs = await download();
      expect(limitedMs).toBeGreaterThan(2000);
      const [folder] = readdirSync(hosts.hosts[0]!.dir!);
      expect(readFileSync(join(hosts.hosts[0]!.dir!, folder!, "qdiscs"), "utf8")).toMatch(/^eth0$/m);
      await slow.heal();
      expect(await download()).toBeLessThan(limitedMs / 3);
    } finally {
      await cluster.stop();
    }
    expect(leftovers(0)).toEqual([]);
  });

  it("refuses a clock fault on a Go program (etcd), which libfaketime cannot reach, as the host's binary shows", async () => {
    if (!which("etcd")) throw new Error("etcd is required here (apt-get install etcd-server)");
    const cluster = await provisionCluster({ ...recipes.etcd({ nodes: 1, provisioner: "ssh" }), ssh: sshOn([1]), clock: true }, { name: "ssh-go-clock", run });
    try {
      const error = await failureOf(cluster.inject(faults.clock({ node: "n1", offset: "1m" })));
      expect(error).toMatchObject({ code: "FAULTLINE_FAULT_UNSUPPORTED" });
      expect(error.message).toMatch(/etcd is a Go program/);
    } finally {
      await cluster.stop();
    }
  });

  it("through the Jest preset: the report names each node's host", () => {
    const project = join(fixturesDir, "reaper-ssh");
    linkFaultline(project);
    const reportDir = mkdtempSync(join(tmpdir(), "fl-ssh-report-"));
    try {
      const result = spawnSync(process.execPath, [join(repoRoot, "node_modules", "jest", "bin", "jest.js"), "--runInBand", "placed"], {
        cwd: project,
        env: { ...process.env, FAULTLINE_RUN_DIR: "", FAULTLINE_TEST_REPORT_DIR: reportDir, FAULTLINE_TEST_SSH: JSON.stringify(sshOn([0, 1, 2])) },
        encoding: "utf8",
      });
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: expect.stringContaining("1 passed") });
      const outcome = findFile(reportDir, "outcome.json");
      const placements = (JSON.parse(readFileSync(outcome!, "utf8")) as { clusters: Array<{ placements?: Record<string, string> }> }).clusters[0]?.placements;
      expect(placements).toEqual({
        n1: `root@${hosts.hosts[0]!.host} (${hosts.hosts[0]!.host})`,
        n2: `root@${hosts.hosts[1]!.host} (${hosts.hosts[1]!.host})`,
        n3: `root@${hosts.hosts[2]!.host} (${hosts.hosts[2]!.host})`,
      });
      expect(readFileSync(findFile(reportDir, "index.html")!, "utf8")).toContain(`n1 on root@${hosts.hosts[0]!.host}`);
    } finally {
      rmSync(reportDir, { recursive: true, force: true });
    }
    for (const i of [0, 1, 2]) expect(leftovers(i)).toEqual([]);
  });

  it("uploads what the cluster's command writes into a data dir to a host that does not share this machine's files, and removes it there", async () => {
    const cluster = await provisionCluster(
      {
        nodes: 1,
        provisioner: "ssh",
        ssh: sshOn([4]),
        command: ({ node }) => {
          writeFileSync(join(node.dataDir, "greeting.txt"), `hello from ${node.name} at ${Date.now()}`);
          return ["sh", "-c", "cat greeting.txt; echo; exec sleep 600"];
        },
        stop: { timeout: "2s" },
      },
      { name: "ssh-upload", run },
    );
    const n1 = cluster.node("n1");
    try {
      // The host does not see this machine's copy: what it printed came over the wire.
      expect(hosts.onHost(4, ["cat", join(n1.dataDir, "greeting.txt")]).stdout).toBe(readFileSync(join(n1.dataDir, "greeting.txt"), "utf8"));
      const first = await n1.waitForLog(/hello from n1/, "5s");
      await n1.restart();
      await n1.waitForLog(new RegExp(`hello from n1 at (?!${/at (\d+)/.exec(first)![1]})`), "5s");
    } finally {
      await cluster.stop();
    }
    expect(hosts.onHost(4, ["ls", "-A", hosts.hosts[4]!.dir!]).stdout).toBe("");
    expect(hosts.onHost(4, ["test", "-e", n1.dataDir]).code).toBe(1);
  });

  it("when the test process is SIGKILLed, the hosts remove its nodes, chains and folders at once", async () => {
    const project = join(fixturesDir, "reaper-ssh");
    linkFaultline(project);
    const dir = mkdtempSync(join(tmpdir(), "fl-reaper-ssh-"));
    const pidsFile = join(dir, "pids.json");
    const jest = spawn(process.execPath, [join(repoRoot, "node_modules", "jest", "bin", "jest.js"), "--runInBand", "hang"], {
      cwd: project,
      env: { ...process.env, FAULTLINE_RUN_DIR: "", FAULTLINE_PIDS_FILE: pidsFile, FAULTLINE_TEST_SSH: JSON.stringify(sshOn([0, 1, 2])) },
      stdio: ["ignore", "ignore", openSync(join(dir, "jest.log"), "w")],
    });
    try {
      if (!(await until(() => existsSync(pidsFile), 60_000))) throw new Error(`the fixture never came up:\n${readFileSync(join(dir, "jest.log"), "utf8")}`);
      const { pids, runDir } = JSON.parse(readFileSync(pidsFile, "utf8")) as { pids: number[]; runDir: string };
      const runId = basename(runDir);
      expect(pids.every((pid) => existsSync(`/proc/${pid}`))).toBe(true);
      expect([0, 1, 2].flatMap(leftovers).filter((l) => l.includes(`fl-${runId}`)).length).toBeGreaterThan(0);

      jest.kill("SIGKILL");

      expect(await until(() => [0, 1, 2].every((i) => leftovers(i).length === 0), 15_000)).toBe(true);
      expect(await until(() => !pids.some(running), 5000)).toBe(true);
    } finally {
      if (jest.exitCode === null) jest.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
