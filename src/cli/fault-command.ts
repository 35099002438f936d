const USAGE = `usage: faultline fault <kind> [--options JSON] [--control URL]
       faultline heal <id> [--control URL]

Applies one of faultline's faults to the cluster of a running \`faultline up\` (validated as
withFault validates it) and prints its id; \`heal\` undoes it. The control URL defaults to
$FAULTLINE_CONTROL or http://127.0.0.1:8474.
`;

/** A request to a running `faultline up`: its status and parsed body. */
async function call(
  url: string,
  method: string,
  body?: unknown,
): Promise<{ status: number; body: { error?: string; id?: string; description?: string } | undefined }> {
  const res = await fetch(url, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { connection: "close" } }).catch(
    (error: Error) => {
      throw new Error(`no faultline up answers at ${url}: ${(error.cause as Error | undefined)?.message ?? error.message}`);
    },
  );
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as { error?: string }) : undefined };
}

function parse(argv: string[]): { positional: string[]; options?: string; control: string } | string {
  const positional: string[] = [];
  let options: string | undefined;
  let control = process.env.FAULTLINE_CONTROL ?? "http://127.0.0.1:8474";
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string | undefined => (arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : argv[++i]);
    if (arg === "--options" || arg.startsWith("--options=")) options = value();
    else if (arg === "--control" || arg.startsWith("--control=")) control = value() ?? control;
    else if (!arg.startsWith("-")) positional.push(arg);
    else return `unknown option ${JSON.stringify(arg)}`;
  }
  return { positional, options, control: control.replace(/\/+$/, "") };
}

/** `faultline fault <kind> --options '{…}'`. */
export async function runFault(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const args = parse(argv);
  if (typeof args === "string" || args.positional.length !== 1) return usage(out, typeof args === "string" ? args : "name one fault kind");
  let options: unknown = {};
  try {
    options = args.options === undefined ? {} : JSON.parse(args.options);
  } catch {
    return usage(out, `--options must be JSON, got ${JSON.stringify(args.options)}`);
  }
  const { status, body } = await call(`${args.control}/faults`, "POST", { kind: args.positional[0], options });
  if (status !== 201) {
    out.write(`faultline fault: ${body?.error ?? `status ${status}`}\n`);
    return 65;
  }
  out.write(`${body!.id}\t${body!.description}\n`);
  return 0;
}

/** `faultline heal <id>`. */
export async function runHeal(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const args = parse(argv);
  if (typeof args === "string" || args.positional.length !== 1)
    return usage(out, typeof args === "string" ? args : "name the fault id that `faultline fault` printed");
  const { status, body } = await call(`${args.control}/faults/${encodeURIComponent(args.positional[0]!)}`, "DELETE");
  if (status !== 204) {
    out.write(`faultline heal: ${body?.error ?? `status ${status}`}\n`);
    return 65;
  }
  out.write(`healed ${args.positional[0]}\n`);
  return 0;
}

function usage(out: NodeJS.WritableStream, problem: string): number {
  out.write(`faultline: FAULTLINE_INVALID_OPTION: ${problem}\n\n${USAGE}`);
  return 64;
}
