import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Docker from "dockerode";
import { requireOrSkip } from "../helpers/requirements";
import { dockerProblem, ensureEtcdImage, ETCD_IMAGE, labelled, transpileSrc, until } from "./docker-helpers";

jest.setTimeout(90_000);

const describeDocker = requireOrSkip("a Docker engine", dockerProblem);

/** A process that begins its own run, provisions two etcd containers, reports, and blocks. */
const CHILD = `
const [lib, report, image] = process.argv.slice(2);
const { DockerProvisioner } = require(lib + "/provisioners/docker-provisioner.js");
const { beginRun } = require(lib + "/reaper/run-context.js");
const { Timeline } = require(lib + "/cluster/timeline.js");
(async () => {
  const run = beginRun();
  const provisioner = new DockerProvisioner({ nodes: 2, provisioner: "docker", command: () => [], docker: { image } });
  const slots = await provisioner.prepare({ cluster: "reaped", dir: run.dir + "/reaped-1", run, timeline: new Timeline(),
    ports: ["client", "peer"], nodes: [{ name: "n1", index: 0 }, { name: "n2", index: 1 }] });
  for (const s of slots) {
    const url = (port) => "http://" + s.host + ":" + s.ports[port];
    await provisioner.launch(s, { argv: ["etcd", "--name", s.name, "--data-dir", s.dataDir, "--listen-client-urls", url("client"),
      "--advertise-client-urls", url("client"), "--listen-peer-urls", url("peer"), "--initial-advertise-peer-urls", url("peer"),
      "--initial-cluster", s.name + "=" + url("peer")], env: {}, cwd: s.dataDir, onOutput() {} });
  }
  require("fs").writeFileSync(report, JSON.stringify({ runId: run.id, runDir: run.dir }));
  setInterval(() => {}, 60_000);
})().catch((error) => { console.error(error); process.exit(1); });
`;

describeDocker("the reaper, when a process that made containers is SIGKILLed", () => {
  const docker = new Docker();
  let lib: string;

  beforeAll(async () => {
    await ensureEtcdImage(docker);
    lib = transpileSrc(["provisioners/docker-provisioner.ts", "reaper/run-context.ts", "reaper/watchdog-main.ts", "cluster/timeline.ts"]);
  });

  afterAll(() => {
    if (lib) rmSync(lib, { recursive: true, force: true });
  });

  it("removes its containers and network through the watchdog, and the run directory", async () => {
    const script = join(lib, "child.js");
    const report = join(lib, "report.json");
    writeFileSync(script, CHILD);
    let stderr = "";
    const child = spawn(process.execPath, [script, lib, report, ETCD_IMAGE], {
      env: { ...process.env, FAULTLINE_RUN_DIR: "" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      await until("the child reports its containers", async () => existsSync(report) || child.exitCode !== null, Boolean, 30_000);
      if (!existsSync(report)) throw new Error(`the child exited ${child.exitCode}: ${stderr}`);
      const { runId, runDir } = JSON.parse(readFileSync(report, "utf8")) as { runId: string; runDir: string };
      const made = await labelled(docker, runId);
      expect(made.containers).toHaveLength(2);
      expect(made.networks).toHaveLength(1);

      child.kill("SIGKILL");

      await until(
        "the run's containers and network gone",
        () => labelled(docker, runId),
        (l) => l.containers.length === 0 && l.networks.length === 0,
        20_000,
      );
      await until(
        "the run directory gone",
        async () => existsSync(runDir),
        (exists) => !exists,
        10_000,
      );
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
