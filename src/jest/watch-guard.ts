import { join, relative, resolve, isAbsolute } from "node:path";
import type { Config } from "@jest/types";
import { FaultlineError } from "../common/errors";
import type { FaultlineOptions } from "./file-state";

/** What Jest's watcher looks at, from a project's configuration. */
type WatchedProject = Pick<
  Config.ProjectConfig,
  "rootDir" | "roots" | "testEnvironmentOptions" | "watchPathIgnorePatterns" | "modulePathIgnorePatterns" | "moduleFileExtensions"
>;

/** The project's report folder, resolved as the environment resolves it. */
export function reportDirOf(project: Pick<Config.ProjectConfig, "rootDir" | "testEnvironmentOptions">): string {
  const options = (project.testEnvironmentOptions as { faultline?: FaultlineOptions } | undefined)?.faultline;
  const dir = typeof options?.reportDir === "string" ? options.reportDir : "faultline-report";
  return resolve(project.rootDir, dir);
}

function inside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/**
 * In watch mode Jest reruns on any change to a file it watches (every file under `roots` with
 * one of `moduleFileExtensions`, .json included), and every run writes JSON into the report
 * folder: a report folder the watcher sees starts a new run as each test ends, interrupting the
 * one in progress, forever (and each interruption force-exits a busy worker). The preset ignores
 * the default folder; a project that moved it, or replaced `watchPathIgnorePatterns`, is refused
 * here, in global setup, before the first write. Returns the error, or undefined when all is well.
 */
export function unwatchedReportDirError(
  globalConfig: Pick<Config.GlobalConfig, "watch" | "watchAll">,
  project: WatchedProject | undefined,
): FaultlineError | undefined {
  if (!project || !(globalConfig.watch || globalConfig.watchAll)) return undefined;
  if (!(project.moduleFileExtensions ?? ["json"]).includes("json")) return undefined;
  const reportDir = reportDirOf(project);
  const roots = project.roots?.length ? project.roots : [project.rootDir];
  if (!roots.some((root) => inside(root, reportDir))) return undefined;
  // A file the report writes, as the watcher would see it.
  const written = join(reportDir, "runs", "a-test", "outcome.json");
  const patterns = [...(project.watchPathIgnorePatterns ?? []), ...(project.modulePathIgnorePatterns ?? [])];
  if (patterns.some((pattern) => new RegExp(pattern).test(written))) return undefined;
  const shown = relative(project.rootDir, reportDir) || ".";
  return new FaultlineError({
    code: "FAULTLINE_INVALID_OPTION",
    message: `the report folder ${reportDir} is watched by Jest in watch mode, so every report it writes would start a new run, without end`,
    hint: `add it to watchPathIgnorePatterns in your Jest config, e.g. watchPathIgnorePatterns: ["<rootDir>/${shown}/"], or set testEnvironmentOptions.faultline.reportDir outside rootDir`,
    option: "watchPathIgnorePatterns",
  });
}
