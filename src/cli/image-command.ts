import { formatMs } from "../common/duration";
import { monoNowMs } from "../common/timers";
import { buildImageFromHost } from "../provisioners/docker/image-from-host";

const USAGE = `usage: faultline image from-host --binary PATH [--binary PATH …] --tag NAME:TAG [--file PATH[:IMAGE_PATH] …] [--label KEY=VALUE …]

Builds a Docker image from executables on this machine, without a registry or a Dockerfile:
each binary, the shared libraries and loader it needs (from ldd), and a minimal /etc and /tmp,
imported with \`docker import\` into the engine DOCKER_HOST names (default: the local one).
The image is labelled faultline.from-host=true; the same host files make the same image.

  --binary   an executable: absolute path or name on PATH (repeatable)
  --tag      image name, e.g. faultline/etcd:local
  --file     an extra host file or directory, at the same path or at IMAGE_PATH (repeatable)
  --label    an extra image label (repeatable)

exit status: 0 built, 64 usage error; errors are printed with a hint
`;

/** `faultline image from-host …`; returns the exit status. */
export async function runImage(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "--help" || sub === "-h" || (sub === "from-host" && rest.some((a) => a === "--help" || a === "-h"))) {
    out.write(USAGE);
    return 0;
  }
  if (sub !== "from-host") {
    out.write(`faultline image: ${sub ? `unknown subcommand "${sub}"` : "missing subcommand"}\n\n${USAGE}`);
    return 64;
  }
  const parsed = parseArgs(rest);
  if (typeof parsed === "string") {
    out.write(`faultline image from-host: ${parsed}\n\n${USAGE}`);
    return 64;
  }
  const started = monoNowMs();
  const image = await buildImageFromHost(parsed);
  out.write(`${image.tag} ${image.id} (${image.files.length} paths, ${(image.bytes / 1e6).toFixed(1)} MB) in ${formatMs(monoNowMs() - started)}\n`);
  return 0;
}

interface ImageArgs {
  binaries: string[];
  tag: string;
  extraFiles: Array<string | { from: string; to: string }>;
  labels: Record<string, string>;
}

/** Parsed arguments, or a usage message. */
export function parseArgs(argv: readonly string[]): ImageArgs | string {
  const args: ImageArgs = { binaries: [], tag: "", extraFiles: [], labels: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case "--binary": {
        const v = value();
        if (!v) return "--binary needs a path";
        args.binaries.push(v);
        break;
      }
      case "--tag": {
        const v = value();
        if (!v) return "--tag needs a name such as faultline/etcd:local";
        args.tag = v;
        break;
      }
      case "--file": {
        const v = value();
        if (!v) return "--file needs a path";
        const colon = v.indexOf(":");
        args.extraFiles.push(colon > 0 ? { from: v.slice(0, colon), to: v.slice(colon + 1) } : v);
        break;
      }
      case "--label": {
        const v = value();
        const eq = v?.indexOf("=") ?? -1;
        if (!v || eq <= 0) return `--label needs KEY=VALUE, received ${JSON.stringify(v)}`;
        args.labels[v.slice(0, eq)] = v.slice(eq + 1);
        break;
      }
      default:
        return `unknown option ${JSON.stringify(arg)}`;
    }
  }
  if (args.binaries.length === 0) return "at least one --binary is required";
  if (!args.tag) return "--tag is required";
  return args;
}
