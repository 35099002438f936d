import { PassThrough } from "node:stream";
import Docker from "dockerode";
import { runImage } from "../../src/cli/image-command";
import { isFaultlineError } from "../../src/common/errors";
import { buildImageFromHost } from "../../src/provisioners/docker/image-from-host";
import { requireOrSkip } from "../helpers/requirements";
import { dockerProblem } from "./docker-helpers";

jest.setTimeout(60_000);

const describeDocker = requireOrSkip("a Docker engine", dockerProblem);

/** Runs `cmd` once in a throwaway container (labelled, removed by id); its exit code and output. */
async function runOnce(docker: Docker, image: string, cmd: string[]): Promise<{ code: number; output: string }> {
  const container = await docker.createContainer({
    Image: image,
    Cmd: cmd,
    Entrypoint: [],
    Labels: { "faultline.run": "image-test" },
    HostConfig: { NetworkMode: "none" },
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const logs = (await container.logs({ stdout: true, stderr: true })) as unknown as Buffer;
    return { code: StatusCode, output: demux(logs) };
  } finally {
    await container.remove({ force: true });
  }
}

/** Docker's multiplexed log body: frames of an 8-byte header (stream, 0, 0, 0, length BE32) and the payload. */
function demux(body: Buffer): string {
  let output = "";
  for (let i = 0; i + 8 <= body.length;) {
    const length = body.readUInt32BE(i + 4);
    output += body.subarray(i + 8, i + 8 + length).toString();
    i += 8 + length;
  }
  return output;
}

describeDocker("buildImageFromHost", () => {
  const docker = new Docker();

  it("packs a dynamic binary with its libraries and loader, so it runs in the image", async () => {
    const image = await buildImageFromHost({ binaries: ["/usr/bin/etcd"], tag: "faultline/etcd-version:local", docker });
    expect(image.files).toEqual(expect.arrayContaining(["/usr/bin/etcd", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/tmp"]));
    expect(image.files.some((f) => /ld-linux.*\.so/.test(f))).toBe(true);
    expect(image.files.some((f) => /libc\.so/.test(f))).toBe(true);
    const inspected = await docker.getImage("faultline/etcd-version:local").inspect();
    expect(inspected.Config.Labels).toMatchObject({ "faultline.from-host": "true", "faultline.binaries": "/usr/bin/etcd" });
    const { code, output } = await runOnce(docker, "faultline/etcd-version:local", ["etcd", "--version"]);
    expect(code).toBe(0);
    expect(output).toMatch(/etcd Version: \d+\.\d+\.\d+/);
  });

  it("makes the same layer from the same host files", async () => {
    const first = await docker.getImage("faultline/etcd-version:local").inspect();
    await buildImageFromHost({ binaries: ["/usr/bin/etcd"], tag: "faultline/etcd-version:local", docker });
    const second = await docker.getImage("faultline/etcd-version:local").inspect();
    expect(second.RootFS.Layers).toEqual(first.RootFS.Layers);
  });

  it("handles a static binary (no libraries) through the CLI", async () => {
    const out = new PassThrough();
    let printed = "";
    out.on("data", (chunk: Buffer) => (printed += chunk.toString()));
    expect(await runImage(["from-host", "--binary", "/usr/sbin/ldconfig", "--tag", "faultline/ldconfig:local"], out)).toBe(0);
    expect(printed).toMatch(/^faultline\/ldconfig:local sha256:[0-9a-f]{64} \(\d+ paths/);
    const { code, output } = await runOnce(docker, "faultline/ldconfig:local", ["/usr/sbin/ldconfig", "--version"]);
    expect(code).toBe(0);
    expect(output).toMatch(/ldconfig/i);
  });

  it("answers usage errors with status 64 and the usage", async () => {
    const out = new PassThrough();
    let printed = "";
    out.on("data", (chunk: Buffer) => (printed += chunk.toString()));
    expect(await runImage(["from-host", "--tag", "faultline/x:local"], out)).toBe(64);
    expect(printed).toContain("at least one --binary is required");
    expect(await runImage(["push"], out)).toBe(64);
    expect(await runImage(["--help"], out)).toBe(0);
  });

  it("names a binary it cannot find", async () => {
    const error = await buildImageFromHost({ binaries: ["no-such-binary-here"], tag: "faultline/none:local", docker }).catch((e: unknown) => e);
    expect(isFaultlineError(error) && error.code).toBe("FAULTLINE_BINARY_NOT_FOUND");
  });
});
