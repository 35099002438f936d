import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { parse } from "yaml";
import { FaultlineError, describeValue, isFaultlineError } from "../common/errors";
import { validateSpec } from "../cluster/define-cluster";
import type { ClusterSpec, DockerNodeOptions, NodeSpec } from "../cluster/types";
import { composeWords } from "./compose-words";
import { readEnvFile } from "./env-file";
import { containerShell, healthcheckProbe, type Healthcheck } from "./healthcheck";
import { composeDurationMs } from "./compose-duration";
import { interpolate } from "./interpolate";

/** Options of {@link fromCompose}. */
export interface FromComposeOptions {
  /** The services to run, with those they depend on (as `docker compose up <service>…`). Default: all. */
  services?: string[];
  /** Per service, node options on top of what the file says (a `ready` probe, a `command`, a `count`). */
  overrides?: Record<string, NodeSpec>;
}

/** Service keys faultline maps onto a node. */
const MAPPED = new Set([
  "image",
  "command",
  "entrypoint",
  "environment",
  "env_file",
  "ports",
  "expose",
  "depends_on",
  "healthcheck",
  "volumes",
  "tmpfs",
  "networks",
  "stop_signal",
  "stop_grace_period",
  "working_dir",
  "init",
]);
/** Service keys that change nothing a test can see here: accepted and left out. */
const IGNORED = new Set(["container_name", "hostname", "restart", "labels", "logging", "tty", "stdin_open", "pull_policy"]);
/** Service keys faultline cannot honour, and why. */
const UNSUPPORTED: Record<string, string> = {
  build:
    "faultline never builds images: build and tag it first (docker build -t my/app:local .), or make one from host binaries with `faultline image from-host`, then name it in image:",
  network_mode: "each service gets its own address on the run's network, so that faults can cut the links between services; drop network_mode",
  deploy: "swarm settings are not used; for several alike nodes give overrides: { <service>: { count: 3 } }",
  extends: "resolve extends into the service (docker compose config prints the result)",
  links: "every service reaches every other by name on the run's network; drop links",
  external_links: "only the file's own services are started",
  volumes_from: "name the volumes the service needs in its own volumes:",
  secrets: "mount the secret file with volumes: instead",
  configs: "mount the config file with volumes: instead",
  profiles: "choose services with fromCompose(file, { services: [...] }) instead",
  scale: "use overrides: { <service>: { count: 3 } }",
  user: "faultline runs containers as the image's user (or the test's user without root)",
  privileged: "faults enter containers from the host; containers need no extra privileges",
  cap_add: "faults enter containers from the host; containers need no extra capabilities",
  pid: "each service keeps its own process namespace, so signals reach only its processes",
  ipc: "each service keeps its own IPC namespace",
};
const TOP_LEVEL = new Set(["services", "version", "name", "networks", "volumes", "secrets", "configs"]);
const SERVICE_NAME = /^[a-z0-9][a-z0-9_-]{0,15}$/i;

interface Context {
  readonly file: string;
  readonly dir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

function composeError(
  ctx: Context,
  option: string,
  message: string,
  hint: string,
  code: "FAULTLINE_INVALID_OPTION" | "FAULTLINE_PARSE" = "FAULTLINE_INVALID_OPTION",
): FaultlineError {
  return new FaultlineError({ code, message: `${ctx.file}: ${message}`, hint, option });
}

/**
 * A cluster from a docker-compose file, for the docker provisioner: one node per service (its
 * image, command, environment, ports, dependencies, healthcheck as its ready probe, volumes
 * and tmpfs), on one network of the run where each service has its own address and is found
 * by its name. Nothing is pulled or built, and the Compose CLI is not needed. What cannot be
 * mapped fails with a coded error naming the service and the key, never silently ignored.
 *
 * `defineCluster(fromCompose(join(__dirname, "docker-compose.yml")))`, or spread it to add
 * cluster options: `defineCluster({ ...fromCompose(file), healthy })`. A relative path is taken
 * from the current directory.
 */
export function fromCompose(file: string, options: FromComposeOptions = {}): ClusterSpec {
  const path = resolve(file);
  const ctx: Context = { file: path, dir: dirname(path), env: { ...dotEnv(dirname(path)), ...process.env } };
  const document = readCompose(ctx);
  const services = document.services as Record<string, Record<string, unknown>>;
  const chosen = chooseServices(ctx, services, options);
  const nodes: Record<string, NodeSpec> = {};
  for (const name of chosen) {
    const mapped = mapService(ctx, name, services[name]!);
    nodes[name] = { ...mapped, ...(options.overrides?.[name] ?? {}) };
  }
  const spec: ClusterSpec = { provisioner: "docker", nodes };
  try {
    validateSpec(spec);
  } catch (error) {
    if (!isFaultlineError(error)) throw error;
    throw new FaultlineError({
      code: error.code,
      message: `${path}: ${error.what}`,
      hint: error.hint,
      option: error.option,
      node: error.node,
    });
  }
  return spec;
}

function readCompose(ctx: Context): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(ctx.file, "utf8");
  } catch (error) {
    throw composeError(
      ctx,
      "file",
      `cannot read the compose file (${(error as Error).message})`,
      'pass the file\'s path, e.g. join(__dirname, "docker-compose.yml")',
      "FAULTLINE_PARSE",
    );
  }
  let document: unknown;
  try {
    document = parse(text, { merge: true });
  } catch (error) {
    throw composeError(
      ctx,
      "file",
      `is not valid YAML: ${(error as Error).message.split("\n")[0]}`,
      "check the indentation and quoting at that line",
      "FAULTLINE_PARSE",
    );
  }
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    throw composeError(
      ctx,
      "file",
      `is not a compose file (its top level is ${describeValue(document)})`,
      "a compose file is a map with services:",
      "FAULTLINE_PARSE",
    );
  }
  const top = interpolate(document as Record<string, unknown>, ctx.env, (message) =>
    composeError(ctx, "file", message, "set the variable, or give a default: ${NAME:-value}"),
  );
  for (const key of Object.keys(top)) {
    if (!TOP_LEVEL.has(key) && !key.startsWith("x-"))
      throw composeError(
        ctx,
        key,
        `has a top-level key "${key}" that faultline does not know`,
        `a compose file's top level holds ${[...TOP_LEVEL].join(", ")} and x- extensions`,
      );
  }
  const services = top.services;
  if (typeof services !== "object" || services === null || Array.isArray(services) || Object.keys(services).length === 0)
    throw composeError(ctx, "services", "has no services", "list the services under services:");
  return top;
}

/** The `.env` file beside the compose file, which Compose reads for interpolation. */
function dotEnv(dir: string): Record<string, string> {
  const file = join(dir, ".env");
  return existsSync(file) ? readEnvFile(file, { service: "(.env)", file }, false) : {};
}

/** The services asked for and everything they depend on, in the file's order. */
function chooseServices(ctx: Context, services: Record<string, Record<string, unknown>>, options: FromComposeOptions): string[] {
  const names = Object.keys(services);
  for (const [option, list] of [
    ["services", options.services ?? []],
    ["overrides", Object.keys(options.overrides ?? {})],
  ] as const) {
    const unknown = list.find((name) => !names.includes(name));
    if (unknown !== undefined)
      throw composeError(ctx, option, `${option} names "${unknown}", which is not a service of the file`, `the file's services are ${names.join(", ")}`);
  }
  if (!options.services) return names;
  const wanted = new Set<string>();
  const add = (name: string): void => {
    if (wanted.has(name) || !services[name]) return;
    wanted.add(name);
    for (const dep of dependencyNames(services[name])) add(dep);
  };
  options.services.forEach(add);
  return names.filter((name) => wanted.has(name));
}

function dependencyNames(service: Record<string, unknown> | undefined): string[] {
  const deps = service?.depends_on;
  if (Array.isArray(deps)) return deps.filter((d): d is string => typeof d === "string");
  if (typeof deps === "object" && deps !== null) return Object.keys(deps);
  return [];
}

function mapService(ctx: Context, name: string, service: unknown): NodeSpec {
  const at = (key: string): string => `services.${name}.${key}`;
  if (!SERVICE_NAME.test(name))
    throw composeError(
      ctx,
      `services.${name}`,
      `service "${name}" cannot name a node (letters, digits, - and _, at most 16 characters)`,
      "rename the service in the file",
    );
  if (typeof service !== "object" || service === null || Array.isArray(service))
    throw composeError(ctx, `services.${name}`, `service "${name}" is ${describeValue(service)}, not a map of options`, "give the service at least an image:");
  const s = service as Record<string, unknown>;
  for (const key of Object.keys(s)) {
    if (MAPPED.has(key) || IGNORED.has(key) || key.startsWith("x-")) continue;
    const why = UNSUPPORTED[key];
    throw composeError(
      ctx,
      at(key),
      `service "${name}" uses ${key}:, which faultline cannot map`,
      why ?? `faultline maps ${[...MAPPED].join(", ")}; remove ${key} or ask for it`,
    );
  }
  if (typeof s.image !== "string" || s.image === "")
    throw composeError(
      ctx,
      at("image"),
      `service "${name}" has no image`,
      "name an image this Docker engine has (faultline pulls nothing): build it, or make one with faultline image from-host",
    );
  const docker: DockerNodeOptions = { image: s.image };
  const words = (key: "command" | "entrypoint"): string[] | undefined => {
    const value = s[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value === "string") return composeWords(value, { service: name, key, file: ctx.file });
    if (Array.isArray(value) && value.every((v) => ["string", "number", "boolean"].includes(typeof v))) return value.map(String);
    throw composeError(ctx, at(key), `${key} must be a string or a list, received ${describeValue(value)}`, `e.g. ${key}: ["redis-server", "--port", "6379"]`);
  };
  const entrypoint = words("entrypoint");
  if (entrypoint) docker.entrypoint = entrypoint;
  const argv = words("command") ?? [];
  if (typeof s.working_dir === "string") docker.workdir = s.working_dir;
  if (s.init === true) docker.init = true;
  const { volumes, tmpfs } = mapStorage(ctx, name, s);
  if (volumes.length) docker.volumes = volumes;
  if (Object.keys(tmpfs).length) docker.tmpfs = tmpfs;
  const env = mapEnvironment(ctx, name, s);
  const node: NodeSpec = { docker, command: () => [...argv], ports: mapPorts(ctx, name, s) };
  if (Object.keys(env).length) node.env = env;
  const deps = mapDependencies(ctx, name, s);
  if (deps.length) node.dependsOn = deps;
  if (s.healthcheck !== undefined) {
    const check = mapHealthcheck(ctx, name, s.healthcheck);
    if (check) {
      node.ready = healthcheckProbe(check.argv, check.timeoutMs);
      node.readyTimeout = Math.max(30_000, check.budgetMs);
    }
  }
  const stop: NonNullable<NodeSpec["stop"]> = {};
  if (typeof s.stop_signal === "string") stop.signal = s.stop_signal as NodeJS.Signals;
  if (s.stop_grace_period !== undefined) stop.timeout = composeDuration(ctx, at("stop_grace_period"), s.stop_grace_period);
  if (Object.keys(stop).length) node.stop = stop;
  return node;
}

function composeDuration(ctx: Context, option: string, value: unknown): number {
  const ms = typeof value === "string" || typeof value === "number" ? composeDurationMs(value) : undefined;
  if (ms === undefined)
    throw composeError(ctx, option, `${option} must be a duration such as "10s" or "1m30s", received ${describeValue(value)}`, 'e.g. "10s"');
  return ms;
}

function mapEnvironment(ctx: Context, name: string, s: Record<string, unknown>): Record<string, string> {
  const env: Record<string, string> = {};
  const files = s.env_file === undefined ? [] : Array.isArray(s.env_file) ? s.env_file : [s.env_file];
  for (const entry of files) {
    const spec = typeof entry === "string" ? { path: entry, required: true } : (entry as { path?: unknown; required?: unknown });
    if (typeof spec.path !== "string")
      throw composeError(ctx, `services.${name}.env_file`, `env_file entries must be paths, received ${describeValue(entry)}`, "e.g. env_file: [.env.app]");
    Object.assign(env, readEnvFile(resolve(ctx.dir, spec.path), { service: name, file: ctx.file }, spec.required !== false));
  }
  const environment = s.environment;
  if (Array.isArray(environment)) {
    for (const item of environment) {
      const text = String(item);
      const eq = text.indexOf("=");
      if (eq >= 0) env[text.slice(0, eq)] = text.slice(eq + 1);
      else if (ctx.env[text] !== undefined) env[text] = ctx.env[text]!;
    }
  } else if (typeof environment === "object" && environment !== null) {
    for (const [key, value] of Object.entries(environment)) {
      if (value === null || value === undefined) {
        if (ctx.env[key] !== undefined) env[key] = ctx.env[key]!;
      } else env[key] = String(value);
    }
  } else if (environment !== undefined) {
    throw composeError(
      ctx,
      `services.${name}.environment`,
      `environment must be a map or a list, received ${describeValue(environment)}`,
      "e.g. environment: { LOG_LEVEL: debug }",
    );
  }
  return env;
}

/** Container ports, named by their number: `ports` (published ports are not published) and `expose`. */
function mapPorts(ctx: Context, name: string, s: Record<string, unknown>): string[] {
  const out = new Set<string>();
  const add = (target: number, key: string, entry: unknown): void => {
    if (!Number.isInteger(target) || target < 1 || target > 65535)
      throw composeError(ctx, `services.${name}.${key}`, `${key} entry ${describeValue(entry)} names no container port`, 'e.g. "8080:80" or 80');
    out.add(String(target));
  };
  for (const key of ["ports", "expose"] as const) {
    const list = s[key];
    if (list === undefined) continue;
    if (!Array.isArray(list))
      throw composeError(ctx, `services.${name}.${key}`, `${key} must be a list, received ${describeValue(list)}`, 'e.g. ports: ["8080:80"]');
    for (const entry of list) {
      if (typeof entry === "object" && entry !== null) {
        add(Number((entry as { target?: unknown }).target), key, entry);
        continue;
      }
      // [ip:][host:]container[/protocol]; the container side may be a range.
      const container = String(entry)
        .replace(/\/(tcp|udp|sctp)$/, "")
        .split(":")
        .pop()!;
      const range = /^(\d+)-(\d+)$/.exec(container);
      if (range) {
        const [from, to] = [Number(range[1]), Number(range[2])];
        if (to < from || to - from > 15)
          throw composeError(
            ctx,
            `services.${name}.${key}`,
            `${key} range ${describeValue(entry)} is too wide (at most 16 ports)`,
            "list the ports the service really uses",
          );
        for (let p = from; p <= to; p++) add(p, key, entry);
      } else add(Number(container), key, entry);
    }
  }
  return [...out];
}

function mapDependencies(ctx: Context, name: string, s: Record<string, unknown>): string[] {
  const deps = s.depends_on;
  if (deps === undefined) return [];
  if (Array.isArray(deps)) return deps.map(String);
  if (typeof deps !== "object" || deps === null)
    throw composeError(ctx, `services.${name}.depends_on`, `depends_on must be a list or a map, received ${describeValue(deps)}`, "e.g. depends_on: [db]");
  for (const [dep, condition] of Object.entries(deps)) {
    const when = (condition as { condition?: unknown } | null)?.condition ?? "service_started";
    if (when !== "service_started" && when !== "service_healthy")
      throw composeError(
        ctx,
        `services.${name}.depends_on.${dep}.condition`,
        `condition ${describeValue(when)} cannot be mapped`,
        "faultline starts a service once its dependencies are ready (their healthcheck, or their ports open): use service_started or service_healthy; run one-shot jobs in the test instead",
      );
  }
  return Object.keys(deps);
}

function mapHealthcheck(ctx: Context, name: string, value: unknown): { argv: string[]; timeoutMs: number; budgetMs: number } | undefined {
  const where = `services.${name}.healthcheck`;
  if (typeof value !== "object" || value === null)
    throw composeError(ctx, where, `healthcheck must be a map, received ${describeValue(value)}`, 'e.g. healthcheck: { test: ["CMD", "redis-cli", "ping"] }');
  const check = value as Healthcheck;
  if (check.disable === true) return undefined;
  const test = check.test;
  let argv: string[];
  if (typeof test === "string") argv = containerShell(test);
  else if (Array.isArray(test) && test[0] === "NONE") return undefined;
  else if (Array.isArray(test) && test[0] === "CMD" && test.length > 1) argv = test.slice(1).map(String);
  else if (Array.isArray(test) && test[0] === "CMD-SHELL" && test.length === 2) argv = containerShell(String(test[1]));
  else
    throw composeError(
      ctx,
      `${where}.test`,
      `healthcheck test ${describeValue(test)} is not a command`,
      'use ["CMD", program, args…], ["CMD-SHELL", "command"], a string, or ["NONE"]',
    );
  const ms = (key: keyof Healthcheck, fallback: number): number => (check[key] === undefined ? fallback : composeDuration(ctx, `${where}.${key}`, check[key]));
  const timeoutMs = ms("timeout", 30_000);
  const retries = typeof check.retries === "number" ? check.retries : 3;
  const budgetMs = ms("start_period", 0) + (ms("interval", 30_000) + timeoutMs) * retries;
  return { argv, timeoutMs, budgetMs };
}

/** `volumes` (bind paths, and anonymous volumes as tmpfs) and `tmpfs`. Named volumes are refused. */
function mapStorage(ctx: Context, name: string, s: Record<string, unknown>): { volumes: string[]; tmpfs: Record<string, string> } {
  const volumes: string[] = [];
  const tmpfs: Record<string, string> = {};
  const where = `services.${name}.volumes`;
  const bindSource = (source: string): string => (isAbsolute(source) ? source : resolve(ctx.dir, source.replace(/^~(?=\/)/, process.env.HOME ?? "~")));
  const named = (source: string): FaultlineError =>
    composeError(
      ctx,
      where,
      `service "${name}" mounts the named volume "${source}"`,
      "named volumes would outlive the run: mount a folder (./data:/data) or a tmpfs (tmpfs: [/data]) instead",
    );
  for (const entry of (s.volumes as unknown[] | undefined) ?? []) {
    if (typeof entry === "string") {
      const [source, target, mode] = entry.split(":");
      if (target === undefined) tmpfs[source!] = "";
      else if (/^[./~]/.test(source!)) volumes.push([bindSource(source!), target, ...(mode ? [mode] : [])].join(":"));
      else throw named(source!);
      continue;
    }
    const long = entry as { type?: unknown; source?: unknown; target?: unknown; read_only?: unknown; tmpfs?: { size?: unknown } };
    if (typeof long?.target !== "string")
      throw composeError(ctx, where, `volume ${describeValue(entry)} has no target`, "e.g. { type: bind, source: ./data, target: /data }");
    if (long.type === "bind" && typeof long.source === "string")
      volumes.push(`${bindSource(long.source)}:${long.target}${long.read_only === true ? ":ro" : ""}`);
    else if (long.type === "tmpfs") tmpfs[long.target] = long.tmpfs?.size !== undefined ? `size=${String(long.tmpfs.size)}` : "";
    else if (long.type === "volume" && long.source === undefined) tmpfs[long.target] = "";
    else throw named(String(long.source ?? long.type));
  }
  const list = s.tmpfs === undefined ? [] : Array.isArray(s.tmpfs) ? s.tmpfs : [s.tmpfs];
  for (const entry of list) {
    const [target, options] = String(entry).split(/:(.*)/s);
    tmpfs[target!] = options ?? "";
  }
  return { volumes, tmpfs };
}
