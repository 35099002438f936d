import { named, probeFailed, type NamedProbe } from "../cluster/probes";
import { execInContainer } from "../provisioners/docker/exec-in-container";

/** A compose service's `healthcheck:` as written. */
export interface Healthcheck {
  test?: unknown;
  interval?: unknown;
  timeout?: unknown;
  retries?: unknown;
  start_period?: unknown;
  disable?: unknown;
}

/**
 * A healthcheck written as one string (`test: "pg_isready"` or `["CMD-SHELL", …]`) runs with the
 * image's own shell inside the service's container, as Compose runs it. It is the user's
 * command for their container: nothing on this machine is started through a shell.
 */
export function containerShell(command: string): string[] {
  return ["/bin/sh", "-c", command];
}

/** A ready probe that runs a compose healthcheck's command inside the node's container: ready when it exits 0. */
export function healthcheckProbe(argv: readonly string[], timeoutMs: number): NamedProbe {
  return named(`healthcheck(${argv.join(" ")})`, async (node) => {
    const result = await execInContainer(node, argv, timeoutMs);
    if (result.exitCode !== 0)
      throw probeFailed(`healthcheck ${argv.join(" ")} exited ${result.exitCode ?? "without a code"}: ${result.output.trim().slice(-300)}`, {
        cluster: node.cluster,
        node: node.name,
      });
  });
}
