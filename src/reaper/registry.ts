import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { FaultlineError } from "../common/errors";
import { resolveUndoCommand, undoCommandProblem } from "./undo-command";

/**
 * What a run created and how to remove it. Entries are appended to `<runDir>/registry.jsonl`
 * by every process of the run (lines below PIPE_BUF are written atomically with O_APPEND), and
 * read back by teardown, the watchdog and sweeps.
 */
export type Resource =
  /** A process group; `start` (the leader's start time) guards against pid reuse. */
  | { kind: "process-group"; pgid: number; start?: string; label: string }
  /** Undone by running argv (e.g. `/usr/sbin/ip netns delete fl-ab12-n1`): see undo-command.ts. */
  | { kind: "command"; argv: string[]; label: string }
  | { kind: "docker-container"; id: string; label: string; dockerHost?: string }
  | { kind: "docker-network"; id: string; label: string; dockerHost?: string };

export interface RegistryEntry {
  op: "add" | "remove";
  key: string;
  resource?: Resource;
}

export function registryFile(runDir: string): string {
  return join(runDir, "registry.jsonl");
}

/** A stable key for a resource, used to mark it removed. */
export function resourceKey(resource: Resource): string {
  switch (resource.kind) {
    case "process-group":
      return `pg:${resource.pgid}`;
    case "command":
      return `cmd:${resource.argv.join(" ")}`;
    case "docker-container":
      return `dc:${resource.id}`;
    case "docker-network":
      return `dn:${resource.id}`;
  }
}

/** Why a registry line cannot be a resource faultline registered, or undefined when it can. */
export function resourceProblem(resource: unknown): string | undefined {
  if (typeof resource !== "object" || resource === null) return "not an object";
  const r = resource as Record<string, unknown>;
  if (typeof r.label !== "string") return "no label";
  switch (r.kind) {
    case "process-group":
      if (!Number.isInteger(r.pgid) || (r.pgid as number) <= 1) return `pgid ${String(r.pgid)} is not a process group faultline starts`;
      if (r.start !== undefined && typeof r.start !== "string") return "start is not a string";
      return undefined;
    case "command":
      return undoCommandProblem(r.argv);
    case "docker-container":
    case "docker-network":
      if (typeof r.id !== "string" || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(r.id)) return `id ${JSON.stringify(r.id)} is not a Docker id or name`;
      if (r.dockerHost !== undefined && typeof r.dockerHost !== "string") return "dockerHost is not a string";
      return undefined;
    default:
      return `unknown kind ${JSON.stringify(r.kind)}`;
  }
}

/** A registry line that is not a resource faultline registered: reported, never acted on. */
export interface RefusedEntry {
  line: string;
  problem: string;
}

export class Registry {
  /** Keys this process added and has not removed: what it must undo itself if its run ends. */
  private readonly mine = new Map<string, Resource>();

  constructor(readonly runDir: string) {}

  /**
   * Records a resource before it is created; returns a function that marks it removed. Undo
   * commands are resolved to absolute paths of faultline's tools here, once, by the process that
   * knows them. Throws FAULTLINE_RUN_ENDED when the run directory is gone: the run was reaped,
   * and nothing may be created that no one would remove.
   */
  add(resource: Resource): () => void {
    const entry = resource.kind === "command" ? { ...resource, argv: resolveUndoCommand(resource.argv, resource.label) } : resource;
    const problem = resourceProblem(entry);
    if (problem) {
      throw new FaultlineError({
        code: "FAULTLINE_INVALID_OPTION",
        message: `cannot register ${resource.label}: ${problem}`,
        hint: "this is a bug in faultline: please report it",
      });
    }
    const key = resourceKey(entry);
    if (!existsSync(this.runDir) || existsSync(join(this.runDir, "finished"))) throw runEnded(this.runDir, entry.label);
    try {
      this.append({ op: "add", key, resource: entry });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") throw runEnded(this.runDir, entry.label);
      throw error;
    }
    this.mine.set(key, entry);
    return () => this.remove(key);
  }

  remove(key: string): void {
    this.mine.delete(key);
    try {
      this.append({ op: "remove", key });
    } catch (error) {
      // A run reaped meanwhile took its registry with it: nothing is left to mark.
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }

  /** What this process registered and has not removed, newest last. */
  ownLive(): Resource[] {
    return [...this.mine.values()];
  }

  /** Resources added and not removed, in creation order. */
  live(): Resource[] {
    return this.read().live;
  }

  /** The live resources, and the lines refused as not faultline's (never acted on). */
  read(): { live: Resource[]; refused: RefusedEntry[] } {
    const file = registryFile(this.runDir);
    if (!existsSync(file)) return { live: [], refused: [] };
    const live = new Map<string, Resource>();
    const refused: RefusedEntry[] = [];
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (!line) continue;
      let entry: RegistryEntry;
      try {
        entry = JSON.parse(line) as RegistryEntry;
      } catch {
        continue; // a line torn by a crash mid-write
      }
      if (entry.op === "add") {
        const problem = resourceProblem(entry.resource);
        if (problem) {
          refused.push({ line: line.slice(0, 200), problem });
          continue;
        }
        const key = resourceKey(entry.resource!);
        live.delete(key);
        live.set(key, entry.resource!);
      } else if (entry.op === "remove" && typeof entry.key === "string") live.delete(entry.key);
    }
    return { live: [...live.values()], refused };
  }

  private append(entry: RegistryEntry): void {
    appendFileSync(registryFile(this.runDir), JSON.stringify(entry) + "\n");
  }
}

function runEnded(runDir: string, label: string): FaultlineError {
  return new FaultlineError({
    code: "FAULTLINE_RUN_ENDED",
    message: `the run in ${runDir} has ended (its directory is gone or marked finished), so ${label} was not created`,
    hint: "the test runner that owned this run exited or was killed and its watchdog removed everything; start a new run",
  });
}
