import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isFaultlineError } from "../../../src/common/errors";
import { toExitStatus } from "../../../src/provisioners/docker/container-process";
import { containerSpec, nodeEnv } from "../../../src/provisioners/docker/container-spec";
import { candidateSubnets, parseCidr } from "../../../src/provisioners/docker/ipv4";
import { clusterAddresses, parseFibTrieLocal, SubnetReservations } from "../../../src/provisioners/docker/subnet-reservation";
import { dockerOptionsFor } from "../../../src/reaper/cleanup";

describe("subnets", () => {
  it("cuts a pool into /24s and uses a longer prefix as one subnet", () => {
    expect(candidateSubnets(parseCidr("198.19.0.0/16"))).toHaveLength(256);
    expect(candidateSubnets(parseCidr("198.19.5.0/26"))).toEqual([parseCidr("198.19.5.0/26")]);
    expect(clusterAddresses(parseCidr("198.19.5.0/24"), 3)).toEqual({ gateway: "198.19.5.1", nodes: ["198.19.5.2", "198.19.5.3", "198.19.5.4"] });
  });

  it("rejects a malformed subnet naming the option", () => {
    for (const bad of ["198.19.0.0", "198.19.0.1/24", "300.1.0.0/16", "10.0.0.0/30"]) {
      let error: unknown;
      try {
        parseCidr(bad);
      } catch (e) {
        error = e;
      }
      expect(isFaultlineError(error) && error.option).toBe("network.subnet");
    }
  });

  it("reads this host's addresses from the kernel's local table, down interfaces included", () => {
    const trie = "Local:\n  +-- 0.0.0.0/0 3 0 5\n     |-- 198.19.0.1\n        /32 host LOCAL\n     |-- 198.19.0.255\n        /32 link BROADCAST\n";
    expect(parseFibTrieLocal(trie)).toEqual(["198.19.0.1"]);
  });
});

describe("SubnetReservations", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "fl-subnets-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("never hands out the same subnet twice while it is held, and again once released", async () => {
    const reservations = new SubnetReservations(dir);
    const pool = parseCidr("203.0.112.0/23"); // only file names here: no interface has these
    const a = await reservations.reserve(pool, "a");
    const b = await reservations.reserve(pool, "b");
    expect([a.cidr, b.cidr]).toEqual(["203.0.112.0/24", "203.0.113.0/24"]);
    await expect(reservations.reserve(pool, "c")).rejects.toThrow(/no free subnet left/);
    a.release();
    expect((await reservations.reserve(pool, "d")).cidr).toBe("203.0.112.0/24");
  });

  it("takes over a reservation whose owner died, and skips subnets the engine refused", async () => {
    writeFileSync(join(dir, "203.0.112.0-24"), JSON.stringify({ pid: 2 ** 22 + 1, label: "dead" }));
    const reservations = new SubnetReservations(dir);
    const pool = parseCidr("203.0.112.0/23");
    expect((await reservations.reserve(pool, "mine")).cidr).toBe("203.0.112.0/24");
    expect(await reservations.reserve(pool, "other", new Set(["203.0.113.0/24"])).catch((e: Error) => e.message)).toMatch(/no free subnet/);
    expect(readdirSync(dir).sort()).toEqual(["203.0.112.0-24"]);
  });
});

describe("containerSpec", () => {
  const slot = { name: "n1", index: 0, host: "198.19.3.2", ports: { client: 10000 }, dataDir: "/tmp/run/etcd/n1" };
  const launch = { argv: ["etcd", "--name", "n1"], env: { PATH: "/usr/bin", EXTRA: "1" }, cwd: "/tmp/run/etcd/n1", onOutput: () => undefined };

  it("bind-mounts the data dir at its own path, runs the argv with no entrypoint, on a fixed IP", () => {
    const spec = containerSpec({
      name: "fl-x-n1",
      slot,
      launch,
      docker: { image: "img" },
      network: "fl-x",
      labels: { "faultline.run": "x" },
      baseEnv: { PATH: "/usr/bin" },
    });
    expect(spec).toMatchObject({
      Image: "img",
      Cmd: ["etcd", "--name", "n1"],
      Entrypoint: [],
      Env: ["EXTRA=1"],
      WorkingDir: "/tmp/run/etcd/n1",
      HostConfig: { NetworkMode: "fl-x", Binds: ["/tmp/run/etcd/n1:/tmp/run/etcd/n1"], Init: false },
      NetworkingConfig: { EndpointsConfig: { "fl-x": { IPAMConfig: { IPv4Address: "198.19.3.2" }, Aliases: ["n1"] } } },
    });
  });

  it("runs the image's own command for an empty argv without entrypoint, and a compose working_dir", () => {
    const spec = containerSpec({ name: "n", slot, launch: { ...launch, argv: [] }, docker: { image: "redis", workdir: "/data" }, network: "net", labels: {} });
    expect(spec.Cmd).toBeUndefined();
    expect(spec.Entrypoint).toBeUndefined();
    expect(spec.WorkingDir).toBe("/data");
    expect(spec.HostConfig?.Init).toBe(false);
    expect(containerSpec({ name: "n", slot, launch, docker: { image: "x", init: true }, network: "net", labels: {} }).HostConfig?.Init).toBe(true);
    const withEntrypoint = containerSpec({
      name: "n",
      slot,
      launch: { ...launch, argv: [] },
      docker: { image: "x", entrypoint: ["/run.sh"] },
      network: "net",
      labels: {},
    });
    expect(withEntrypoint.Entrypoint).toEqual(["/run.sh"]);
  });

  it("puts the data dir on a size-limited tmpfs for {dataDir}, and leaves a cwd outside it to the image", () => {
    const spec = containerSpec({
      name: "n",
      slot,
      launch: { ...launch, cwd: "/elsewhere" },
      docker: { image: "img", tmpfs: { "{dataDir}": "size=8m" }, volumes: ["/a:/b:ro"] },
      network: "net",
      labels: {},
    });
    expect(spec.HostConfig).toMatchObject({ Binds: ["/a:/b:ro"], Tmpfs: { "/tmp/run/etcd/n1": "size=8m" } });
    expect(spec.WorkingDir).toBeUndefined();
  });

  it("passes only the cluster's own environment", () => {
    expect(nodeEnv({ HOME: "/root", A: "1", PATH: "/changed" }, { HOME: "/root", PATH: "/usr/bin" })).toEqual({ A: "1", PATH: "/changed" });
  });
});

describe("exit statuses", () => {
  it("reads 128+N as death by signal N", () => {
    expect(toExitStatus(137)).toEqual({ code: null, signal: "SIGKILL" });
    expect(toExitStatus(143)).toEqual({ code: null, signal: "SIGTERM" });
    expect(toExitStatus(0)).toEqual({ code: 0, signal: null });
    expect(toExitStatus(2)).toEqual({ code: 2, signal: null });
  });
});

describe("dockerOptionsFor", () => {
  it("reads DOCKER_HOST forms, overriding what dockerode takes from the environment", () => {
    expect(dockerOptionsFor("unix:///run/docker.sock")).toMatchObject({ socketPath: "/run/docker.sock", host: undefined });
    expect(dockerOptionsFor("tcp://127.0.0.1:23750")).toMatchObject({ host: "127.0.0.1", port: "23750", protocol: "http", socketPath: undefined });
    expect(dockerOptionsFor("ssh://deploy@build-host:2222")).toMatchObject({ protocol: "ssh", host: "build-host", port: "2222", username: "deploy" });
    expect(dockerOptionsFor("tcp://docker.example:2376")).toMatchObject({ protocol: "https", port: "2376" });
  });
});
