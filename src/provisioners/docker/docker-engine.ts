import Docker from "dockerode";
import { FaultlineError } from "../../common/errors";
import { withTimeout } from "../../common/timers";
import { dockerOptionsFor } from "../../reaper/cleanup";

/** A connected Docker engine and how to name it in messages and to the reaper. */
export interface DockerEngine {
  docker: Docker;
  /** DOCKER_HOST when set: the reaper reconnects with it. Undefined for the default socket. */
  host?: string;
  /** For messages: DOCKER_HOST or the default socket. */
  label: string;
}

const PING_TIMEOUT_MS = 5_000;

/** The engine named by DOCKER_HOST (unix, tcp, ssh), or the local default socket. */
export function engineFromEnv(env: NodeJS.ProcessEnv = process.env): DockerEngine {
  const host = env.DOCKER_HOST || undefined;
  const docker = host ? new Docker(dockerOptionsFor(host)) : new Docker();
  return { docker, host, label: host ? `DOCKER_HOST=${host}` : "the local socket /var/run/docker.sock" };
}

/** Connects and pings; FAULTLINE_DOCKER with what to do when nothing answers. */
export async function connectEngine(where: { cluster?: string } = {}): Promise<DockerEngine> {
  const engine = engineFromEnv();
  try {
    await withTimeout(engine.docker.ping(), PING_TIMEOUT_MS, () => new Error(`no answer within ${PING_TIMEOUT_MS / 1000}s`));
  } catch (error) {
    const reason = (error as Error).message ?? String(error);
    const denied = /EACCES|permission denied/i.test(reason);
    throw new FaultlineError({
      code: "FAULTLINE_DOCKER",
      message: `no Docker engine answers at ${engine.label}: ${reason}`,
      hint: denied
        ? "this user may not use the Docker socket: add it to the docker group, or run rootless Docker and set DOCKER_HOST"
        : engine.host
          ? "start the engine DOCKER_HOST points at (and check the address), or unset DOCKER_HOST to use the local engine"
          : "start dockerd (.ci/start-dockerd.sh, or `sudo systemctl start docker`), or set DOCKER_HOST to a reachable engine (unix://, tcp://host:2375, ssh://user@host)",
      cluster: where.cluster,
      cause: error,
    });
  }
  return engine;
}

/** Fails with FAULTLINE_DOCKER and how to build the image when the engine lacks it. Never pulls. */
export async function requireImage(engine: DockerEngine, image: string, where: { cluster?: string } = {}): Promise<void> {
  try {
    await engine.docker.getImage(image).inspect();
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw dockerError(error, `could not inspect image ${image}`, where);
    throw new FaultlineError({
      code: "FAULTLINE_DOCKER",
      message: `image ${image} is not on the engine at ${engine.label}`,
      hint: `build it from binaries on this machine: faultline image from-host --binary /usr/bin/<program> --tag ${image} (or docker pull/load it)`,
      cluster: where.cluster,
      option: "docker.image",
    });
  }
}

/** The engine's own message in an error from dockerode. */
export function engineMessage(error: unknown): string {
  return (error as { json?: { message?: string } }).json?.message ?? (error as Error).message ?? String(error);
}

/**
 * The program a container could not start because the image lacks it, read from the runtime's
 * start error (`exec: "etcd": executable file not found in $PATH`, or for a path
 * `exec: "/usr/bin/etcd": stat /usr/bin/etcd: no such file or directory`); undefined for any other error.
 */
export function missingExecutable(error: unknown): string | undefined {
  return /exec: "([^"]+)": (?:executable file not found in \$PATH|stat [^:]*: no such file or directory)/.exec(engineMessage(error))?.[1];
}

/** Wraps an engine error as FAULTLINE_DOCKER, keeping the engine's own message. */
export function dockerError(error: unknown, what: string, where: { cluster?: string; node?: string } = {}): FaultlineError {
  const detail = engineMessage(error);
  return new FaultlineError({
    code: "FAULTLINE_DOCKER",
    message: `${what}: ${detail}`,
    hint: "see the engine's message; `docker info` and the daemon's log say more",
    cluster: where.cluster,
    node: where.node,
    cause: error,
  });
}
