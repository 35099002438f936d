import type { FaultlineError } from "../common/errors";

/**
 * Compose's variable interpolation over every string of a document: `$VAR`, `${VAR}`,
 * `${VAR:-default}` / `${VAR-default}` (empty or unset / unset), `${VAR:?message}` /
 * `${VAR?message}` (an error), and `$$` for a literal `$`. Values come from `env`.
 */
export function interpolate<T>(value: T, env: Readonly<Record<string, string | undefined>>, fail: (message: string) => FaultlineError): T {
  if (typeof value === "string") return substitute(value, env, fail) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => interpolate(v, env, fail)) as T;
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[key] = interpolate(v, env, fail);
    return out as T;
  }
  return value;
}

const PATTERN = /\$(?:(\$)|([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\})/g;

function substitute(text: string, env: Readonly<Record<string, string | undefined>>, fail: (message: string) => FaultlineError): string {
  return text.replace(
    PATTERN,
    (_match, dollar: string | undefined, bare: string | undefined, braced: string | undefined, op: string | undefined, arg: string | undefined) => {
      if (dollar) return "$";
      const name = (bare ?? braced)!;
      const found = env[name];
      if (!op) return found ?? "";
      const missing = op.startsWith(":") ? found === undefined || found === "" : found === undefined;
      if (!missing) return found!;
      if (op.endsWith("-")) return substitute(arg ?? "", env, fail);
      throw fail(`variable ${name} is ${found === undefined ? "not set" : "empty"}${arg ? `: ${arg}` : ""}`);
    },
  );
}
