import { readFileSync } from "node:fs";
import { FaultlineError } from "../common/errors";

/**
 * Reads a Compose `env_file`: `KEY=value` lines (`export ` allowed), `#` comments and blank
 * lines skipped, a value in matching quotes unquoted (with \\n in double quotes), a bare `KEY`
 * taking this process's value if it has one.
 */
export function readEnvFile(path: string, where: { service: string; file: string }, required = true): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if (!required && (error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new FaultlineError({
      code: "FAULTLINE_PARSE",
      message: `${where.file}: services.${where.service}.env_file ${path} cannot be read (${(error as Error).message})`,
      hint: "paths in env_file are relative to the compose file's folder",
      option: `services.${where.service}.env_file`,
      cause: error,
    });
  }
  const env: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim().replace(/^export\s+/, "");
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq < 0) {
      const inherited = process.env[line];
      if (inherited !== undefined) env[line] = inherited;
      continue;
    }
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\n/g, "\n").replace(/\\"/g, '"');
    } else {
      value = value.replace(/\s+#.*$/, "");
    }
    env[key] = value;
  }
  return env;
}
