/** The replicated state machine: a map from string keys to JSON values, rebuilt from the log. */
import type { ApplyResult, Command } from "./types";

export class KvStore {
  private readonly data = new Map<string, unknown>();

  apply(cmd: Command): ApplyResult {
    switch (cmd.op) {
      case "noop":
        return { ok: true };
      case "put":
        this.data.set(cmd.key, cmd.value);
        return { ok: true };
      case "cas": {
        // A missing key holds null, so `cas(key, null, v)` creates it.
        const current = this.data.has(cmd.key) ? this.data.get(cmd.key) : null;
        if (!sameJson(current, cmd.from)) return { ok: false, value: current };
        this.data.set(cmd.key, cmd.to);
        return { ok: true, value: cmd.to };
      }
    }
  }

  /** Forgets everything, to be rebuilt from the log. */
  clear(): void {
    this.data.clear();
  }

  get(key: string): { value: unknown; found: boolean } {
    return this.data.has(key) ? { value: this.data.get(key), found: true } : { value: null, found: false };
  }

  get size(): number {
    return this.data.size;
  }
}

/** Equality of JSON values, insensitive to object key order. */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (value === undefined) return "null";
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
