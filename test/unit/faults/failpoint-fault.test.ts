import * as fs from "node:fs";
import type { Node } from "../../../src/cluster/types";
import type { FaultTarget } from "../../../src/cluster/fault";
import { failpointFault, type ActiveFailpointFault } from "../../../src/faults/failpoint-fault";
import type { FaultContext } from "../../../src/cluster/fault";
import { failpoint, failpoints } from "../../../src/failpoints";
import { SERVICE_SCRIPT, call, firstLine, freePort, spawnNode, transpileFailpoints, type Child } from "../failpoints/child-harness";

jest.setTimeout(20_000);

const context = (random: () => number = Math.random): FaultContext => ({ id: "f-1", random });

/** Just enough of a Node for the fault: a name and the url of its "failpoints" port. */
function fakeNode(name: string, failpointsPort: number): Node {
  return {
    name,
    url(port: string, scheme = "http", options?: { direct?: boolean }) {
      if (port !== "failpoints") throw new Error(`unknown port ${port}`);
      if (!options?.direct) throw new Error("the failpoint endpoint must be dialled directly, not through the fault proxy");
      return `${scheme}://127.0.0.1:${failpointsPort}`;
    },
  } as unknown as Node;
}

function fakeCluster(nodes: Node[], leader?: Node): FaultTarget {
  return {
    name: "kv",
    nodes,
    node: (key: string | number) => {
      const found = typeof key === "number" ? nodes[key] : nodes.find((n) => n.name === key);
      if (!found) throw new Error(`no node ${key}`);
      return found;
    },
    leader: async () => leader,
  } as unknown as FaultTarget;
}

afterEach(() => failpoints.disableAll());

describe("failpointFault in the test process", () => {
  it("sets the failpoint on apply and turns it off on heal (idempotently)", async () => {
    const fault = failpointFault({ name: "cas.put", term: "return(7)" });
    expect(fault.kind).toBe("failpoint");
    expect(fault.describe()).toBe("failpoint cas.put=return(7) in the test process");
    const active = (await fault.apply(undefined, context())) as ActiveFailpointFault;
    expect(active).toMatchObject({ id: "f-1", kind: "failpoint", targets: [], healed: false });
    expect(await failpoint("cas.put")).toBe(7);
    expect(await active.count()).toBe(1);
    await active.heal();
    await active.heal();
    expect(active.healed).toBe(true);
    expect(await failpoint("cas.put")).toBeUndefined();
  });

  it("puts back the terms the failpoint had before", async () => {
    failpoints.enable("wal.sync", "return(1)");
    const active = await failpointFault({ name: "wal.sync", term: "panic" }).apply(undefined, context());
    await expect(failpoint("wal.sync")).rejects.toMatchObject({ code: "FAULTLINE_FAILPOINT" });
    await active[Symbol.asyncDispose]();
    expect(await failpoint("wal.sync")).toBe(1);
  });

  it("draws probabilities from the fault context's random source (seeded schedules)", async () => {
    const always = await failpointFault({ name: "p", term: "50%return(1)" }).apply(
      undefined,
      context(() => 0),
    );
    expect([await failpoint("p"), await failpoint("p")]).toEqual([1, 1]);
    await always.heal();
    const never = await failpointFault({ name: "p", term: "50%return(1)" }).apply(
      undefined,
      context(() => 0.99),
    );
    expect([await failpoint("p"), await failpoint("p")]).toEqual([undefined, undefined]);
    await never.heal();
  });
});

describe("failpointFault options", () => {
  it("rejects a bad term when the fault is built, naming the option and the bad part", () => {
    expect(() => failpointFault({ name: "x", term: "3*retrun(1)" })).toThrow(
      expect.objectContaining({ code: "FAULTLINE_FAILPOINT", option: "term", message: expect.stringMatching(/unknown action "retrun"/) }),
    );
  });

  it.each(["", "has space", "a=b", 42])("rejects the name %j", (name) => {
    expect(() => failpointFault({ name: name as string, term: "off" })).toThrow(expect.objectContaining({ code: "FAULTLINE_INVALID_OPTION", option: "name" }));
  });

  it("needs a cluster to find a node by name", async () => {
    await expect(failpointFault({ node: "n1", name: "x", term: "off" }).apply(undefined, context())).rejects.toMatchObject({
      code: "FAULTLINE_NO_CLUSTER",
      option: "node",
    });
  });

  it("names the node and the option when the node has no such port", async () => {
    const node = fakeNode("n2", 1);
    await expect(failpointFault({ node, name: "x", term: "off", port: "fp" }).apply(undefined, context())).rejects.toMatchObject({
      code: "FAULTLINE_INVALID_OPTION",
      node: "n2",
      option: "port",
    });
  });

  it("fails on a node whose endpoint is not up, naming the node and how to start it", async () => {
    const node = fakeNode("n3", await freePort());
    await expect(failpointFault({ node, name: "x", term: "off" }).apply(undefined, context())).rejects.toMatchObject({
      code: "FAULTLINE_FAULT_FAILED",
      node: "n3",
      message: expect.stringContaining("ECONNREFUSED"),
      hint: expect.stringContaining("FAULTLINE_FAILPOINTS_HTTP"),
    });
  });

  it("fails on a cluster with no leader when targeting the leader", async () => {
    const cluster = fakeCluster([fakeNode("n1", 1)]);
    await expect(failpointFault({ node: "leader", name: "x", term: "off" }).apply(cluster, context())).rejects.toMatchObject({
      code: "FAULTLINE_NO_LEADER",
    });
  });
});

describe("failpointFault on a node (a real child process)", () => {
  let moduleDir: string;
  let child: Child;
  let control: number;
  let service: number;

  beforeAll(async () => {
    moduleDir = transpileFailpoints();
    control = await freePort();
    child = spawnNode(SERVICE_SCRIPT, moduleDir, { FAULTLINE_FAILPOINTS_HTTP: `127.0.0.1:${control}` });
    service = (await firstLine<{ port: number }>(child)).port;
    for (let i = 0; i < 200 && (await call("GET", `http://127.0.0.1:${control}/`).catch(() => undefined)) === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
  afterAll(async () => {
    child.process.kill("SIGKILL");
    await child.exited;
    fs.rmSync(moduleDir, { recursive: true, force: true });
  });

  const work = async (): Promise<unknown> => JSON.parse((await call("GET", `http://127.0.0.1:${service}/work`)).body);

  it("PUTs the term to the leader's endpoint, counts over /count, and DELETEs it on heal", async () => {
    const n1 = fakeNode("n1", control);
    const cluster = fakeCluster([fakeNode("n0", 1), n1], n1);
    const fault = failpointFault({ node: "leader", name: "svc.work", term: '2*return("boom")' });
    expect(fault.describe()).toBe('failpoint svc.work=2*return("boom") on the leader node');
    const active = (await fault.apply(cluster, context())) as ActiveFailpointFault;
    expect(active.targets).toEqual(["n1"]);
    expect([await work(), await work(), await work()]).toEqual([{ value: "boom" }, { value: "boom" }, { value: "none" }]);
    expect(await active.count()).toBe(2);
    await active.heal();
    expect((await call("GET", `http://127.0.0.1:${control}/svc.work`)).status).toBe(404);
    expect(await work()).toEqual({ value: "none" });
  });

  it("restores the node's previous terms on heal", async () => {
    await call("PUT", `http://127.0.0.1:${control}/svc.work`, 'return("baseline")');
    const active = await failpointFault({ node: fakeNode("n1", control), name: "svc.work", term: "panic" }).apply(undefined, context());
    expect(await work()).toEqual({ error: "FAULTLINE_FAILPOINT" });
    await active.heal();
    expect(await work()).toEqual({ value: "baseline" });
    await call("DELETE", `http://127.0.0.1:${control}/svc.work`);
  });

  it("undoes the nodes already set when a later node fails", async () => {
    const up = fakeNode("n1", control);
    const down = fakeNode("n2", await freePort());
    const fault = failpointFault({ node: "all", name: "svc.work", term: "return(1)" });
    await expect(fault.apply(fakeCluster([up, down]), context())).rejects.toMatchObject({ node: "n2" });
    expect((await call("GET", `http://127.0.0.1:${control}/svc.work`)).status).toBe(404);
    expect(await work()).toEqual({ value: "none" });
  });

  it("heals quietly when the node has gone away (its failpoints went with it)", async () => {
    const port = await freePort();
    const other = spawnNode(SERVICE_SCRIPT, moduleDir, { FAULTLINE_FAILPOINTS_HTTP: `127.0.0.1:${port}` });
    await firstLine(other);
    for (let i = 0; i < 200 && (await call("GET", `http://127.0.0.1:${port}/`).catch(() => undefined)) === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const active = await failpointFault({ node: fakeNode("n9", port), name: "svc.work", term: "panic" }).apply(undefined, context());
    other.process.kill("SIGKILL");
    await other.exited;
    await expect(active.heal()).resolves.toBeUndefined();
    expect(active.healed).toBe(true);
  });
});
