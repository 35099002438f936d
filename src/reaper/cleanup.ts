import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Resource } from "./registry";
import { Registry, resourceKey } from "./registry";
import { isSameProcessAlive } from "./process-identity";

export interface CleanupReport {
  removed: string[];
  failed: Array<{ label: string; error: string }>;
}

/** Kills a process group if it is still the one registered. SIGKILL: the run is over. */
function killGroup(pgid: number, start: string | undefined): boolean {
  if (!isSameProcessAlive(pgid, start)) {
    // The leader is gone, but members of its group may live on; signalling the group is safe
    // only while the group id cannot have been reused, which holds while any member exists.
    try {
      process.kill(-pgid, 0);
    } catch {
      return false;
    }
  }
  try {
    process.kill(-pgid, "SIGKILL");
    return true;
  } catch {
    return false;
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

/** Removes one resource. Throws on failure. */
export async function removeResource(resource: Resource): Promise<void> {
  switch (resource.kind) {
    case "process-group":
      killGroup(resource.pgid, resource.start);
      return;
    case "command": {
      const result = spawnSync(resource.argv[0]!, resource.argv.slice(1), { stdio: "pipe", timeout: 10_000 });
      if (result.error) throw result.error;
      return; // a non-zero exit usually means it is gone already
    }
    case "docker-container":
    case "docker-network":
      await removeDocker(resource);
      return;
  }
}

/**
 * Removes everything still registered for a run, newest first (processes before the networks
 * they live in), continuing past failures.
 */
export async function cleanupRun(runDir: string): Promise<CleanupReport> {
  const registry = new Registry(runDir);
  const report: CleanupReport = { removed: [], failed: [] };
  for (const resource of registry.live().reverse()) {
    try {
      await removeResource(resource);
      report.removed.push(resource.label);
    } catch (error) {
      report.failed.push({ label: resource.label, error: String((error as Error).message ?? error) });
    } finally {
      registry.remove(resourceKey(resource));
    }
  }
  return report;
}
