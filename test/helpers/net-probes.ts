import { execFile, spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { existsSync } from "node:fs";
import { connect } from "node:net";
import type { NodeSlot } from "../../src/cluster/provisioner";

/**
 * Tiny network programs for tests of network namespaces: node servers, and clients run from
 * the host or inside a namespace (`ip netns exec <ns> node -e …`), measuring on the wire.
 */

/** A node: TCP echo on `echo`, an endless stream on `source`, UDP echo (logging senders) on `echo`. */
export const SERVER = `
const net = require("net"), dgram = require("dgram");
const [host, echo, source] = process.argv.slice(1);
net.createServer((s) => s.pipe(s)).listen(+echo, host);
net.createServer((s) => { const chunk = Buffer.alloc(65536); const pump = () => { while (s.write(chunk)); }; s.on("drain", pump); s.on("error", () => {}); pump(); }).listen(+source, host);
const u = dgram.createSocket("udp4");
u.on("message", (m, r) => { console.log("udp " + r.address + " " + m); u.send(m, r.port, r.address); });
u.bind(+echo, host, () => console.log("listening"));`;

/** Connects, exchanges "ping", prints "ok", "timeout" or the error code. */
export const CLIENT = `
const [host, port, ms] = process.argv.slice(1);
const s = require("net").connect(+port, host);
const t = setTimeout(() => { console.log("timeout"); process.exit(0); }, +ms);
s.on("connect", () => s.write("ping"));
s.on("data", () => { console.log("ok"); process.exit(0); });
s.on("error", (e) => { console.log(e.code); process.exit(0); });`;

export const UDP_SEND = `
const [host, port, text] = process.argv.slice(1);
const u = require("dgram").createSocket("udp4");
u.send(text, +port, host, () => u.send(text, +port, host, () => u.close()));`;

export function ipBin(): string {
  return ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip"].find((p) => existsSync(p)) ?? "ip";
}

export function runIn(namespace: string, script: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(ipBin(), ["netns", "exec", namespace, process.execPath, "-e", script, ...args], { timeout: 10_000 }, (error, stdout) =>
      error ? reject(error) : resolve(stdout.trim()),
    ),
  );
}

/** From the host (the test's clients): "ok", "timeout" or an error code. */
export function hostProbe(slot: NodeSlot, ms = 700): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(slot.ports.echo!, slot.host);
    const done = (result: string): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done("timeout"), ms);
    socket.on("connect", () => socket.write("ping"));
    socket.on("data", () => done("ok"));
    socket.on("error", (error: NodeJS.ErrnoException) => done(error.code ?? "error"));
  });
}

/** Sends `count` UDP datagrams from the host and counts the echoes. */
export async function udpEchoes(slot: NodeSlot, count: number): Promise<number> {
  const socket = createSocket("udp4");
  let received = 0;
  socket.on("message", () => received++);
  await new Promise<void>((resolve) => socket.bind(0, resolve));
  for (let i = 0; i < count; i++) {
    socket.send(`loss-${i}`, slot.ports.echo!, slot.host);
    await new Promise((r) => setTimeout(r, 2));
  }
  await new Promise((r) => setTimeout(r, 300));
  socket.close();
  return received;
}

/** Bytes per second the host can read from a node's `source` port over `ms`. */
export function downloadRate(slot: NodeSlot, ms = 1000): Promise<number> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    const socket = connect(slot.ports.source!, slot.host);
    socket.on("data", (chunk: Buffer) => (bytes += chunk.length));
    socket.on("error", reject);
    setTimeout(() => {
      socket.destroy();
      resolve((bytes * 1000) / ms);
    }, ms);
  });
}

export function kernelState(): { netns: string; links: string; rules: string } {
  const text = (argv: string[]): string => spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8" }).stdout ?? "";
  return { netns: text([ipBin(), "netns", "list"]), links: text([ipBin(), "-o", "link"]), rules: text(["iptables", "-w", "-S"]) };
}
