/**
 * Loaded by the preset in every test file (setupFilesAfterEnv): registers the matchers and the
 * hooks that provision the file's clusters, restore steady state between tests, and tear down.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect, jest } from "@jest/globals";
import { fileState } from "./file-state";
import { registerMatchers } from "./matchers/register";
import { writeArtifacts } from "./write-artifacts";
import { describeClusters, provisionClusters, restoreClusters, teardownClusters, testDone, testStarted } from "./file-lifecycle";

registerMatchers();

const state = fileState();
if (state) {
  let failureText = "";
  state.teardown = () => teardownClusters(state);
  state.describeFailure = () => failureText;
  state.onTestDone = async (name, status) => {
    testDone(state, name, status);
    await writeArtifacts(state, name, status);
  };

  // testTimeout is a global Jest option, so the preset's value is lost when it is used inside
  // `projects`; real clusters need more than Jest's 5 s default. A user's own setting wins.
  if (state.config.jestDefaultTimeout) jest.setTimeout(60_000);

  beforeAll(async () => {
    // The test file's own require, so Jest's transform applies to TypeScript cluster modules.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    if (state.wanted.size > 0) await provisionClusters(state, (path) => require(path));
  }, state.config.provisionTimeoutMs);

  beforeEach(() => {
    failureText = "";
    state.failureSnapshot = undefined;
    testStarted(state, expect.getState().currentTestName ?? "");
  });

  afterEach(async () => {
    // Captured before restoring, so a failure shows the cluster as the test left it.
    failureText = state.failureSnapshot ?? describeClusters(state);
    await restoreClusters(state);
  }, state.config.restoreTimeoutMs);

  afterAll(() => teardownClusters(state), 120_000);
}
