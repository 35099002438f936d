import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { requireOrSkip } from "../helpers/requirements";
import { Registry } from "../../src/reaper/registry";
import { sweepDockerObjects } from "../../src/reaper/docker-sweep";
import { sweepDeadRuns } from "../../src/reaper/sweep";
import { dockerProblem, ensureEtcdImage, ETCD_IMAGE, labelled, repoRoot, transpileSrc, until } from "./docker-helpers";

jest.setTimeout(90_000);

const describeDocker = requireOrSkip("a Docker engine", dockerProblem);

/**
 * A process that begins its own run and provisions one etcd container, and SIGKILLs itself the
 * moment the engine answers the create of its network ("network") or of its container
 * ("container"): the object exists, and nothing after the create has run.
 */
const CHILD = `
const [lib, report, image, victim] = process.argv.slice(2);
const { DockerProvisioner } = require(lib + "/provisioners/docker-provisioner.js");
const { connectEngine } = require(lib + "/provisioners/docker/docker-engine.js");
const { beginRun } = require(lib + "/reaper/run-context.js");
const { Timeline } = require(lib + "/cluster/timeline.js");
(async () => {
  const run = beginRun();
  require("fs").writeFileSync(report, JSON.stringify({ runId: run.id, runDir: run.dir }));
  // Every engine the provisioner connects to dies with us right after the chosen create.
  const engine = await connectEngine();
  const method = victim === "network" ? "createNetwork" : "createContainer";
  const create = engine.docker[method].bind(engine.docker);
  engine.docker[method] = (options) => create(options).then((made) => process.kill(process.pid, "SIGKILL"));
  require.cache[require.resolve(lib + "/provisioners/docker/docker-engine.js")].exports.connectEngine = async () => engine;
  const provisioner = new DockerProvisioner({ nodes: 1, provisioner: "docker", command: () => [], docker: { image } });
  const [slot] = await provisioner.prepare({ cluster: "intent", dir: run.dir + "/intent-1", run, timeline: new Timeline(),
    ports: ["client"], nodes: [{ name: "n1", index: 0 }] });
  await provisioner.launch(slot, { argv: ["etcd", "--data-dir", slot.dataDir], env: {}, cwd: slot.dataDir, onOutput() {} });
})().catch((error) => { console.error(error); process.exit(1); });
`;

describeDocker("Docker objects of a process SIGKILLed right after the engine made them", () => {
  const docker = new Docker();
  let lib: string;

  beforeAll(async () => {
    await ensureEtcdImage(docker);
    lib = transpileSrc(
      ["provisioners/docker-provisioner.ts", "provisioners/docker/docker-engine.ts", "reaper/run-context.ts", "reaper/watchdog-main.ts", "cluster/timeline.ts"],
      join(repoRoot, ".tmp", `docker-intent-${process.pid}`),
    );
  });

  afterAll(() => {
    if (lib) rmSync(lib, { recursive: true, force: true });
  });

  async function killedAfterCreate(victim: "network" | "container"): Promise<void> {
    const report = join(lib, `${victim}.json`);
    writeFileSync(join(lib, "child.js"), CHILD);
    let stderr = "";
    const child = spawn(process.execPath, [join(lib, "child.js"), lib, report, ETCD_IMAGE, victim], {
      env: { ...process.env, FAULTLINE_RUN_DIR: "" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise((resolve) => child.once("exit", resolve));
    expect({ signal: child.signalCode, stderr }).toEqual({ signal: "SIGKILL", stderr: "" });
    const { runId, runDir } = JSON.parse(readFileSync(report, "utf8")) as { runId: string; runDir: string };
    try {
      await until(
        "the watchdog removes the run",
        async () => existsSync(runDir),
        (exists) => !exists,
        30_000,
      );
      expect(await labelled(docker, runId)).toEqual({ containers: [], networks: [] });
    } finally {
      // Whatever the reaper left is removed here, so a failure does not leak into other tests.
      const left = await labelled(docker, runId);
      for (const id of left.containers)
        await docker
          .getContainer(id)
          .remove({ force: true })
          .catch(() => undefined);
      for (const id of left.networks)
        await docker
          .getNetwork(id)
          .remove()
          .catch(() => undefined);
    }
  }

  it("the watchdog removes a network made before the process could record its id", () => killedAfterCreate("network"));

  it("the watchdog removes a container made before the process could record its id", () => killedAfterCreate("container"));
});

describeDocker("sweepDockerObjects, for a run whose owner is dead", () => {
  const docker = new Docker();
  let root: string;
  beforeAll(async () => {
    await ensureEtcdImage(docker);
    root = mkdtempSync(join(tmpdir(), "fl-docker-sweep-"));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("removes the run's labelled containers and networks, registered or not, and nothing else", async () => {
    const runId = `sw${process.pid.toString(16)}`.slice(0, 8);
    const runDir = join(root, runId);
    mkdirSync(runDir);
    const labels = { "faultline.run": runId };
    const network = await docker.createNetwork({ Name: `fl-${runId}-sweep`, Internal: true, Labels: labels });
    const other = await docker.createNetwork({ Name: `fl-${runId}-other`, Internal: true, Labels: { "faultline.run": `${runId}x` } });
    try {
      // Registered: the network (by name); not registered: a container the engine made after its owner died.
      new Registry(runDir).add({ kind: "docker-network", id: `fl-${runId}-sweep`, label: "network" });
      await docker.createContainer({
        name: `fl-${runId}-late`,
        Image: ETCD_IMAGE,
        Cmd: ["etcd"],
        Labels: labels,
        HostConfig: { NetworkMode: `fl-${runId}-sweep` },
      });
      expect(await labelled(docker, runId)).toMatchObject({ containers: [expect.any(String)], networks: [network.id] });

      const report = await sweepDockerObjects(runDir, runId, 100);

      expect(report.failed).toEqual([]);
      expect(report.removed).toEqual([
        `container fl-${runId}-late of run ${runId} on the local socket`,
        `network fl-${runId}-sweep of run ${runId} on the local socket`,
      ]);
      expect(await labelled(docker, runId)).toEqual({ containers: [], networks: [] });
      expect((await docker.getNetwork(other.id).inspect()).Id).toBe(other.id); // another run's: untouched
    } finally {
      await docker
        .getContainer(`fl-${runId}-late`)
        .remove({ force: true })
        .catch(() => undefined);
      await network.remove().catch(() => undefined);
      await other.remove().catch(() => undefined);
    }
  });

  it("runs as part of a dead run's sweep: a container the registry never knew goes with the run", async () => {
    const runId = (process.pid % 0xffffff).toString(16).padStart(6, "0");
    const runDir = join(root, runId);
    mkdirSync(runDir);
    writeFileSync(join(runDir, "owner.json"), JSON.stringify({ id: runId, dir: runDir, ownerPid: 2 ** 22 + 5, ownerStart: "1" }));
    // The intent was registered, and marked removed by a process that died before the engine finished.
    const registry = new Registry(runDir);
    registry.add({ kind: "docker-container", id: `fl-${runId}-gone`, label: "container" })();
    await docker.createContainer({ name: `fl-${runId}-gone`, Image: ETCD_IMAGE, Cmd: ["etcd"], Labels: { "faultline.run": runId } });
    try {
      expect(await sweepDeadRuns(root)).toEqual([runId]);
      expect(await labelled(docker, runId)).toEqual({ containers: [], networks: [] });
    } finally {
      await docker
        .getContainer(`fl-${runId}-gone`)
        .remove({ force: true })
        .catch(() => undefined);
    }
  });
});
