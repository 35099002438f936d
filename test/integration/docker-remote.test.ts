import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import Docker from "dockerode";
import { Timeline } from "../../src/cluster/timeline";
import { parseCidr } from "../../src/provisioners/docker/ipv4";
import { clusterAddresses, SubnetReservations, type SubnetReservation } from "../../src/provisioners/docker/subnet-reservation";
import { buildImageFromHost } from "../../src/provisioners/docker/image-from-host";
import { DockerProvisioner } from "../../src/provisioners/docker-provisioner";
import type { NodeProcess } from "../../src/cluster/provisioner";
import { cleanupRun, dockerOptionsFor } from "../../src/reaper/cleanup";
import { beginRun, endRun, type RunContext } from "../../src/reaper/run-context";
import { requireOrSkip } from "../helpers/requirements";
import { ETCD_IMAGE, etcdArgv, health, labelled, until } from "./docker-helpers";

jest.setTimeout(90_000);

/**
 * A second engine on this machine, reached only through DOCKER_HOST=tcp://127.0.0.1:<port>: its
 * own data root, exec root, pid file, and a default bridge of its own (`fl-<run>-d2`, on a
 * reserved subnet) — never `--bridge none`, which makes dockerd delete the host's docker0 and
 * breaks the main engine. It leaves the host's firewall and sysctls to the main engine. Its
 * containers are routable from here, but the host's FORWARD policy (the main engine's, with
 * br_netfilter) drops traffic between them, so this suite runs single-node clusters.
 */
function secondEngineProblem(): string | undefined {
  if (process.getuid?.() !== 0) return "starting a second dockerd needs root";
  if (spawnSync("dockerd", ["--version"], { encoding: "utf8" }).status !== 0) return "dockerd is not installed (apt-get install docker.io)";
  if (spawnSync("ip", ["-V"], { encoding: "utf8" }).status !== 0) return "ip (iproute2) is not installed";
  return undefined;
}

const describeRemote = requireOrSkip("a second dockerd on a loopback TCP port", secondEngineProblem);

function ip(args: string[]): void {
  const result = spawnSync("ip", args, { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`ip ${args.join(" ")}: ${result.stderr || result.error?.message}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describeRemote("DOCKER_HOST=tcp:// (a second engine on loopback)", () => {
  const base = `/tmp/fl-dockerd2-${process.pid}`;
  let daemon: ChildProcess;
  let host: string;
  let remote: Docker;
  let run: RunContext;
  let provisioner: DockerProvisioner;
  let node: NodeProcess;
  const savedHost = process.env.DOCKER_HOST;
  const docker0Before = spawnSync("ip", ["link", "show", "docker0"]).status === 0;
  let reservation: SubnetReservation | undefined;
  let bridge: string;

  beforeAll(async () => {
    run = beginRun();
    // The bridge is ours: created, addressed and registered with the reaper before dockerd sees it.
    reservation = await new SubnetReservations(join(dirname(run.dir), "docker-subnets")).reserve(parseCidr("198.19.0.0/16"), "second dockerd");
    bridge = `fl-${run.id}-d2`;
    ip(["link", "add", bridge, "type", "bridge"]);
    run.registry.add({ kind: "command", argv: ["ip", "link", "del", bridge], label: `bridge ${bridge}` });
    ip(["addr", "add", `${clusterAddresses(reservation.subnet, 0).gateway}/24`, "dev", bridge]);
    ip(["link", "set", bridge, "up"]);
    const port = await freePort();
    host = `tcp://127.0.0.1:${port}`;
    mkdirSync(base, { recursive: true });
    const log = openSync(join(base, "dockerd.log"), "a");
    daemon = spawn(
      "dockerd",
      [
        "--host",
        host,
        "--data-root",
        join(base, "data"),
        "--exec-root",
        join(base, "exec"),
        "--pidfile",
        join(base, "dockerd.pid"),
        "--bridge",
        bridge,
        "--iptables=false",
        "--ip-masq=false",
        "--ip-forward=false",
        "--userland-proxy=false",
      ],
      { detached: true, stdio: ["ignore", log, log] },
    );
    remote = new Docker({ host: "127.0.0.1", port, protocol: "http" });
    await until(
      "the second engine answers",
      () =>
        remote.ping().then(
          () => true,
          () => false,
        ),
      Boolean,
      30_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${readFileSync(join(base, "dockerd.log"), "utf8").split("\n").slice(-15).join("\n")}`);
    });
    process.env.DOCKER_HOST = host;
  });

  afterAll(async () => {
    if (savedHost === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = savedHost;
    await provisioner?.dispose().catch(() => undefined);
    if (daemon?.pid) {
      daemon.kill("SIGTERM");
      const exited = await until("the second engine stops", async () => daemon.exitCode !== null || daemon.signalCode !== null, Boolean, 20_000).catch(
        () => false,
      );
      if (!exited) daemon.kill("SIGKILL");
    }
    if (run) await endRun(run); // removes the bridge too
    reservation?.release();
    rmSync(base, { recursive: true, force: true, maxRetries: 3 });
  });

  it("leaves the host's docker0 alone", () => {
    if (docker0Before) expect(spawnSync("ip", ["link", "show", "docker0"]).status).toBe(0);
  });

  it("imports an image into the engine DOCKER_HOST names", async () => {
    await buildImageFromHost({ binaries: ["etcd"], tag: ETCD_IMAGE });
    const image = await remote.getImage(ETCD_IMAGE).inspect();
    expect(image.Config.Labels?.["faultline.from-host"]).toBe("true");
  });

  it("provisions a node there, reachable from the test process at its own IP", async () => {
    provisioner = new DockerProvisioner({ nodes: 1, provisioner: "docker", command: () => [], docker: { image: ETCD_IMAGE } });
    const [slot] = await provisioner.prepare({
      cluster: "remote",
      dir: join(run.dir, "remote-1"),
      run,
      timeline: new Timeline(),
      ports: ["client", "peer"],
      nodes: [{ name: "n1", index: 0 }],
    });
    node = await provisioner.launch(slot!, { argv: etcdArgv(slot!, [slot!]), env: {}, cwd: slot!.dataDir, onOutput: () => undefined });
    await until(
      "n1 healthy",
      () => health(slot!),
      (h) => h === "true",
      20_000,
    );
    expect((await labelled(remote, run.id)).containers).toHaveLength(1);
    // dockerode lays DOCKER_HOST under the options it is given; dockerOptionsFor overrides every field.
    const local = new Docker(dockerOptionsFor("unix:///var/run/docker.sock"));
    expect((await labelled(local, run.id).catch(() => ({ containers: [] }))).containers).toEqual([]);
    const registered = run.registry.live().filter((r) => r.kind.startsWith("docker-"));
    expect(registered.map((r) => (r as { dockerHost?: string }).dockerHost)).toEqual([host, host]);
  });

  it("controls the container through that engine (SIGKILL is seen as the exit)", async () => {
    await node.signal("SIGKILL");
    expect(await node.exited).toEqual({ code: null, signal: "SIGKILL" });
  });

  it("lets the reaper remove them from that engine even when DOCKER_HOST names another", async () => {
    process.env.DOCKER_HOST = "unix:///var/run/docker.sock";
    const report = await cleanupRun(run.dir);
    expect(report.failed).toEqual([]);
    expect(report.removed).toEqual(expect.arrayContaining([expect.stringMatching(/^remote\/n1 \(container /), expect.stringMatching(/^network fl-/)]));
    expect(await labelled(remote, run.id)).toEqual({ containers: [], networks: [] });
    process.env.DOCKER_HOST = host;
    await provisioner.dispose(); // what the reaper removed is simply gone
  });
});
