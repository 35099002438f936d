import { readFileSync } from "node:fs";
import { timers } from "../common/timers";
import { dockerOptionsFor } from "./cleanup";
import { registryFile } from "./registry";

export interface DockerSweepReport {
  removed: string[];
  failed: Array<{ label: string; error: string }>;
}

/** Docker's own label filter syntax; the run label every container and network carries. */
const RUN_LABEL = "faultline.run";
/** How long an engine may still be finishing a create that a dead process sent. */
const SETTLE_MS = 2_000;

/** The engines a run registered Docker objects on ("" for the default socket), and whether any is still registered. */
export function dockerUse(runDir: string): { hosts: Set<string>; live: boolean } {
  const hosts = new Set<string>();
  const live = new Set<string>();
  let text = "";
  try {
    text = readFileSync(registryFile(runDir), "utf8");
  } catch {
    return { hosts, live: false };
  }
  for (const line of text.split("\n")) {
    let entry: { op?: unknown; key?: unknown; resource?: { kind?: unknown; dockerHost?: unknown } };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue; // blank, or torn by a crash mid-write
    }
    if (typeof entry.key !== "string") continue;
    const kind = entry.resource?.kind;
    if (entry.op === "add" && (kind === "docker-container" || kind === "docker-network")) {
      const host = entry.resource?.dockerHost;
      hosts.add(typeof host === "string" ? host : "");
      live.add(entry.key);
    } else if (entry.op === "remove") live.delete(entry.key);
  }
  return { hosts, live: live.size > 0 };
}

/**
 * Removes every container and network labelled `faultline.run=<runId>` on the engines the run
 * registered Docker objects on. For a run whose owner is dead: objects are registered (by name)
 * before they are created, but an engine may finish a create after the process that asked died,
 * and a label sweep finds what no registry entry could. While Docker entries are still live —
 * the owner died with objects, or creates, under way — the sweep looks again after a moment, so
 * a create the engine was still finishing is caught too. A run that never used Docker costs a
 * read of its registry and loads nothing.
 *
 * Call it before cleanupRun (which marks the run's entries removed); it never throws.
 */
export async function sweepDockerObjects(runDir: string, runId: string, settleMs = SETTLE_MS): Promise<DockerSweepReport> {
  const report: DockerSweepReport = { removed: [], failed: [] };
  const { hosts, live } = dockerUse(runDir);
  if (hosts.size === 0) return report;
  // Loaded lazily, as in cleanup.ts: a run that never used Docker must not need dockerode.
  const Docker = require("dockerode") as typeof import("dockerode");
  for (const host of hosts) {
    const where = host || "the local socket";
    // The default socket explicitly: this process's DOCKER_HOST is not the one the run used.
    const docker = new Docker({ ...dockerOptionsFor(host || "unix:///var/run/docker.sock"), timeout: 30_000 });
    for (let pass = 0; pass < (live ? 2 : 1); pass++) {
      // A referenced timer: sleep() is unref'd, and in Jest's global setup nothing else may be
      // keeping the process alive, which then exits 0 in the middle of the sweep, running no test.
      if (pass > 0) await new Promise((resolve) => timers.setTimeout(resolve, settleMs));
      await removeLabelled(docker, runId, where, report);
    }
  }
  return report;
}

async function removeLabelled(docker: import("dockerode"), runId: string, where: string, report: DockerSweepReport): Promise<void> {
  const filters = { label: [`${RUN_LABEL}=${runId}`] };
  const fail = (label: string, error: unknown): void => {
    report.failed.push({ label, error: String((error as Error)?.message ?? error) });
  };
  // Containers first: a network cannot go while a container is attached to it.
  let containers: Array<{ Id: string; Names?: string[] }> = [];
  try {
    containers = await docker.listContainers({ all: true, filters });
  } catch (error) {
    return fail(`containers of run ${runId} on ${where}`, error);
  }
  for (const container of containers) {
    const label = `container ${container.Names?.[0]?.replace(/^\//, "") ?? container.Id.slice(0, 12)} of run ${runId} on ${where}`;
    try {
      await docker.getContainer(container.Id).remove({ force: true, v: true });
      report.removed.push(label);
    } catch (error) {
      if (!gone(error)) fail(label, error);
    }
  }
  let networks: Array<{ Id: string; Name?: string }> = [];
  try {
    networks = await docker.listNetworks({ filters });
  } catch (error) {
    return fail(`networks of run ${runId} on ${where}`, error);
  }
  for (const network of networks) {
    const label = `network ${network.Name ?? network.Id.slice(0, 12)} of run ${runId} on ${where}`;
    try {
      await docker.getNetwork(network.Id).remove();
      report.removed.push(label);
    } catch (error) {
      if (!gone(error)) fail(label, error);
    }
  }
}

/** Gone already, or being removed by someone else (the watchdog and a sweep at once). */
function gone(error: unknown): boolean {
  const { statusCode, message } = error as { statusCode?: number; message?: string };
  return statusCode === 404 || (statusCode === 409 && /already in progress/i.test(message ?? ""));
}
