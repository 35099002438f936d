import * as fs from "node:fs";
import * as net from "node:net";
import { SERVICE_SCRIPT, call, firstLine, freePort, spawnNode, transpileFailpoints, type Child } from "./child-harness";

jest.setTimeout(15_000);

let moduleDir: string;
const children: Child[] = [];

beforeAll(() => {
  moduleDir = transpileFailpoints();
});
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill("SIGKILL");
    await child.exited;
  }
});
afterAll(() => fs.rmSync(moduleDir, { recursive: true, force: true }));

function start(script: string, env: Record<string, string>, stdin: "ignore" | "pipe" = "ignore"): Child {
  const child = spawnNode(script, moduleDir, env, stdin);
  children.push(child);
  return child;
}

/** Connects once the child's endpoint listens (it binds asynchronously after the module loads). */
async function connectWhenUp(port: number, deadline = Date.now() + 10_000): Promise<net.Socket> {
  for (;;) {
    const socket = net.connect(port, "127.0.0.1");
    const error = await new Promise<Error | undefined>((resolve) => {
      socket.once("connect", () => resolve(undefined));
      socket.once("error", resolve);
    });
    if (error === undefined) {
      socket.on("error", () => undefined);
      return socket;
    }
    if (Date.now() > deadline) throw error;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("failpoints in a separate node process", () => {
  it("flips a failpoint over HTTP in a running service and reads /count", async () => {
    const control = await freePort();
    const child = start(SERVICE_SCRIPT, { FAULTLINE_FAILPOINTS_HTTP: `127.0.0.1:${control}` });
    const { port } = await firstLine<{ port: number }>(child);
    (await connectWhenUp(control)).destroy();
    const work = async (): Promise<unknown> => JSON.parse((await call("GET", `http://127.0.0.1:${port}/work`)).body);
    const endpoint = `http://127.0.0.1:${control}`;

    expect(await work()).toEqual({ value: "none" });
    expect((await call("PUT", `${endpoint}/svc.work`, '2*return("injected")')).status).toBe(204);
    expect(await call("GET", `${endpoint}/`)).toEqual({ status: 200, body: 'svc.work=2*return("injected")\n' });
    expect([await work(), await work(), await work()]).toEqual([{ value: "injected" }, { value: "injected" }, { value: "none" }]);
    expect(await call("GET", `${endpoint}/svc.work/count`)).toEqual({ status: 200, body: "2" });

    await call("PUT", `${endpoint}/svc.work`, "panic");
    expect(await work()).toEqual({ error: "FAULTLINE_FAILPOINT" });
    expect((await call("DELETE", `${endpoint}/svc.work`)).status).toBe(204);
    expect(await work()).toEqual({ value: "none" });
  });

  it("reads FAULTLINE_FAILPOINTS at load, and GOFAIL_FAILPOINTS / GOFAIL_HTTP, ours winning", async () => {
    const control = await freePort();
    const child = start(SERVICE_SCRIPT, {
      GOFAIL_FAILPOINTS: 'svc.work=return("gofail");other=return(1)',
      FAULTLINE_FAILPOINTS: 'svc.work=return("ours")',
      GOFAIL_HTTP: `127.0.0.1:${control}`,
    });
    const { port } = await firstLine<{ port: number }>(child);
    (await connectWhenUp(control)).destroy();
    expect(JSON.parse((await call("GET", `http://127.0.0.1:${port}/work`)).body)).toEqual({ value: "ours" });
    expect((await call("GET", `http://127.0.0.1:${control}/`)).body).toBe('other=return(1)\nsvc.work=return("ours")\n');
  });

  it("refuses to start with a malformed FAULTLINE_FAILPOINTS, naming the variable", async () => {
    const child = start(SERVICE_SCRIPT, { FAULTLINE_FAILPOINTS: "svc.work=retrun(1)" });
    const { code } = await child.exited;
    expect(code).not.toBe(0);
    expect(child.stderr()).toContain("FAULTLINE_FAILPOINT");
    expect(child.stderr()).toContain('unknown action "retrun"');
  });

  it("crashes with a clear error when the endpoint's port is taken, as gofail exits", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const taken = (blocker.address() as net.AddressInfo).port;
    try {
      const child = start("require(process.env.FAILPOINTS_MODULE); setTimeout(() => {}, 5000);", {
        FAULTLINE_FAILPOINTS_HTTP: `127.0.0.1:${taken}`,
      });
      const { code } = await child.exited;
      expect(code).not.toBe(0);
      expect(child.stderr()).toMatch(/cannot serve failpoints on 127\.0\.0\.1:\d+: EADDRINUSE/);
    } finally {
      blocker.close();
    }
  });

  it("never keeps the process alive: it exits with the endpoint up and a client connection open", async () => {
    const control = await freePort();
    // The child holds itself open on stdin only; once the test ends stdin, nothing of ours may remain.
    const child = start(
      'require(process.env.FAILPOINTS_MODULE); process.stdin.on("end", () => console.log("bye")).resume(); console.log("{}");',
      { FAULTLINE_FAILPOINTS_HTTP: `127.0.0.1:${control}` },
      "pipe",
    );
    await firstLine(child);
    const socket = await connectWhenUp(control);
    socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await new Promise((resolve) => socket.once("data", resolve));
    // Half a request: the server now waits for the rest, which holds the process unless unref'd.
    socket.write("GET / HTTP/1.1\r\nHost: x\r\n");
    const openWhenReleased = socket.readyState === "open";
    const released = Date.now();
    child.process.stdin!.end();
    const { code } = await child.exited;
    // A referenced connection would hold it for the server's 5s keep-alive/headers wait.
    expect(Date.now() - released).toBeLessThan(2_500);
    socket.destroy();
    expect(code).toBe(0);
    expect(child.stdout()).toContain("bye");
    expect(openWhenReleased).toBe(true); // the child had to leave with our connection still up
  });

  it("stays alive through a sleep() failpoint instead of exiting mid-delay", async () => {
    const child = start('const { failpoint } = require(process.env.FAILPOINTS_MODULE); failpoint("boot").then(() => console.log("after sleep"));', {
      FAULTLINE_FAILPOINTS: "boot=sleep(150)",
    });
    const started = Date.now();
    expect((await child.exited).code).toBe(0);
    expect(child.stdout()).toContain("after sleep");
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});
