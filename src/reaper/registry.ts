import { appendFileSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";

/**
 * What a run created and how to remove it. Entries are appended to `<runDir>/registry.jsonl`
 * by every process of the run (lines below PIPE_BUF are written atomically with O_APPEND), and
 * read back by teardown, the watchdog and sweeps.
 */
export type Resource =
  /** A process group; `start` guards against pid reuse. */
  | { kind: "process-group"; pgid: number; start?: string; label: string }
  /** Undone by running argv (e.g. `ip netns delete fl-ab12-n1`); `ignoreFailure` for best effort. */
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

export class Registry {
  constructor(readonly runDir: string) {}

  /** Records a resource; returns a function that marks it removed. */
  add(resource: Resource): () => void {
    const key = resourceKey(resource);
    this.append({ op: "add", key, resource });
    return () => this.remove(key);
  }

  remove(key: string): void {
    this.append({ op: "remove", key });
  }

  /** Resources added and not removed, in creation order. */
  live(): Resource[] {
    const file = registryFile(this.runDir);
    if (!existsSync(file)) return [];
    const live = new Map<string, Resource>();
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (!line) continue;
      let entry: RegistryEntry;
      try {
        entry = JSON.parse(line) as RegistryEntry;
      } catch {
        continue; // a line torn by a crash mid-write
      }
      if (entry.op === "add" && entry.resource) {
        live.delete(entry.key);
        live.set(entry.key, entry.resource);
      } else live.delete(entry.key);
    }
    return [...live.values()];
  }

  private append(entry: RegistryEntry): void {
    appendFileSync(registryFile(this.runDir), JSON.stringify(entry) + "\n");
  }
}
