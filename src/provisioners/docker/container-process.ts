import { constants as osConstants } from "node:os";
import { Writable } from "node:stream";
import type Docker from "dockerode";
import { FaultlineError } from "../../common/errors";
import { sleep } from "../../common/timers";
import type { ExitStatus, LaunchSpec, NodeProcess } from "../../cluster/provisioner";
import { which } from "../../common/which";
import { dockerError, engineMessage, missingExecutable } from "./docker-engine";

export interface ContainerHandle {
  container: Docker.Container;
  /** Undoes the reaper registration once the container is removed. */
  unregister: () => void;
  /** False on a remote engine: its host pids mean nothing here. */
  localPid: boolean;
  /** The image the container was created from, for messages. */
  image: string;
  where: { cluster: string; node: string };
}

/** How long `exited` waits for the log stream to drain after the container stopped. */
const LOG_DRAIN_MS = 1_000;

/**
 * Starts a created container and controls it like a process: its log stream feeds `onOutput`,
 * `exited` follows `docker wait`, signals and pause go through the engine.
 */
export async function startContainer(docker: Docker, handle: ContainerHandle, spec: LaunchSpec): Promise<NodeProcess> {
  const { container, where } = handle;
  try {
    await container.start();
  } catch (error) {
    const program = missingExecutable(error);
    if (program !== undefined) throw binaryNotInImage(program, handle, spec, error);
    throw dockerError(error, "could not start the container", where);
  }
  // `wait` and `logs` both answer for a container that already exited, so nothing is lost
  // between start and these calls.
  const waited = container.wait().then(
    (result: { StatusCode?: number }) => toExitStatus(result.StatusCode),
    async () => inspectExit(container),
  );
  const logsEnded = followLogs(docker, container, spec);
  const exited = waited.then(async (status) => {
    await Promise.race([logsEnded, sleep(LOG_DRAIN_MS)]);
    return status;
  });
  let pid: number | undefined;
  if (handle.localPid) {
    const info = await container.inspect().catch(() => undefined);
    pid = info?.State?.Pid || undefined;
  }
  // One removal, shared: a relaunch waits for the name to be free whoever started removing it.
  let released: Promise<void> | undefined;
  return {
    pid,
    exited,
    async signal(signal) {
      await container.kill({ signal }).catch(ignoreNotRunning);
    },
    async pause() {
      await container.pause().catch((error: unknown) => {
        throw dockerError(error, "could not pause the container", where);
      });
    },
    async resume() {
      await container.unpause().catch(ignoreNotRunning);
    },
    release() {
      released ??= container.remove({ force: true, v: true }).then(handle.unregister, (error: { statusCode?: number; message?: string }) => {
        ignoreGone(error);
        handle.unregister();
      });
      return released;
    },
  };
}

/** The image lacks the program the container runs: say which, and how to build an image that has it. */
function binaryNotInImage(program: string, handle: ContainerHandle, spec: LaunchSpec, error: unknown): FaultlineError {
  const where = program.includes("/") ? `at ${program}` : "on its PATH";
  // `image from-host` copies a binary to the same path in the image: name the one this machine has.
  const hostPath = program.includes("/") ? program : (which(program) ?? `/usr/bin/${program}`);
  return new FaultlineError({
    code: "FAULTLINE_BINARY_NOT_FOUND",
    message: `image ${handle.image} has no "${program}" ${where}, so its container could not start (the engine said: ${engineMessage(error)})`,
    hint: `build an image that has it: faultline image from-host --binary ${hostPath} --tag ${handle.image} (add a --binary for every program the node runs)`,
    cluster: handle.where.cluster,
    node: handle.where.node,
    option: spec.argv[0] === program ? "command" : "docker.entrypoint",
    cause: error,
  });
}

/** Streams the container's stdout and stderr (multiplexed, no TTY) to `onOutput`; resolves at the end. */
async function followLogs(docker: Docker, container: Docker.Container, spec: LaunchSpec): Promise<void> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = (await container.logs({ follow: true, stdout: true, stderr: true })) as unknown as NodeJS.ReadableStream;
  } catch {
    return; // removed before we could attach: `exited` reports it
  }
  const sink = (name: "stdout" | "stderr"): Writable =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        spec.onOutput(chunk, name);
        done();
      },
    });
  docker.modem.demuxStream(stream, sink("stdout"), sink("stderr"));
  await new Promise<void>((resolve) => {
    stream.once("end", resolve);
    stream.once("close", resolve);
    stream.once("error", () => resolve());
  });
}

/** Docker reports death by signal N as exit status 128+N, as shells do. */
export function toExitStatus(code: number | undefined): ExitStatus {
  if (code === undefined) return { code: null, signal: null };
  if (code > 128 && code <= 128 + 64) {
    const name = Object.entries(osConstants.signals).find(([, number]) => number === code - 128)?.[0];
    if (name) return { code: null, signal: name as NodeJS.Signals };
  }
  return { code, signal: null };
}

/** When `wait` failed (engine restarted, container removed), the last state the engine knows. */
async function inspectExit(container: Docker.Container): Promise<ExitStatus> {
  for (;;) {
    const info = await container.inspect().catch(() => undefined);
    if (!info) return { code: null, signal: "SIGKILL" }; // removed, which kills it
    if (!info.State.Running) return toExitStatus(info.State.ExitCode);
    await sleep(200);
  }
}

function ignoreNotRunning(error: { statusCode?: number }): void {
  // 409: not running / not paused; 404: gone. Either way the signal has nothing to reach.
  if (error.statusCode !== 409 && error.statusCode !== 404) throw error;
}

function ignoreGone(error: { statusCode?: number; message?: string }): void {
  if (error.statusCode === 404) return;
  if (error.statusCode === 409 && /already in progress/i.test(error.message ?? "")) return;
  throw error;
}
