import { spawnSync } from "node:child_process";
import { repoRoot } from "./helpers/run-jest";

/** Runs `script` in a plain Node process that resolves "faultline" to this repository's build. */
function inNode(script: string): string {
  const result = spawnSync(process.execPath, ["-e", script], { cwd: repoRoot, encoding: "utf8", env: process.env });
  expect(result.stderr).toBe("");
  return result.stdout.trim();
}

describe("the package's entry points", () => {
  it("exports the history checkers, the fault proxy and the image builder from the main entry without loading the Docker client", () => {
    const out = inNode(`
      const f = require("./dist/index.js");
      const names = ["checkLinearizable", "checkers", "parseHistory", "toJsonl", "toEdnHistory", "FaultProxy", "buildImageFromHost", "withFault", "recipes"];
      const loaded = Object.keys(require.cache).some((k) => k.includes("/node_modules/dockerode/"));
      console.log(JSON.stringify({ missing: names.filter((n) => typeof f[n] === "undefined"), dockerode: loaded }));`);
    expect(JSON.parse(out)).toEqual({ missing: [], dockerode: false });
  });

  it("maps every subpath in package.json exports to a file the build produced", () => {
    const out = inNode(`
      const { exports } = require("./package.json");
      const path = require("node:path"), fs = require("node:fs");
      const files = Object.values(exports).flatMap((v) => typeof v === "string" ? [v] : Object.values(v));
      console.log(JSON.stringify(files.filter((f) => !fs.existsSync(path.join(process.cwd(), f)))));`);
    expect(JSON.parse(out)).toEqual([]);
  });
});
