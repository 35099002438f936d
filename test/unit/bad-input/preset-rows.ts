import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EnvironmentContext, JestEnvironmentConfig } from "@jest/environment";
import FaultlineEnvironment from "../../../src/jest/environment";
import { loadClusterModule } from "../../../src/jest/load-cluster-module";
import type { FileConfig } from "../../../src/jest/file-state";
import type { Row } from "./catalogue";

const bad = "FAULTLINE_INVALID_OPTION";
const P = "testEnvironmentOptions.faultline";

/** The preset's environment, built as Jest builds it for a file, with `faultline` options. */
function environment(faultline: unknown) {
  return () => {
    const config = {
      globalConfig: { testTimeout: 5000 },
      projectConfig: { rootDir: tmpdir(), testEnvironmentOptions: { faultline }, globals: {}, fakeTimers: {}, setupFiles: [] },
    } as unknown as JestEnvironmentConfig;
    const context = { console, docblockPragmas: {}, testPath: join(tmpdir(), "x.test.ts") } as unknown as EnvironmentContext;
    const env = new FaultlineEnvironment(config, context);
    return env.teardown();
  };
}

const modules = mkdtempSync(join(tmpdir(), "faultline-bad-modules-"));
writeFileSync(join(modules, "no-default.js"), "module.exports = { nodes: 3 };\n");
writeFileSync(join(modules, "throws.js"), "throw new Error('boom at load');\n");
const config = (clusters: Record<string, string>): FileConfig =>
  ({
    clusters,
    requested: [],
    testPath: "",
    rootDir: modules,
    reportDir: "",
    provisionTimeoutMs: 1,
    restoreTimeoutMs: 1,
    progress: false,
    watching: false,
    jestDefaultTimeout: true,
  }) as FileConfig;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the environment passes the test file's own require
const load = (name: string, clusters: Record<string, string>) => () => loadClusterModule(name, config(clusters), (path) => require(path) as unknown);

/** The preset's own configuration: refused when the file's environment is built. */
export const presetRows: Row[] = [
  ["faultline options as a string", environment("etcd"), bad, P, '"etcd"'],
  ["a misspelt faultline option", environment({ cluster: { etcd: "./e.ts" } }), bad, `${P}.cluster`, '{"etcd":"./e.ts"}'],
  ["clusters as a list", environment({ clusters: ["./etcd.cluster.ts"] }), bad, `${P}.clusters`, '["./etcd.cluster.ts"]'],
  ["clusters as a string", environment({ clusters: "./etcd.cluster.ts" }), bad, `${P}.clusters`, '"./etcd.cluster.ts"'],
  ["a cluster path that is a number", environment({ clusters: { etcd: 5 } }), bad, `${P}.clusters.etcd`, "5"],
  ["a cluster path that is empty", environment({ clusters: { etcd: "" } }), bad, `${P}.clusters.etcd`, '""'],
  ["a cluster named ../x", environment({ clusters: { "../x": "./x.ts" } }), bad, `${P}.clusters`, '"../x"'],
  ["a cluster named with a space", environment({ clusters: { "my etcd": "./x.ts" } }), bad, `${P}.clusters`, '"my etcd"'],
  ["reportDir as a number", environment({ reportDir: 5 }), bad, `${P}.reportDir`, "5"],
  ["reportDir empty", environment({ reportDir: "" }), bad, `${P}.reportDir`, '""'],
  ['provisionTimeout "2 minutes"', environment({ provisionTimeout: "2 minutes" }), "FAULTLINE_INVALID_DURATION", `${P}.provisionTimeout`, '"2 minutes"'],
  ["restoreTimeout 0", environment({ restoreTimeout: 0 }), "FAULTLINE_INVALID_DURATION", `${P}.restoreTimeout`, "0"],
  ['progress "no"', environment({ progress: "no" }), bad, `${P}.progress`, '"no"'],
  ["an unconfigured cluster", load("etcd", {}), "FAULTLINE_UNKNOWN_CLUSTER", `${P}.clusters`, '"etcd"'],
  ["a cluster module that does not exist", load("etcd", { etcd: join(modules, "absent.ts") }), "FAULTLINE_CLUSTER_MODULE", `${P}.clusters.etcd`, "absent.ts"],
  [
    "a cluster module without defineCluster",
    load("etcd", { etcd: join(modules, "no-default.js") }),
    "FAULTLINE_CLUSTER_MODULE",
    `${P}.clusters.etcd`,
    "no-default.js",
  ],
  ["a cluster module that throws", load("etcd", { etcd: join(modules, "throws.js") }), "FAULTLINE_CLUSTER_MODULE", `${P}.clusters.etcd`, "boom at load"],
];
