import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Resource } from "./registry";
import { Registry, resourceKey } from "./registry";
import { FaultlineError, errorReason, isFaultlineError } from "../common/errors";
import { timers } from "../common/timers";
import { processState } from "./process-identity";
import { isAlreadyGone, undoCommandProblem } from "./undo-command";

export interface CleanupReport {
  removed: string[];
  failed: Array<{ label: string; error: string }>;
  /** Registry lines that were not resources faultline registers: never acted on. */
  refused: Array<{ line: string; problem: string }>;
}

/**
 * Kills a process group if it is still the one registered. SIGKILL: the run is over. Returns
 * what it found; throws when the group exists and could not be signalled.
 */
function killGroup(pgid: number, start: string | undefined): "killed" | "gone" | "not ours" {
  const leader = processState(pgid, start);
  // A reused pid (or one whose identity cannot be told) may lead an unrelated group: hands off.
  if (leader === "other") return "not ours";
  // With the leader gone its group may live on, and its id cannot be reused while a member
  // exists: the kernel keeps a pid in use as long as any process has it as its group id.
  try {
    process.kill(-pgid, "SIGKILL");
    return "killed";
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return "gone";
    throw error;
  }
}

async function removeDocker(resource: Extract<Resource, { kind: "docker-container" | "docker-network" }>): Promise<void> {
  // Loaded lazily: a run that never used Docker must not need dockerode to clean up.
  const Docker = require("dockerode") as typeof import("dockerode");
  // A bounded wait: an engine that stopped answering must not hold the rest of the cleanup.
  const docker = new Docker({ ...(resource.dockerHost ? dockerOptionsFor(resource.dockerHost) : {}), timeout: 30_000 });
  if (resource.kind === "docker-container") {
    await docker.getContainer(resource.id).remove({ force: true, v: true }).catch(ignoreGone);
  } else {
    await docker.getNetwork(resource.id).remove().catch(ignoreGone);
  }
}

/**
 * Connection options for an engine address in DOCKER_HOST syntax (`unix://`, `tcp://`, `ssh://`),
 * as the docker CLI reads it: TLS when DOCKER_TLS_VERIFY=1 or port 2376, certificates from
 * DOCKER_CERT_PATH (default ~/.docker). Every field is set explicitly because dockerode merges
 * the options it is given over the ones it derives from the environment's DOCKER_HOST, which may
 * name another engine.
 */
export function dockerOptionsFor(host: string): import("dockerode").DockerOptions {
  const blank = {
    socketPath: undefined,
    host: undefined,
    port: undefined,
    protocol: undefined,
    ca: undefined,
    cert: undefined,
    key: undefined,
    username: undefined,
  };
  if (host.startsWith("unix://")) return { ...blank, socketPath: host.slice("unix://".length) || "/var/run/docker.sock" };
  if (host.startsWith("npipe://")) return { ...blank, socketPath: host.slice("npipe://".length) || "//./pipe/docker_engine" };
  const url = new URL(host.includes("//") ? host : `tcp://${host}`);
  if (url.protocol === "ssh:") {
    return {
      ...blank,
      protocol: "ssh",
      host: url.hostname,
      port: url.port || 22,
      username: url.username || undefined,
      sshOptions: { agent: process.env.SSH_AUTH_SOCK },
    };
  }
  const tls = process.env.DOCKER_TLS_VERIFY === "1" || url.port === "2376" || url.protocol === "https:";
  const options: import("dockerode").DockerOptions = {
    ...blank,
    host: url.hostname,
    port: url.port || (tls ? 2376 : 2375),
    protocol: tls ? "https" : "http",
  };
  if (tls) {
    const dir = process.env.DOCKER_CERT_PATH ?? join(homedir(), ".docker");
    const read = (name: string): Buffer | undefined => (existsSync(join(dir, name)) ? readFileSync(join(dir, name)) : undefined);
    Object.assign(options, { ca: read("ca.pem"), cert: read("cert.pem"), key: read("key.pem") });
  }
  return options;
}

/** Gone already, or being removed by someone else (a second cleanup of the same run). */
function ignoreGone(error: { statusCode?: number; message?: string }): void {
  if (error.statusCode === 404) return;
  if (error.statusCode === 409 && /already in progress/i.test(error.message ?? "")) return;
  throw error;
}

/**
 * What removing one registered object failed with (the object stays registered). The message
 * does not name the object: the cleanup report, which quotes it, does.
 */
function removalFailed(message: string, cause?: unknown): FaultlineError {
  return new FaultlineError({ code: "FAULTLINE_TEARDOWN", message, cause });
}

/** Removes one resource. Throws FAULTLINE_TEARDOWN on failure. */
export async function removeResource(resource: Resource): Promise<void> {
  try {
    await removeOne(resource);
  } catch (error) {
    throw isFaultlineError(error) ? error : removalFailed(errorReason(error), error);
  }
}

async function removeOne(resource: Resource): Promise<void> {
  switch (resource.kind) {
    case "process-group":
      killGroup(resource.pgid, resource.start);
      return;
    case "command": {
      const problem = undoCommandProblem(resource.argv);
      if (problem) throw removalFailed(`refused to run \`${resource.argv.join(" ")}\`: ${problem}`);
      const result = spawnSync(resource.argv[0]!, resource.argv.slice(1), { stdio: "pipe", timeout: 10_000, encoding: "utf8" });
      if (result.error) throw removalFailed(`\`${resource.argv.join(" ")}\` could not run: ${result.error.message}`, result.error);
      if (result.status !== 0 && !isAlreadyGone(result.stderr)) {
        throw removalFailed(`\`${resource.argv.join(" ")}\` exited ${result.status ?? result.signal}: ${result.stderr.trim().split("\n").slice(-2).join(" ")}`);
      }
      return;
    }
    case "docker-container":
    case "docker-network":
      await removeDocker(resource);
      return;
  }
}

/**
 * Removes everything still registered for a run, newest first (processes before the networks
 * they live in), continuing past failures. What could not be removed stays registered, is
 * retried once the rest is gone (a namespace frees up once its processes died), and is reported.
 */
export async function cleanupRun(runDir: string): Promise<CleanupReport> {
  const registry = new Registry(runDir);
  const { live, refused } = registry.read();
  const report: CleanupReport = { removed: [], failed: [], refused };
  let pending = live.reverse();
  for (let round = 0; round < 2 && pending.length; round++) {
    const failed: Array<{ resource: Resource; error: string }> = [];
    for (const resource of pending) {
      try {
        await removeResource(resource);
        registry.remove(resourceKey(resource));
        report.removed.push(resource.label);
      } catch (error) {
        failed.push({ resource, error: errorReason(error) });
      }
    }
    pending = failed.map((f) => f.resource);
    if (round === 1 || !pending.length) report.failed = failed.map((f) => ({ label: f.resource.label, error: f.error }));
    // Referenced (sleep() is unref'd): in global setup or teardown nothing else may keep the process alive.
    else await new Promise((resolve) => timers.setTimeout(resolve, 200));
  }
  return report;
}

/** The error for what a cleanup could not remove, naming each object; undefined when all went. */
export function teardownError(report: CleanupReport, runDir: string): FaultlineError | undefined {
  const lines = [
    ...report.failed.map((f) => `  - ${f.label}: ${f.error}`),
    ...report.refused.map((r) => `  - refused registry entry (${r.problem}): ${r.line}`),
  ];
  if (!lines.length) return undefined;
  return new FaultlineError({
    code: "FAULTLINE_TEARDOWN",
    message: `${lines.length} object(s) of the run in ${runDir} could not be removed:\n${lines.join("\n")}`,
    hint: "they stay registered in the run's registry.jsonl: the next run's sweep tries again; remove them by hand if they persist",
  });
}
