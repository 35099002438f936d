import { request } from "node:http";
import { join } from "node:path";
import { provisionCluster } from "../../../src/wiring/start-cluster";
import { faults } from "../../../src/faults/catalog";
import { matchers } from "../../../src/jest/matchers/register";
import { beginRun, endRun } from "../../../src/reaper/run-context";
import { startedCluster } from "../../integration/started-cluster";
import { isFaultlineError } from "../../../src/common/errors";
import type { ClusterSpec } from "../../../src/cluster/types";
import type { Fault } from "../../../src/cluster/fault";
import { expectCoded, outcome } from "./catalogue";

expect.extend(matchers);

const tinyNode = join(__dirname, "..", "..", "fixtures", "servers", "tiny-node.js");
const idle = [process.execPath, "-e", "setInterval(() => {}, 1000)"];

/** One GET to a node's own port: answers only if the process is running, not stopped or paused. */
function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host, port, path: "/", agent: false, timeout: 2000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode === 200));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
    req.end();
  });
}

describe("bad input on a running cluster (issue 16)", () => {
  const started = startedCluster(
    {
      nodes: 3,
      ports: ["http"],
      stop: { timeout: "2s" },
      command: ({ node }) => [process.execPath, tinyNode, "--name", node.name, "--port", String(node.port("http"))],
      leader: async (cluster) => cluster.nodes[0],
    },
    "bad-input",
  );

  afterEach(async () => {
    // Each test leaves the cluster as it found it, even when it fails half-way.
    for (const node of started().nodes) if (node.state !== "running") await node.resume().then(() => node.start());
    for (const node of started().nodes) node.proxy("http")?.clearToxics();
  }, 30_000);

  it("refuses a latency on a port the cluster does not have, naming the cluster's ports, and adds no toxic", async () => {
    const cluster = started();
    await expect(cluster.inject(faults.latency({ latency: 100, port: "nope" }))).rejects.toMatchObject({
      code: "FAULTLINE_INVALID_OPTION",
      option: "latency.port",
      cluster: "bad-input",
      message: expect.stringMatching(/"http".*received "nope"/),
    });
    for (const node of cluster.nodes) expect(node.proxy("http")!.toxics).toEqual([]);
  });

  it("refuses a list naming one node twice (by name and by index) before signalling anyone", async () => {
    const cluster = started();
    const pids = cluster.nodes.map((n) => n.pid);
    await expect(cluster.inject(faults.kill({ node: ["n1", 0] }))).rejects.toMatchObject({ code: "FAULTLINE_INVALID_OPTION", option: "kill.node" });
    expect(cluster.nodes.map((n) => [n.state, n.pid])).toEqual(pids.map((pid) => ["running", pid]));
  });

  it("rolls back a kill that fails part-way: the node it had killed runs again, the one it could not signal is left alone", async () => {
    const cluster = started();
    const [n1, n2] = [cluster.node("n1"), cluster.node("n2")];
    await n2.stop(); // so that killing it fails, after n1 was killed
    const before = n1.pid;
    await expect(cluster.inject(faults.kill({ node: ["n1", "n2"] }))).rejects.toMatchObject({ code: "FAULTLINE_NODE_STATE", node: "n2" });
    expect(n1.state).toBe("running");
    expect(n1.pid).not.toBe(before);
    expect(await answers(n1.host, n1.port("http"))).toBe(true);
    expect(n2.state).toBe("stopped");
    expect(cluster.timeline.events.some((e) => e.type === "fault" && e.phase === "failed" && e.kind === "kill")).toBe(true);
  }, 30_000);

  it("rolls back a pause that fails part-way: the node it had paused answers again", async () => {
    const cluster = started();
    const [n1, n2] = [cluster.node("n1"), cluster.node("n2")];
    await n2.stop();
    const before = n1.pid;
    await expect(cluster.inject(faults.pause({ node: ["n1", "n2"] }))).rejects.toMatchObject({ code: "FAULTLINE_NODE_STATE", node: "n2" });
    expect(n1.state).toBe("running");
    expect(n1.pid).toBe(before);
    expect(await answers(n1.host, n1.port("http"))).toBe(true);
  }, 30_000);

  it("rolls back a toxic fault that fails part-way: no proxy keeps the toxic", async () => {
    const cluster = started();
    const [n1, n2] = [cluster.node("n1"), cluster.node("n2")];
    // A toxic of the same name on n2's proxy makes adding the fault's fail there, after n1's.
    n2.proxy("http")!.addToxic({ type: "latency", name: "clash", attributes: { latency: 1 } });
    const fault = faults.latency({ latency: 500, node: ["n1", "n2"] });
    await expect(fault.apply(cluster, { id: "clash", random: Math.random })).rejects.toMatchObject({ code: "FAULTLINE_INVALID_OPTION" });
    expect(n1.proxy("http")!.toxics).toEqual([]);
    expect(n2.proxy("http")!.toxics.map((t) => t.id)).toEqual(["clash"]);
  });

  describe("matchers never pass on an option they cannot read", () => {
    it("toExitWithin with a code that is not a number", async () => {
      await expect(expect(started().node("n1")).not.toExitWithin("10ms", { code: "0" as never })).rejects.toMatchObject({
        code: "FAULTLINE_INVALID_OPTION",
        option: "toExitWithin.code",
      });
      await expect(expect(started().node("n1")).not.toExitWithin("10ms", { sigal: "SIGKILL" } as never)).rejects.toMatchObject({
        code: "FAULTLINE_INVALID_OPTION",
        option: "toExitWithin.sigal",
      });
    });

    it("toHaveLeader naming no node of the cluster", async () => {
      await expect(expect(started()).not.toHaveLeader("n9")).rejects.toMatchObject({
        code: "FAULTLINE_INVALID_OPTION",
        option: "toHaveLeader.expected",
        message: expect.stringContaining("n1, n2, n3"),
      });
    });

    it("toElectLeaderWithin with an unknown node or a misspelt option", async () => {
      await expect(expect(started()).toElectLeaderWithin("1s", { different: "n9" })).rejects.toMatchObject({
        code: "FAULTLINE_INVALID_OPTION",
        option: "toElectLeaderWithin.different",
      });
      await expect(expect(started()).toElectLeaderWithin("1s", { diferent: true } as never)).rejects.toMatchObject({
        code: "FAULTLINE_INVALID_OPTION",
        option: "toElectLeaderWithin.diferent",
      });
    });

    it("toStayHealthyFor with a misspelt option or a zero interval", async () => {
      await expect(expect(started()).toStayHealthyFor("10ms", { intervl: 5 } as never)).rejects.toMatchObject({
        code: "FAULTLINE_INVALID_OPTION",
        option: "toStayHealthyFor.intervl",
      });
      await expect(expect(started()).toStayHealthyFor("10ms", { interval: 0 })).rejects.toMatchObject({
        code: "FAULTLINE_INVALID_DURATION",
        option: "toStayHealthyFor.interval",
      });
    });
  });
});

describe("a link fault on a cluster with no ports", () => {
  const started = startedCluster({ nodes: 2, command: () => idle }, "portless");

  it("refuses rather than report a fault that touches no proxy", async () => {
    await expect(started().inject(faults.latency({ latency: 100 }))).rejects.toMatchObject({
      code: "FAULTLINE_FAULT_UNSUPPORTED",
      option: "latency",
      message: expect.stringContaining("no fault proxy"),
    });
    await expect(started().inject(faults.down())).rejects.toMatchObject({ code: "FAULTLINE_FAULT_UNSUPPORTED" });
  });
});

describe("a cwd that does not exist", () => {
  it("is named as the problem, not reported as a missing node binary", async () => {
    const run = beginRun();
    try {
      await expect(provisionCluster({ nodes: 1, cwd: "/nonexistent/faultline-cwd", command: () => idle }, { name: "cwd", run })).rejects.toMatchObject({
        code: "FAULTLINE_INVALID_OPTION",
        option: "cwd",
        node: "n1",
        message: expect.stringContaining('"/nonexistent/faultline-cwd" does not exist'),
      });
    } finally {
      await endRun(run);
    }
  }, 30_000);
});

/** Wrong input only a real start can reveal: refused with a coded error, and nothing left running. */
describe("bad cluster specs refused while provisioning", () => {
  const spec = (extra: Partial<ClusterSpec>): ClusterSpec => ({ nodes: 2, readyTimeout: "5s", stop: { timeout: "1s" }, command: () => idle, ...extra });
  const rows: Array<[string, ClusterSpec, string, string | undefined, string]> = [
    ["a command that returns a string", spec({ command: (() => "node server.js") as never }), "FAULTLINE_INVALID_OPTION", "command", '"node server.js"'],
    ["a command that returns no argv", spec({ command: () => [] }), "FAULTLINE_INVALID_OPTION", "command", "empty argv"],
    ["a command that returns numbers", spec({ command: (() => [process.execPath, 5]) as never }), "FAULTLINE_INVALID_OPTION", "command", "5"],
    ["a missing binary", spec({ command: () => ["/nonexistent/faultline-bin", "--x"] }), "FAULTLINE_BINARY_NOT_FOUND", "command", "/nonexistent/faultline-bin"],
    ["a binary not on PATH", spec({ command: () => ["faultline-no-such-binary"] }), "FAULTLINE_BINARY_NOT_FOUND", "command", "faultline-no-such-binary"],
    [
      "a node that exits at once",
      spec({ ports: ["http"], command: () => [process.execPath, "-e", "process.exit(3)"] }),
      "FAULTLINE_NODE_EXITED",
      undefined,
      "3",
    ],
    ["an env function returning a string", spec({ env: (() => "A=1") as never }), "FAULTLINE_INVALID_OPTION", "env", '"A=1"'],
  ];

  it.each(rows)(
    "%s",
    async (_label, bad, code, option, received) => {
      const run = beginRun();
      try {
        const error = await outcome(() => provisionCluster(bad, { name: "bad-spec", run }), 30_000);
        expectCoded(error, code, option, received);
        expect(isFaultlineError(error) && (error.node !== undefined || error.option !== undefined)).toBe(true);
      } finally {
        await endRun(run);
      }
      // Nothing of the failed start keeps running: endRun would have failed with FAULTLINE_TEARDOWN otherwise.
    },
    60_000,
  );
});

describe("fault targets that do not exist, refused at apply with nothing faulted", () => {
  const started = startedCluster(
    {
      nodes: 3,
      ports: ["http"],
      stop: { timeout: "2s" },
      command: ({ node }) => [process.execPath, tinyNode, "--name", node.name, "--port", String(node.port("http"))],
    },
    "bad-targets",
  );
  const unknown = "FAULTLINE_UNKNOWN_NODE";
  const rows: Array<[string, () => Fault, string, string | undefined, string]> = [
    ['kill of node "n9"', () => faults.kill({ node: "n9" }), unknown, "kill.node", '"n9"'],
    ["kill of node 7", () => faults.kill({ node: 7 }), unknown, "kill.node", "7"],
    ['kill of ["n1", "n9"]', () => faults.kill({ node: ["n1", "n9"] }), unknown, "kill.node", '"n9"'],
    ['pause of node "N1" (names are exact)', () => faults.pause({ node: "N1" }), unknown, "pause.node", '"N1"'],
    ['restart of node "n9"', () => faults.restart({ node: "n9" }), unknown, "restart.node", '"n9"'],
    ['partition isolating "n9"', () => faults.partition({ isolate: "n9" }), unknown, "partition.isolate", '"n9"'],
    ['partition groups naming "n9"', () => faults.partition({ groups: [["n9"], ["n1"]] }), unknown, "partition.groups", '"n9"'],
    ['partition grudge naming "n9"', () => faults.partition({ grudge: { n1: ["n9"] } }), "FAULTLINE_INVALID_OPTION", "grudge", '"n9"'],
    ['partition bridge "n9"', () => faults.partition({ bridge: "n9" }), "FAULTLINE_INVALID_OPTION", "bridge", '"n9"'],
    ['latency on node "n9"', () => faults.latency({ latency: 10, node: "n9" }), unknown, "latency.node", '"n9"'],
    ["a clock fault on a cluster without clock: true", () => faults.clock({ offset: "1m" }), "FAULTLINE_FAULT_UNSUPPORTED", "clock", "clock: true"],
    ["a full disk on a cluster without disk: { size }", () => faults.disk({ mode: "full" }), "FAULTLINE_FAULT_UNSUPPORTED", "disk.size", "disk"],
  ];

  it.each(rows)(
    "%s",
    async (_label, make, code, option, received) => {
      const cluster = started();
      const pids = cluster.nodes.map((n) => n.pid);
      const error = await outcome(() => cluster.inject(make()), 30_000);
      expectCoded(error, code, option, received);
      // Nothing was faulted: every node still runs as before, no toxic, no fault left active.
      expect(cluster.nodes.map((n) => [n.state, n.pid])).toEqual(pids.map((pid) => ["running", pid]));
      for (const node of cluster.nodes) expect(node.proxy("http")!.toxics).toEqual([]);
      for (const node of cluster.nodes) expect(await answers(node.host, node.port("http"))).toBe(true);
    },
    60_000,
  );
});
