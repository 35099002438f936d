import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { provisionCluster } from "../../../src/wiring/start-cluster";
import { beginRun, endRun, type RunContext } from "../../../src/reaper/run-context";
import { startedCluster } from "../../integration/started-cluster";

const spec = {
  nodes: 2,
  ports: ["p"],
  command: ({ node }: { node: { port(name: string): number } }) => [
    process.execPath,
    "-e",
    `require("net").createServer().listen(${node.port("p")}, "127.0.0.1")`,
  ],
};

describe("cluster names and directories", () => {
  let run: RunContext;
  beforeAll(() => {
    run = beginRun();
  });
  afterAll(() => endRun(run));

  it.each(["../../escape", "a/b", "..", ".hidden", "with space", "", "x".repeat(65)])("refuses the cluster name %j before creating anything", async (name) => {
    await expect(provisionCluster(spec, { name, run })).rejects.toMatchObject({
      code: "FAULTLINE_INVALID_OPTION",
      option: "name",
      hint: expect.stringContaining("folder"),
    });
    expect(existsSync(join(dirname(run.dir), "escape"))).toBe(false);
    expect(existsSync(join(run.dir, "..", "..", "escape"))).toBe(false);
  });

  describe("a started cluster", () => {
    const cluster = startedCluster(spec, "dirs");
    it("keeps its directory and its nodes' data dirs closed to other users (0700)", () => {
      const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);
      const { dir } = cluster() as unknown as { dir: string };
      expect(mode(dir)).toBe("700");
      for (const node of cluster().nodes) expect(mode(node.dataDir)).toBe("700");
    });
  });
});
