import type Docker from "dockerode";
import type { DockerNodeOptions } from "../../cluster/types";
import type { LaunchSpec, NodeSlot } from "../../cluster/provisioner";

/** The key of `docker.tmpfs` that stands for the node's data dir (whose path is only known per run). */
export const DATA_DIR_TOKEN = "{dataDir}";

export interface ContainerSpecInput {
  name: string;
  slot: NodeSlot;
  launch: LaunchSpec;
  docker: DockerNodeOptions;
  network: string;
  labels: Record<string, string>;
  /** `uid:gid` to run as, or undefined for the image's user. */
  user?: string;
  /** The environment the node's env was built on top of; only what differs is passed. */
  baseEnv?: NodeJS.ProcessEnv;
}

/**
 * The create request for a node's container. The data dir is bind-mounted at its own path so a
 * cluster's `command` is the same on every provisioner; with a tmpfs at `{dataDir}` it is a
 * size-limited tmpfs instead (a "disk full" the engine enforces — its contents do not survive
 * a restart, which gets a fresh container).
 */
export function containerSpec(input: ContainerSpecInput): Docker.ContainerCreateOptions {
  const { slot, launch, docker } = input;
  const tmpfs: Record<string, string> = {};
  for (const [target, options] of Object.entries(docker.tmpfs ?? {})) tmpfs[target === DATA_DIR_TOKEN ? slot.dataDir : target] = options;
  const binds = tmpfs[slot.dataDir] === undefined ? [`${slot.dataDir}:${slot.dataDir}`] : [];
  binds.push(...(docker.volumes ?? []));
  const underDataDir = launch.cwd === slot.dataDir || launch.cwd.startsWith(`${slot.dataDir}/`);
  return {
    name: input.name,
    Image: docker.image,
    // An empty argv and no entrypoint run the image's own command (a compose service without
    // command:); otherwise an empty entrypoint, so the argv runs as given.
    Cmd: launch.argv.length > 0 ? launch.argv : undefined,
    Entrypoint: docker.entrypoint ?? (launch.argv.length > 0 ? [] : undefined),
    Env: Object.entries(nodeEnv(launch.env, input.baseEnv ?? process.env)).map(([key, value]) => `${key}=${value}`),
    WorkingDir: docker.workdir ?? (underDataDir ? launch.cwd : undefined),
    User: input.user,
    Labels: input.labels,
    HostConfig: {
      NetworkMode: input.network,
      Binds: binds,
      Tmpfs: Object.keys(tmpfs).length ? tmpfs : undefined,
      // The argv is pid 1, as `pid` and signals promise; docker-init in between only when asked.
      Init: docker.init === true,
    },
    // The node's name resolves to it from the other containers, as a compose service's does.
    NetworkingConfig: { EndpointsConfig: { [input.network]: { IPAMConfig: { IPv4Address: slot.host }, Aliases: [slot.name] } } },
  };
}

/**
 * What of a node's environment goes into its container: the cluster's own variables, not the
 * test process's (its HOME, PATH and Jest's variables mean nothing inside an image). Cluster
 * nodes receive the test's environment with the cluster's `env` on top, so the cluster's part
 * is what differs from it.
 */
export function nodeEnv(env: Record<string, string>, base: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (base[key] !== value) out[key] = value;
  return out;
}

/** Docker object names allow [a-zA-Z0-9_.-]. */
export function dockerName(text: string): string {
  return text.replace(/[^a-zA-Z0-9_.-]/g, "-");
}
