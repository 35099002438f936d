import { PassThrough } from "node:stream";
import type { Node } from "../../cluster/node-types";
import { FaultlineError } from "../../common/errors";
import { timers } from "../../common/timers";

/** What a command run inside a node's container said, and how it ended. */
export interface ExecResult {
  readonly exitCode: number | null;
  readonly output: string;
}

/**
 * Runs `argv` inside the container of a docker node, as `docker exec` does (for a compose
 * file's healthcheck): the container is the running one labelled with the node's cluster and
 * name whose main process is the node's pid, so another run's cluster of the same name is never
 * touched. Resolves with the exit code once the command ends, or kills nothing and rejects when
 * it outlives `timeoutMs` (the engine has no way to stop an exec).
 */
export async function execInContainer(node: Node, argv: readonly string[], timeoutMs: number): Promise<ExecResult> {
  const where = { cluster: node.cluster, node: node.name };
  // Loaded here, not at the top: the main entry must not load the Docker client (test/e2e/public-entry).
  const { connectEngine, dockerError } = require("./docker-engine") as typeof import("./docker-engine");
  const engine = await connectEngine(where);
  const listed = await engine.docker
    .listContainers({ filters: { label: [`faultline.cluster=${node.cluster}`, `faultline.node=${node.name}`], status: ["running"] } })
    .catch((error: unknown) => {
      throw dockerError(error, "could not list the node's container", where);
    });
  let id: string | undefined;
  for (const entry of listed) {
    const info = await engine.docker.getContainer(entry.Id).inspect();
    if (info.State.Pid === node.pid) id = entry.Id;
  }
  if (!id) {
    throw new FaultlineError({
      code: "FAULTLINE_NODE_STATE",
      message: `no running container for node ${node.name} (pid ${node.pid ?? "none"}) to run ${argv.join(" ")} in`,
      hint: "the node must be running; this runs only on the docker provisioner",
      ...where,
    });
  }
  const exec = await engine.docker.getContainer(id).exec({ Cmd: [...argv], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const sink = new PassThrough();
  let output = "";
  sink.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  engine.docker.modem.demuxStream(stream, sink, sink);
  await new Promise<void>((resolve, reject) => {
    const timer = timers.setTimeout(() => {
      stream.destroy();
      reject(new Error(`${argv.join(" ")} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    stream.on("end", () => {
      timers.clearTimeout(timer);
      resolve();
    });
    stream.on("error", (error) => {
      timers.clearTimeout(timer);
      reject(error);
    });
  });
  const inspected = await exec.inspect();
  return { exitCode: inspected.ExitCode, output };
}
