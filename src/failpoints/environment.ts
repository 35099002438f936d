import { parseHostPort } from "../common/local-http";
import { FaultlineError } from "../common/errors";
import { enableFailpoint, state } from "./failpoint-registry";
import { serveFailpoints, type FailpointServer } from "./failpoint-server";
import { parseFailpointList } from "./term-parser";

/** Variables read when `faultline/failpoints` loads, in order of precedence (ours, then gofail's). */
export const FAILPOINTS_VARIABLES = ["FAULTLINE_FAILPOINTS", "GOFAIL_FAILPOINTS"] as const;
export const FAILPOINTS_HTTP_VARIABLES = ["FAULTLINE_FAILPOINTS_HTTP", "GOFAIL_HTTP"] as const;
/** Set to "1" to let the endpoint listen on an address other than loopback (a node's own IP). */
export const FAILPOINTS_HTTP_REMOTE_VARIABLE = "FAULTLINE_FAILPOINTS_HTTP_REMOTE";

/**
 * @internal Applies `FAULTLINE_FAILPOINTS="a=terms;b=terms"` and starts the endpoint named by
 * `FAULTLINE_FAILPOINTS_HTTP=host:port`, once per process. A malformed variable throws at load
 * time and a port that cannot be bound crashes the process, as gofail exits: a service that
 * silently runs without the faults a test asked for would make the test lie.
 */
export function loadEnvironment(env: NodeJS.ProcessEnv = process.env): Promise<FailpointServer> | undefined {
  if (state.environmentLoaded) return undefined;
  state.environmentLoaded = true;
  // gofail's first, so ours wins where both name the same failpoint.
  for (const variable of [...FAILPOINTS_VARIABLES].reverse()) {
    const value = env[variable];
    if (value === undefined || value.trim() === "") continue;
    for (const [name, terms] of parseFailpointList(value, variable)) enableFailpoint(name, terms);
  }
  for (const variable of FAILPOINTS_HTTP_VARIABLES) {
    const value = env[variable];
    if (value === undefined || value.trim() === "") continue;
    const server = serveFailpoints({ ...parseListenAddress(value, variable), allowRemote: env[FAILPOINTS_HTTP_REMOTE_VARIABLE] === "1" });
    state.server = server;
    server.catch((error: unknown) =>
      process.nextTick(() => {
        throw error;
      }),
    );
    return server;
  }
  return undefined;
}

/**
 * `host:port`, `[v6]:port` or `:port`. A bare `:port` means loopback here, not every interface
 * as Go's net.Listen reads it: the endpoint has no authentication, so it is not exposed by default.
 */
export function parseListenAddress(value: string, variable: string): { host: string; port: number } {
  const parsed = parseHostPort(value);
  if (!parsed) {
    throw new FaultlineError({
      code: "FAULTLINE_FAILPOINT",
      message: `${variable} must be <host>:<port>, received ${JSON.stringify(value)}`,
      hint: `e.g. ${variable}=127.0.0.1:2381 (in a cluster spec: \`\${node.host}:\${node.port("failpoints")}\`)`,
      option: variable,
    });
  }
  return parsed;
}
