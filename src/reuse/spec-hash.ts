import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ClusterSpec } from "../cluster/types";

/** Object keys in order, functions as their source: the same definition gives the same text. */
function stable(value: unknown, seen = new Set<unknown>()): string {
  if (typeof value === "function") return `fn:${value.toString()}`;
  if (typeof value !== "object" || value === null) return JSON.stringify(value) ?? "undefined";
  if (seen.has(value)) return '"[cycle]"';
  seen.add(value);
  const text = Array.isArray(value)
    ? `[${value.map((v) => stable(v, seen)).join(",")}]`
    : `{${Object.keys(value)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k], seen)}`)
        .join(",")}}`;
  seen.delete(value);
  return text;
}

function readOrEmpty(path: string | undefined): string {
  try {
    return path ? readFileSync(path, "utf8") : "";
  } catch {
    return "";
  }
}

/**
 * What identifies a reusable cluster's definition: the spec as evaluated (its options, and the
 * source of its functions), the cluster module's text, and faultline's own version. Files the
 * module merely reads (a config template, a binary) are not part of it.
 */
export function specHash(spec: ClusterSpec, cluster: string, modulePath?: string): string {
  const version = readOrEmpty(join(__dirname, "..", "..", "package.json")).match(/"version":\s*"([^"]+)"/)?.[1] ?? "";
  return createHash("sha256")
    .update([version, cluster, modulePath ?? "", readOrEmpty(modulePath), stable(spec)].join("\0"))
    .digest("hex")
    .slice(0, 16);
}
