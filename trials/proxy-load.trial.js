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
 * Usage: node trials/proxy-load.trial.js   (CONNECTIONS=10000). Build first: npx tsc -p tsconfig.build.json.
 */
"use strict";
const { spawn, spawnSync } = require("node:child_process");
const { readdirSync } = require("node:fs");
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

async function load() {
  const echo = upstream("echo");
  const proxy = new FaultProxy({ name: "load", upstream: { host: "127.0.0.1", port: await echo.port } });
  await proxy.start();
  const base = await settle();
  const sockets = [];
  let echoed = 0;
  for (let i = 0; i < CONNECTIONS; i += 500) {
    const batch = await Promise.all(Array.from({ length: Math.min(500, CONNECTIONS - i) }, () => connect(proxy.port)));
    sockets.push(...batch);
    echoed += (await Promise.all(batch.map((s) => echoOnce(s)))).filter(Boolean).length;
  }
  const peak = { fds: fds(), heap: process.memoryUsage().heapUsed };
  const sample = sockets.filter((_, i) => i % 100 === 0);
  const release = proxy.hold({ upstream: true, downstream: true });
  const duringPartition = (await Promise.all(sample.map((s) => echoOnce(s, 500)))).filter(Boolean).length;
  release();
  // What was held back during the partition arrives after it; then each answers again.
  await sleep(300);
  const afterHeal = (await Promise.all(sample.map((s) => echoOnce(s)))).filter(Boolean).length;
  for (const s of sockets) s.destroy();
  sockets.length = 0;
  await sleep(1000);
  const end = await settle();
  await proxy.close();
  echo.child.kill("SIGKILL");
  const backToBase = end.fds <= base.fds + 2 && end.heap <= base.heap + 8 * MB && end.external <= base.external + 8 * MB;
  console.log(
    `Proxy load: ${echoed}/${CONNECTIONS} concurrent connections echoed through one proxy; partition under load: ${duringPartition}/${sample.length} sampled answered during it, ${afterHeal}/${sample.length} after heal; ` +
      `fds ${base.fds} -> ${peak.fds} -> ${end.fds}, heap ${(base.heap / MB).toFixed(1)} -> ${(peak.heap / MB).toFixed(1)} -> ${(end.heap / MB).toFixed(1)} MB, ` +
      `external ${(base.external / MB).toFixed(1)} -> ${(end.external / MB).toFixed(1)} MB (${backToBase ? "back to baseline" : "NOT back to baseline"})`,
  );
  return echoed === CONNECTIONS && duringPartition === 0 && afterHeal === sample.length && backToBase;
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
  spawnSync("prlimit", ["--pid", String(process.pid), "--nofile=65536:65536"]);
  const ok = (await load()) & (await slowReader());
  process.exitCode = ok ? 0 : 1;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
