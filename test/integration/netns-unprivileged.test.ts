import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { requireOrSkip } from "../helpers/requirements";
import { asNobody, canRunAsNobody } from "./as-nobody";

const repoRoot = join(__dirname, "..", "..");

// Needs root to drop privileges to "nobody"; the point is what a user without root sees.
requireOrSkip("root and setpriv (to run as nobody)", () => (canRunAsNobody ? undefined : "needs root and util-linux's setpriv"))("netns without root", () => {
  it("fails with FAULTLINE_PERMISSION naming what is missing, and starts nothing", () => {
    const script = `
      const { provisionCluster } = require(${JSON.stringify(join(repoRoot, "dist", "wiring", "start-cluster.js"))});
      provisionCluster({ nodes: 3, provisioner: "netns", ports: ["p"], command: () => ["sleep", "60"] }, { name: "etcd" })
        .then(() => { console.log("UNEXPECTED: started"); process.exit(3); },
              (e) => { console.log(JSON.stringify({ code: e.code, message: e.message })); process.exit(0); });`;
    const { status, output } = asNobody(script);
    expect(status).toBe(0);
    const error = JSON.parse(output.trim().split("\n").pop()!) as { code: string; message: string };
    expect(error.code).toBe("FAULTLINE_PERMISSION");
    expect(error.message).toMatch(/root|CAP_NET_ADMIN/);
    expect(spawnSync("pgrep", ["-u", "65534", "-f", "sleep 60"]).status).toBe(1); // 1: no such process
  });
});
