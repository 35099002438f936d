#!/usr/bin/env node
/**
 * Time for a three-node etcd on Docker to be ready (every member's /health "true" from the test
 * process), with faultline's DockerProvisioner against testcontainers-node (GenericContainer +
 * Network, Ryuk disabled) in the same run: same image, same etcd flags, data dirs bind-mounted
 * from the host for both, rounds alternating. Prints medians and the ratio (goal: ours <= 1.0x).
 *
 * testcontainers is used the way its users do: network aliases for peers, the client port
 * published on the host, a log-message wait strategy (its default port check execs /bin/sh,
 * which an image built from host binaries does not have).
 *
 * Needs a Docker engine and faultline/etcd:local (node .ci/build-images.js). Build first:
 * npm run build (or FAULTLINE_DIST=<outDir> after `tsc -p tsconfig.build.json --outDir <outDir>`).
 * Usage: node bench/docker-etcd.bench.js   (ROUNDS=3 by default)
 */
"use strict";
const { mkdirSync } = require("node:fs");
const http = require("node:http");
const { join, resolve } = require("node:path");
const { performance } = require("node:perf_hooks");

// testcontainers 12 pulls in undici 8, written for Node >= 22.19; these two stand-ins let it load
// on Node 20. Neither is reached here: Docker answers are never zstd-encoded, nothing is cloned.
const zlib = require("node:zlib");
if (!zlib.createZstdDecompress)
  zlib.createZstdDecompress = () => {
    throw new Error("zstd is not available on this Node");
  };
const workerThreads = require("node:worker_threads");
if (!workerThreads.markAsUncloneable) workerThreads.markAsUncloneable = () => undefined;
process.env.TESTCONTAINERS_RYUK_DISABLED = "true";

const dist = resolve(process.env.FAULTLINE_DIST ?? join(__dirname, "../dist"));
const { DockerProvisioner } = require(join(dist, "provisioners/docker-provisioner.js"));
const { beginRun, endRun } = require(join(dist, "reaper/run-context.js"));
const { Timeline } = require(join(dist, "cluster/timeline.js"));
const { GenericContainer, Network, Wait } = require("testcontainers");

const IMAGE = "faultline/etcd:local";
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const NAMES = ["n1", "n2", "n3"];
const TIMING = ["--initial-cluster-state", "new", "--heartbeat-interval", "50", "--election-timeout", "300"];

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function healthy(url) {
  return new Promise((done) => {
    const req = http.get(url, { timeout: 500 }, (res) => {
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => done(body.includes('"true"')));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => done(false));
  });
}

async function waitHealthy(urls) {
  const deadline = performance.now() + 60_000;
  while (!(await Promise.all(urls.map(healthy))).every(Boolean)) {
    if (performance.now() > deadline) throw new Error(`not healthy within 60s: ${urls.join(" ")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function ours(run, round) {
  const dir = join(run.dir, `ours-${round}`);
  const started = performance.now();
  const provisioner = new DockerProvisioner({ nodes: NAMES, provisioner: "docker", command: () => [], docker: { image: IMAGE } });
  const slots = await provisioner.prepare({
    cluster: "bench",
    dir,
    run,
    timeline: new Timeline(),
    ports: ["client", "peer"],
    nodes: NAMES.map((name, index) => ({ name, index })),
  });
  const url = (s, port) => `http://${s.host}:${s.ports[port]}`;
  const cluster = slots.map((s) => `${s.name}=${url(s, "peer")}`).join(",");
  await Promise.all(
    slots.map((s) =>
      provisioner.launch(s, {
        argv: [
          "etcd",
          "--name",
          s.name,
          "--data-dir",
          s.dataDir,
          "--listen-client-urls",
          url(s, "client"),
          "--advertise-client-urls",
          url(s, "client"),
          "--listen-peer-urls",
          url(s, "peer"),
          "--initial-advertise-peer-urls",
          url(s, "peer"),
          "--initial-cluster",
          cluster,
          ...TIMING,
        ],
        env: {},
        cwd: s.dataDir,
        onOutput: () => undefined,
      }),
    ),
  );
  await waitHealthy(slots.map((s) => `${url(s, "client")}/health`));
  const ready = performance.now() - started;
  const stopping = performance.now();
  await provisioner.dispose();
  return { ready, teardown: performance.now() - stopping };
}

async function testcontainers(run, round) {
  const dir = join(run.dir, `tc-${round}`);
  const started = performance.now();
  const network = await new Network().start();
  const cluster = NAMES.map((n) => `${n}=http://${n}:2380`).join(",");
  const results = await Promise.allSettled(
    NAMES.map((name) => {
      const dataDir = join(dir, name);
      mkdirSync(dataDir, { recursive: true });
      return new GenericContainer(IMAGE)
        .withNetwork(network)
        .withNetworkAliases(name)
        .withExposedPorts(2379)
        .withBindMounts([{ source: dataDir, target: dataDir }])
        .withLabels({ "faultline.run": run.id, "faultline.bench": "testcontainers" })
        .withWaitStrategy(Wait.forLogMessage(/ready to serve client requests/).withStartupTimeout(30_000))
        .withCommand([
          "etcd",
          "--name",
          name,
          "--data-dir",
          dataDir,
          "--listen-client-urls",
          "http://0.0.0.0:2379",
          "--advertise-client-urls",
          `http://${name}:2379`,
          "--listen-peer-urls",
          "http://0.0.0.0:2380",
          "--initial-advertise-peer-urls",
          `http://${name}:2380`,
          "--initial-cluster",
          cluster,
          ...TIMING,
        ])
        .start();
    }),
  );
  const containers = results.filter((r) => r.status === "fulfilled").map((r) => r.value);
  let ready;
  try {
    const failed = results.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
    await waitHealthy(containers.map((c) => `http://${c.getHost()}:${c.getMappedPort(2379)}/health`));
    ready = performance.now() - started;
  } finally {
    const stopping = performance.now();
    await Promise.allSettled(containers.map((c) => c.stop({ timeout: 0 })));
    await network.stop();
    if (ready !== undefined) return { ready, teardown: performance.now() - stopping };
  }
}

async function main() {
  const run = beginRun();
  const results = { ours: [], testcontainers: [] };
  try {
    await ours(run, "warmup"); // first container start on an engine is slower for anyone
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, fn] of round % 2
        ? [
            ["testcontainers", testcontainers],
            ["ours", ours],
          ]
        : [
            ["ours", ours],
            ["testcontainers", testcontainers],
          ]) {
        const result = await fn(run, round);
        results[name].push(result);
        console.log(
          `round ${round + 1} ${name.padEnd(14)} ready ${result.ready.toFixed(0).padStart(5)} ms, teardown ${result.teardown.toFixed(0).padStart(5)} ms`,
        );
      }
    }
  } finally {
    await endRun(run);
  }
  const m = (name, key) => median(results[name].map((r) => r[key]));
  console.log(
    `\nthree-node etcd ready (median of ${ROUNDS}): faultline ${m("ours", "ready").toFixed(0)} ms, testcontainers ${m("testcontainers", "ready").toFixed(0)} ms, ratio ${(m("ours", "ready") / m("testcontainers", "ready")).toFixed(2)}x (goal <= 1.00x)`,
  );
  console.log(`teardown (median): faultline ${m("ours", "teardown").toFixed(0)} ms, testcontainers ${m("testcontainers", "teardown").toFixed(0)} ms`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
