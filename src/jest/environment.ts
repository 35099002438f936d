import { resolve } from "node:path";
import type { EnvironmentContext, JestEnvironmentConfig } from "@jest/environment";
import type { Circus } from "@jest/types";
import NodeEnvironment from "jest-environment-node";
import { toMs } from "../common/duration";
import { FaultlineError } from "../common/errors";
import { setFileState, type FaultlineOptions, type FileState } from "./file-state";
import { appendToErrors } from "./append-to-errors";
import { validateFaultlineOptions } from "./faultline-options";
import { guardCoreHttp } from "./core-http-guard";

/**
 * faultline's test environment: Node's, plus the file's cluster configuration (from
 * `testEnvironmentOptions.faultline` and the `@cluster` docblock), failure messages that end
 * with the cluster's state, and a teardown that always removes the file's clusters.
 */
export default class FaultlineEnvironment extends NodeEnvironment {
  private readonly state: FileState;
  private readonly restoreCoreHttp = guardCoreHttp();

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    const project = config.projectConfig;
    const options = ((project.testEnvironmentOptions ?? {}) as { faultline?: FaultlineOptions }).faultline ?? {};
    validateFaultlineOptions(options);
    if (options.clusters !== undefined && (typeof options.clusters !== "object" || options.clusters === null)) {
      throw new FaultlineError({
        code: "FAULTLINE_INVALID_OPTION",
        message: "testEnvironmentOptions.faultline.clusters must map cluster names to module paths",
        hint: 'e.g. clusters: { etcd: "./test/clusters/etcd.cluster.ts" }',
        option: "testEnvironmentOptions.faultline.clusters",
      });
    }
    const clusters: Record<string, string> = {};
    for (const [name, path] of Object.entries(options.clusters ?? {})) clusters[name] = resolve(project.rootDir, path);
    const pragma = context.docblockPragmas.cluster;
    const requested = (Array.isArray(pragma) ? pragma : pragma ? [pragma] : []).flatMap((p) => p.split(/[\s,]+/)).filter(Boolean);
    this.state = {
      config: {
        clusters,
        requested,
        testPath: context.testPath,
        rootDir: project.rootDir,
        reportDir: resolve(project.rootDir, options.reportDir ?? "faultline-report"),
        provisionTimeoutMs: toMs(options.provisionTimeout ?? "120s", { option: "testEnvironmentOptions.faultline.provisionTimeout" }),
        restoreTimeoutMs: toMs(options.restoreTimeout ?? "60s", { option: "testEnvironmentOptions.faultline.restoreTimeout" }),
        progress: options.progress ?? true,
        watching: Boolean(config.globalConfig.watch || config.globalConfig.watchAll),
        jestDefaultTimeout: config.globalConfig.testTimeout === undefined || config.globalConfig.testTimeout === 5000,
      },
      clusters: new Map(),
      wanted: new Set(requested),
      faultOwners: new Map(),
    };
    setFileState(this.global, this.state);
  }

  async handleTestEvent(event: Circus.AsyncEvent | Circus.SyncEvent): Promise<void> {
    if (event.name === "test_done") {
      const test = event.test;
      const status = test.errors.length > 0 ? "failed" : "passed";
      const name = testName(test);
      await this.state.onTestDone?.(name, status, test.errors);
      if (status === "failed" && this.state.describeFailure) {
        const text = this.state.describeFailure();
        if (text) appendToErrors(test.errors, text);
      }
    }
  }

  override async teardown(): Promise<void> {
    try {
      await this.state.teardown?.();
    } finally {
      this.restoreCoreHttp();
      await super.teardown();
    }
  }
}

function testName(test: Circus.TestEntry): string {
  const parts: string[] = [test.name];
  let parent: Circus.DescribeBlock | undefined = test.parent;
  while (parent && parent.name !== "ROOT_DESCRIBE_BLOCK") {
    parts.unshift(parent.name);
    parent = parent.parent;
  }
  return parts.join(" ");
}

export const TestEnvironment = FaultlineEnvironment;
