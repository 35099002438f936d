import { spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { requireOrSkip } from "../helpers/requirements";
import { repoRoot, transpileSrc, until } from "./docker-helpers";
import { alive } from "../helpers/polling";

/**
 * A process that begins a run and SIGKILLs itself the moment a chosen mount succeeds, before the
 * next line of faultline runs:
 * - "tmpfs": the `disk: { size }` tmpfs over a data dir, while the cluster starts;
 * - "bind": the read-only bind mount of a disk fault on a running node.
 */
const CHILD = `
const [lib, report, victim] = process.argv.slice(2);
const childProcess = require("node:child_process");
const spawnSync = childProcess.spawnSync;
childProcess.spawnSync = (file, args, options) => {
  const result = spawnSync(file, args, options);
  const hit = victim === "tmpfs" ? args.includes("tmpfs") : args.includes("--bind");
  if (file.endsWith("mount") && !file.endsWith("umount") && hit && result.status === 0) process.kill(process.pid, "SIGKILL");
  return result;
};
const { provisionCluster } = require(lib + "/wiring/start-cluster.js");
const { disk } = require(lib + "/faults/disk-fault.js");
const { beginRun } = require(lib + "/reaper/run-context.js");
(async () => {
  const run = beginRun();
  require("fs").writeFileSync(report, JSON.stringify({ runDir: run.dir, watchdogPid: run.watchdogPid }));
  const cluster = await provisionCluster({ nodes: 1, command: () => [process.execPath, "-e", "setInterval(() => {}, 1e9)"],
    ...(victim === "tmpfs" ? { disk: { size: "1m" } } : {}) }, { name: "mounts", run });
  await cluster.inject(disk({ node: "n1", mode: "readonly" }));
  console.error("the mount under test never happened");
})().catch((error) => { console.error(error); process.exit(1); });
`;

/** Mount points under `dir`, as this process sees them. */
function mountsUnder(dir: string): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[4] ?? "")
    .filter((point) => point === dir || point.startsWith(`${dir}/`));
}

const describeRoot = requireOrSkip("root", () => (process.getuid?.() === 0 ? undefined : "mounts need root"));

describeRoot("mounts of a process SIGKILLed right after making them", () => {
  let lib: string;
  beforeAll(() => {
    lib = transpileSrc(
      ["wiring/start-cluster.ts", "faults/disk-fault.ts", "reaper/run-context.ts", "reaper/watchdog-main.ts"],
      join(repoRoot, ".tmp", `mount-window-${process.pid}`),
    );
  });
  afterAll(() => rmSync(lib, { recursive: true, force: true }));

  async function killedAfterMount(victim: "tmpfs" | "bind"): Promise<string[]> {
    const report = join(lib, `${victim}.json`);
    writeFileSync(join(lib, "child.js"), CHILD);
    let stderr = "";
    const child = spawn(process.execPath, [join(lib, "child.js"), lib, report, victim], {
      env: { ...process.env, FAULTLINE_RUN_DIR: "" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise((resolve) => child.once("exit", resolve));
    expect({ signal: child.signalCode, stderr }).toEqual({ signal: "SIGKILL", stderr: "" });
    const { runDir, watchdogPid } = JSON.parse(readFileSync(report, "utf8")) as { runDir: string; watchdogPid: number };
    try {
      await until(
        "the watchdog finishes",
        async () => alive(watchdogPid),
        (running) => !running,
        30_000,
      );
      return mountsUnder(runDir);
    } finally {
      // Ours: whatever the reaper left, so a failure does not leak into other tests.
      for (const point of mountsUnder(runDir).reverse()) spawn("umount", ["-l", point], { stdio: "ignore" });
    }
  }

  it("the watchdog unmounts a data dir's tmpfs mounted just before the kill", async () => {
    expect(await killedAfterMount("tmpfs")).toEqual([]);
  }, 60_000);

  it("the watchdog unmounts a read-only disk fault's bind mount made just before the kill", async () => {
    expect(await killedAfterMount("bind")).toEqual([]);
  }, 60_000);
});
