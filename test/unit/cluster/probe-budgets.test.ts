import { join } from "node:path";
import { provisionCluster } from "../../../src/wiring/start-cluster";
import { faults } from "../../../src/faults/catalog";
import { matchers } from "../../../src/jest/matchers/register";
import { beginRun, endRun } from "../../../src/reaper/run-context";
import { startedCluster } from "../../integration/started-cluster";

expect.extend(matchers);

const tinyNode = join(__dirname, "..", "..", "fixtures", "servers", "tiny-node.js");
const never = (): Promise<never> => new Promise(() => undefined);
const command = ({ node }: { node: { name: string; port(name: string): number } }): string[] => [
  process.execPath,
  tinyNode,
  "--name",
  node.name,
  "--port",
  String(node.port("http")),
];

// User-written probes may hang (a request to a paused node without a timeout of its own). The
// budgets must still end, with faultline's message rather than Jest's generic timeout.
describe("budgets hold against probes that hang", () => {
  const probes = { hang: false, leader: "n1" as string | undefined };
  const started = startedCluster(
    {
      nodes: 3,
      ports: ["http"],
      command,
      healthy: async () => (probes.hang ? never() : true),
      leader: async () => (probes.hang ? never() : probes.leader),
    },
    "hangs",
  );

  afterEach(() => {
    probes.hang = false;
    probes.leader = "n1";
  });

  it("fails readiness with FAULTLINE_READY_TIMEOUT when the ready probe never answers", async () => {
    const run = beginRun();
    try {
      const starting = provisionCluster({ nodes: 1, ports: ["http"], command, ready: never, readyTimeout: "500ms" }, { name: "stuck", run });
      await expect(starting).rejects.toMatchObject({ code: "FAULTLINE_READY_TIMEOUT", message: expect.stringMatching(/probe did not answer within/) });
    } finally {
      await endRun(run);
    }
  }, 30_000);

  it("ends toRecoverWithin at its budget, naming the probe that did not answer", async () => {
    const cluster = started();
    probes.hang = true;
    await expect(expect(cluster).toRecoverWithin("400ms")).rejects.toThrow(/healthy probe did not answer within/);
  }, 30_000);

  it("ends toElectLeaderWithin at its budget", async () => {
    const cluster = started();
    probes.hang = true;
    await expect(expect(cluster).toElectLeaderWithin("400ms")).rejects.toThrow(/no leader was seen/);
  }, 30_000);

  it("does not count a hanging probe as staying healthy", async () => {
    const cluster = started();
    probes.hang = true;
    await expect(expect(cluster).toStayHealthyFor("300ms")).rejects.toThrow(/healthy probe did not answer/);
  }, 30_000);
});

describe("toElectLeaderWithin with { different: true }", () => {
  let leader = "n1";
  const started = startedCluster({ nodes: 3, ports: ["http"], command, leader: async () => leader }, "leaders");

  it("refuses to guess when no leader was recorded before the fault, instead of passing for the same leader", async () => {
    const cluster = started();
    cluster.timeline.record({ type: "test", phase: "start", name: "refuses to guess" });
    const fault = await cluster.inject(faults.pause({ node: "n3" }));
    try {
      await expect(expect(cluster).toElectLeaderWithin("300ms", { different: true })).rejects.toMatchObject({ code: "FAULTLINE_NO_LEADER" });
    } finally {
      await fault.heal();
    }
  }, 30_000);

  it("compares with the leader the fault's target resolution saw", async () => {
    const cluster = started();
    cluster.timeline.record({ type: "test", phase: "start", name: "compares" });
    const fault = await cluster.inject(faults.pause({ node: "leader" }));
    try {
      await expect(expect(cluster).toElectLeaderWithin("300ms", { different: true })).rejects.toThrow(/only n1 was seen leading/);
      leader = "n2";
      await expect(cluster).toElectLeaderWithin("2s", { different: true });
    } finally {
      await fault.heal();
    }
  }, 30_000);
});
