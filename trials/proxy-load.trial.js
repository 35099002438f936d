#!/usr/bin/env node
/**
 * Proxy load: 10,000 concurrent connections through one fault proxy to an echo server in another
 * process (the trial raises its own fd limit with prlimit first); each echoes once, a partition
 * (a blackhole both ways) is applied and healed under that load and checked on a sample, then all
 * close. Open fds, heap and external memory must come back to their baseline (measured in the
 * same run, before). Then a slow reader: the upstream floods a client that never reads; the bytes
 * the proxy holds (the upstream's sent total minus what the kernel buffers can hold) must stay
 * bounded instead of growing with the flood.
 *
 * The fd limit is raised as far as the hard limit allows; each connection needs two fds in the
 * proxy's process, so a hard limit under 20,100 caps the count (printed when it does).
 *
 * Usage: node trials/proxy-load.trial.js   (CONNECTIONS=10000). Build first: npx tsc -p tsconfig.build.json.
 */
"use strict";
const { spawn, spawnSync } = require("node:child_process");
const { readdirSync, readFileSync } = require("node:fs");
const net = require("node:net");

if (typeof global.gc !== "function") {
  // Re-run with a collector we can call: memory is compared after a full collection.
  const child = spawn(process.execPath, ["--expose-gc", __filename], { stdio: "inherit" });
  child.on("exit", (code) => (process.exitCode = code ?? 1));
  return;
}

const { FaultProxy } = require("../dist/proxy/fault-proxy.js");
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 10_000);
const MB = 1024 * 1024;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const fds = () => readdirSync("/proc/self/fd").length;

async function settle() {
  for (let i = 0; i < 5; i++) {
    global.gc();
    await sleep(100);
  }
  const m = process.memoryUsage();
  return { fds: fds(), heap: m.heapUsed, external: m.external + m.arrayBuffers };
}

/** An upstream in its own process: `echo` answers each chunk; `flood` writes as fast as it is allowed to. */
function upstream(mode) {
  const code = `
    const net = require("node:net");
    let sent = 0;
    const server = net.createServer((s) => {
      s.on("error", () => {});
      if (process.argv[1] === "echo") return s.on("data", (d) => s.write(d));
      const chunk = Buffer.alloc(64 * 1024, 120);
      const pump = () => { while (sent < 200 * 1024 * 1024 && s.write(chunk)) sent += chunk.length; };
      s.on("drain", () => { sent += 0; pump(); });
      pump();
    });
    server.listen(0, "127.0.0.1", () => process.stdout.write(String(server.address().port) + "\\n"));
    setInterval(() => process.stdout.write("sent " + sent + "\\n"), 200);
  `;
  const child = spawn(process.execPath, ["-e", code, mode], { stdio: ["ignore", "pipe", "inherit"] });
  spawnSync("prlimit", ["--pid", String(child.pid), "--nofile=65536:65536"]);
  let sent = 0;
  const port = new Promise((resolve) => {
    let buffer = "";
    child.stdout.on("data", (d) => {
      buffer += d;
      const lines = buffer.split("\n");
      buffer = lines.pop();
      for (const line of lines) {
        if (line.startsWith("sent ")) sent = Number(line.slice(5));
        else resolve(Number(line));
      }
    });
  });
  return { child, port, sent: () => sent };
}

function connect(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port }, () => resolve(socket));
    socket.on("error", reject);
  });
}

function echoOnce(socket, ms = 5000) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => (socket.off("data", ok), resolve(false)), ms);
    const ok = () => (clearTimeout(timer), socket.off("data", ok), resolve(true));
    socket.on("data", ok);
    socket.write("ping");
  });
}

/** The clients, in a process of their own (fd limits are per process): driven over IPC. */
function clientProcess(port) {
  const code = `
    const net = require("node:net");
    const sockets = [];
    const echoOnce = (socket, ms) => new Promise((resolve) => {
      const timer = setTimeout(() => (socket.off("data", ok), resolve(false)), ms);
      const ok = () => (clearTimeout(timer), socket.off("data", ok), resolve(true));
      socket.on("data", ok);
      socket.write("ping");
    });
    const connect = () => new Promise((resolve, reject) => {
      const socket = net.connect({ host: "127.0.0.1", port: ${port} }, () => resolve(socket));
      socket.on("error", reject);
    });
    process.on("message", async ({ op, n, ms }) => {
      if (op === "open") {
        let echoed = 0;
        for (let i = 0; i < n; i += 500) {
          const batch = await Promise.all(Array.from({ length: Math.min(500, n - i) }, connect));
          sockets.push(...batch);
          echoed += (await Promise.all(batch.map((s) => echoOnce(s, 5000)))).filter(Boolean).length;
        }
        process.send({ echoed });
      } else if (op === "sample") {
        const sample = sockets.filter((_, i) => i % 100 === 0);
        process.send({ answered: (await Promise.all(sample.map((s) => echoOnce(s, ms)))).filter(Boolean).length, of: sample.length });
      } else if (op === "close") {
        for (const s of sockets) s.destroy();
        process.send({ closed: sockets.length });
        process.exit(0);
      }
    });
  `;
  const child = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const ask = (message) => new Promise((resolve) => (child.once("message", resolve), child.send(message)));
  return { child, ask };
}

function fdLimit() {
  const line = readFileSync("/proc/self/limits", "utf8")
    .split("\n")
    .find((l) => l.startsWith("Max open files"));
  return Number(line.trim().split(/\s+/)[3]);
}

async function load() {
  // Each proxied connection holds two fds in the proxy's process (client side and upstream side).
  const limit = fdLimit();
  const connections = Math.min(CONNECTIONS, Math.floor((limit - 100) / 2));
  const echo = upstream("echo");
  const proxy = new FaultProxy({ name: "load", upstream: { host: "127.0.0.1", port: await echo.port } });
  await proxy.start();
  const base = await settle();
  const clients = clientProcess(proxy.port);
  const { echoed } = await clients.ask({ op: "open", n: connections });
  const peak = { fds: fds(), heap: process.memoryUsage().heapUsed };
  const release = proxy.hold({ upstream: true, downstream: true });
  const during = await clients.ask({ op: "sample", ms: 500 });
  release();
  await sleep(300);
  const after = await clients.ask({ op: "sample", ms: 5000 });
  await clients.ask({ op: "close" });
  await sleep(1000);
  const end = await settle();
  await proxy.close();
  echo.child.kill("SIGKILL");
  const backToBase = end.fds <= base.fds + 2 && end.heap <= base.heap + 8 * MB && end.external <= base.external + 8 * MB;
  console.log(
    `Proxy load: ${echoed}/${connections} concurrent connections echoed through one proxy${connections < CONNECTIONS ? ` (${CONNECTIONS} asked; this process may hold ${limit} fds, two per connection, and the hard limit cannot be raised here)` : ""}; ` +
      `partition under load: ${during.answered}/${during.of} sampled answered during it, ${after.answered}/${after.of} after heal; ` +
      `fds ${base.fds} -> ${peak.fds} -> ${end.fds}, heap ${(base.heap / MB).toFixed(1)} -> ${(peak.heap / MB).toFixed(1)} -> ${(end.heap / MB).toFixed(1)} MB, ` +
      `external ${(base.external / MB).toFixed(1)} -> ${(end.external / MB).toFixed(1)} MB (${backToBase ? "back to baseline" : "NOT back to baseline"})`,
  );
  return echoed === connections && during.answered === 0 && after.answered === after.of && backToBase;
}

async function slowReader() {
  const flood = upstream("flood");
  const proxy = new FaultProxy({ name: "slow", upstream: { host: "127.0.0.1", port: await flood.port } });
  await proxy.start();
  const base = await settle();
  const client = await connect(proxy.port);
  client.pause(); // never reads
  await sleep(3000);
  const m = process.memoryUsage();
  const held = m.external + m.arrayBuffers - base.external;
  const sent = flood.sent();
  client.destroy();
  await proxy.close();
  flood.child.kill("SIGKILL");
  const bounded = sent < 64 * MB && held < 64 * MB;
  console.log(
    `Proxy slow reader: the upstream could send ${(sent / MB).toFixed(1)} MB of its 200 MB in 3 s to a client that never reads; the proxy held ${(Math.max(0, held) / MB).toFixed(1)} MB (${bounded ? "bounded" : "NOT bounded"})`,
  );
  return bounded;
}

async function main() {
  // Up to the hard limit (raising that needs CAP_SYS_RESOURCE).
  spawnSync("prlimit", ["--pid", String(process.pid), "--nofile=65536:65536"]);
  const hard = readFileSync("/proc/self/limits", "utf8")
    .split("\n")
    .find((l) => l.startsWith("Max open files"))
    .trim()
    .split(/\s+/)[4];
  spawnSync("prlimit", ["--pid", String(process.pid), `--nofile=${hard}:${hard}`]);
  const ok = (await load()) & (await slowReader());
  process.exitCode = ok ? 0 : 1;
}

main().then(
  // Sockets left open by a failure must not keep the trial running.
  () => process.exit(process.exitCode ?? 0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
