import type Docker from "dockerode";
import { FaultlineError, isFaultlineError } from "../../common/errors";
import { which } from "../../common/which";
import { connectEngine, dockerError } from "./docker-engine";
import { RootfsBuilder, sharedLibraries } from "./host-files";
import { tarStream } from "./tar-writer";

export interface ImageFromHostOptions {
  /** Executables to put in the image at their host paths: absolute paths or names on PATH. */
  binaries: string[];
  /** e.g. `faultline/etcd:local`. */
  tag: string;
  /**
   * More host files or directories: a path (kept at the same path in the image), or
   * `{ from, to }` to place a file elsewhere.
   */
  extraFiles?: Array<string | { from: string; to: string }>;
  /** The engine to import into. Default: the one DOCKER_HOST names (or the local socket). */
  docker?: Docker;
  /** Extra image labels. `faultline.from-host=true` is always set. */
  labels?: Record<string, string>;
}

export interface BuiltImage {
  id: string;
  tag: string;
  /** Paths in the image. */
  files: string[];
  /** Bytes of file content imported. */
  bytes: number;
}

/** The label every image built from host files carries. */
export const FROM_HOST_LABEL = "faultline.from-host";

/**
 * Builds an image without a registry or a Dockerfile: each binary, the shared libraries and
 * loader `ldd` says it loads, and the few files a program expects (/etc/passwd, /etc/group,
 * /etc/nsswitch.conf, /tmp), streamed as a tar into `docker import`. Docker manages /etc/hosts,
 * /etc/resolv.conf and /etc/hostname itself. The same host files always make the same layer.
 */
export async function buildImageFromHost(options: ImageFromHostOptions): Promise<BuiltImage> {
  const { repo, tag } = splitTag(options.tag);
  if (options.binaries.length === 0) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: "buildImageFromHost needs at least one binary",
      hint: "pass --binary /usr/bin/<program>",
      option: "binaries",
    });
  }
  const rootfs = new RootfsBuilder();
  addBaseFiles(rootfs);
  const resolved: string[] = [];
  for (const name of options.binaries) {
    const path = which(name);
    if (!path) {
      throw new FaultlineError({
        code: "FAULTLINE_BINARY_NOT_FOUND",
        message: `binary "${name}" was not found (not an executable path, nor on PATH)`,
        hint: "pass the executable's absolute path, e.g. --binary /usr/bin/etcd",
        option: "binaries",
      });
    }
    resolved.push(path);
    rootfs.addHostPath(path);
    for (const library of sharedLibraries(path)) rootfs.addHostPath(library);
  }
  for (const extra of options.extraFiles ?? []) {
    if (typeof extra === "string") rootfs.addHostPath(extra);
    else rootfs.addHostFileAs(extra.from, extra.to);
  }
  const docker = options.docker ?? (await connectEngine()).docker;
  const labels = { ...options.labels, [FROM_HOST_LABEL]: "true", "faultline.binaries": resolved.join(",") };
  const changes = Object.entries(labels).map(([key, value]) => `LABEL ${key}=${JSON.stringify(value)}`);
  try {
    const previous = await docker
      .getImage(options.tag)
      .inspect()
      .catch(() => undefined);
    const progress = await docker.importImage(tarStream(rootfs.list()), { repo, tag, changes });
    await followImport(docker, progress);
    const image = await docker.getImage(options.tag).inspect();
    if (previous && previous.Id !== image.Id) await removeReplaced(docker, previous);
    return { id: image.Id, tag: options.tag, files: rootfs.list().map((entry) => `/${entry.path}`), bytes: rootfs.totalBytes };
  } catch (error) {
    if (isFaultlineError(error)) throw error;
    throw dockerError(error, `could not import image ${options.tag}`);
  }
}

/**
 * A rebuild moves the tag to a new image (import stamps a creation time); the one it replaced,
 * if we built it and nothing else names or uses it, would linger as a dangling image.
 */
async function removeReplaced(docker: Docker, previous: Docker.ImageInspectInfo): Promise<void> {
  if (previous.Config?.Labels?.[FROM_HOST_LABEL] !== "true") return;
  const now = await docker
    .getImage(previous.Id)
    .inspect()
    .catch(() => undefined);
  if (!now || (now.RepoTags ?? []).length > 0) return;
  await docker
    .getImage(previous.Id)
    .remove()
    .catch(() => undefined); // in use by a container: leave it
}

/** Waits for the engine's import progress stream to end; rejects on an error message in it. */
function followImport(docker: Docker, stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, messages: Array<{ error?: string; errorDetail?: { message?: string } }>) => {
      const failed = messages?.find((message) => message.error || message.errorDetail);
      if (error) reject(error);
      else if (failed) reject(new Error(failed.errorDetail?.message ?? failed.error));
      else resolve();
    });
  });
}

/** The minimum a program expects of a Unix root: users, groups, name service order, /tmp. */
function addBaseFiles(rootfs: RootfsBuilder): void {
  rootfs.addContent("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
  rootfs.addContent("/etc/group", "root:x:0:\nnogroup:x:65534:\n");
  rootfs.addContent("/etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files dns\n");
  rootfs.addDir("/tmp", 0o1777);
  rootfs.addDir("/root", 0o700);
}

/** `faultline/etcd:local` -> repo and tag (a registry port before the last `/` is not a tag). */
export function splitTag(reference: string): { repo: string; tag: string } {
  const colon = reference.lastIndexOf(":");
  if (colon > reference.lastIndexOf("/")) return { repo: reference.slice(0, colon), tag: reference.slice(colon + 1) };
  return { repo: reference, tag: "latest" };
}
