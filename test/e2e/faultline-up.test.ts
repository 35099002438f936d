import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "./helpers/run-jest";

/**
 * `faultline up` from a terminal, as a person exploring a system would: the demo cluster (three
 * Raft processes, no root), its leader partitioned with `faultline fault`, a new leader seen in
 * GET /cluster, healed with `faultline heal`, Ctrl-C — and nothing left running, also when the
 * command itself is SIGKILLed.
 */
const cli = join(repoRoot, "dist", "cli", "main.js");
const demo = join(repoRoot, "examples", "clusters", "demo.cluster.ts");
const run = promisify(execFile);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const reports = mkdtempSync(join(tmpdir(), "fl-up-report-"));
afterAll(() => rmSync(reports, { recursive: true, force: true }));

async function up(): Promise<{ child: ChildProcess; control: string; output: () => string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [cli, "up", demo, "--control", `127.0.0.1:${port}`, "--report-dir", reports], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
  await new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => output.includes("control API on") && (clearInterval(poll), resolve()), 50);
    child.once("exit", (code) => (clearInterval(poll), reject(new Error(`faultline up exited ${code}:\n${output}`))));
  });
  return { child, control: `http://127.0.0.1:${port}`, output: () => output };
}

interface View {
  leader: string | null;
  nodes: Array<{ name: string; pid: number }>;
  faults: Array<{ id: string }>;
}

async function view(control: string): Promise<View> {
  return (await (await fetch(`${control}/cluster`, { headers: { connection: "close" } })).json()) as View;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

describe("faultline up, fault and heal", () => {
  it("partitions the leader from a shell, a new leader appears, heals, and Ctrl-C writes the report and leaves nothing", async () => {
    const { child, control, output } = await up();
    const before = await view(control);
    expect(before.nodes.map((n) => n.name)).toEqual(["n1", "n2", "n3"]);
    expect(before.leader).toMatch(/^n[123]$/);
    const applied = await run(process.execPath, [cli, "fault", "partition", "--options", '{"isolate":"leader"}', "--control", control]);
    const [id, description] = applied.stdout.trim().split("\t");
    expect(description).toContain(`isolating ${before.leader} (the leader)`);
    expect(await until(async () => ![null, before.leader].includes((await view(control)).leader), 15_000)).toBe(true);
    await expect(run(process.execPath, [cli, "fault", "kill", "--options", '{"node":"n9"}', "--control", control])).rejects.toMatchObject({
      code: 65,
      stdout: expect.stringContaining("names no node of the cluster"),
    });
    await run(process.execPath, [cli, "heal", id!, "--control", control]);
    expect((await view(control)).faults).toEqual([]);
    child.kill("SIGINT");
    expect(await new Promise((r) => child.once("exit", r))).toBe(0);
    expect(output()).toContain("stopped; nothing left running");
    // The session's timeline is in the report, with the partition applied from the shell.
    expect(output()).toContain("timeline and report:");
    const html = readFileSync(join(reports, "index.html"), "utf8");
    expect(html).toContain("faultline up demo");
    expect(html).toContain(`isolating ${before.leader} (the leader)`);
    for (const node of before.nodes) expect(alive(node.pid)).toBe(false);
  }, 90_000);

  it("leaves nothing running when the command is SIGKILLed: its watchdog reaps the nodes", async () => {
    const { child, control } = await up();
    const { nodes } = await view(control);
    child.kill("SIGKILL");
    expect(await until(() => nodes.every((n) => !alive(n.pid)), 15_000)).toBe(true);
  }, 60_000);
});
