import { accessSync, constants, statSync } from "node:fs";
import { basename, delimiter, isAbsolute, join, resolve } from "node:path";
import { FaultlineError } from "../common/errors";
import { runsRoot } from "./run-dir";

/**
 * Undo commands in a run's registry are data, not a way to name programs: they may only run the
 * system tools faultline itself uses, by absolute path, with arguments of the shapes faultline
 * writes. Names are resolved when the entry is registered (in the process that made the object);
 * the reaper refuses anything else it finds in a registry, whoever wrote it.
 */
const TOOLS = new Set(["ip", "iptables", "iptables-legacy", "iptables-nft", "ip6tables", "tc", "mount", "umount", "nsenter", "rm"]);

/** Tools that run another program: where its argv starts, or undefined when it runs none. */
function nestedStart(tool: string, argv: readonly string[]): number | undefined {
  if (tool === "nsenter") {
    for (let i = 1; i < argv.length; i++) {
      const arg = argv[i]!;
      if (arg === "--") return i + 1 < argv.length ? i + 1 : undefined;
      if (!arg.startsWith("--")) return i; // only long options (`--net=…`, `--mount`) are written
    }
    return undefined;
  }
  if (tool === "ip") {
    const exec = argv.findIndex((arg, i) => arg === "exec" && argv[i - 1] === "netns");
    return exec > 0 ? exec + 2 : undefined;
  }
  return undefined;
}

/** Resolves every program an undo command runs to an absolute path; throws on anything else. */
export function resolveUndoCommand(argv: readonly string[], label: string, path = process.env.PATH ?? ""): string[] {
  const out = [...argv];
  let at: number | undefined = 0;
  while (at !== undefined && at < out.length) {
    const program = out[at]!;
    const resolved = isAbsolute(program) ? program : findOnPath(program, path);
    if (!resolved) throw refused(argv, label, `"${program}" is not on PATH`);
    out[at] = resolved;
    const problem = checkAt(out, at);
    if (problem) throw refused(argv, label, problem);
    const nested = nestedStart(basename(resolved), out.slice(at));
    at = nested === undefined ? undefined : at + nested;
  }
  return out;
}

/** Why the reaper must not run `argv`, or undefined when it is an undo command faultline writes. */
export function undoCommandProblem(argv: unknown): string | undefined {
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((arg) => typeof arg === "string")) return "argv is not a list of strings";
  let at: number | undefined = 0;
  while (at !== undefined && at < argv.length) {
    const problem = checkAt(argv as string[], at);
    if (problem) return problem;
    const nested = nestedStart(basename(argv[at] as string), (argv as string[]).slice(at));
    at = nested === undefined ? undefined : at + nested;
  }
  return undefined;
}

function checkAt(argv: readonly string[], at: number): string | undefined {
  const program = argv[at]!;
  if (!isAbsolute(program)) return `"${program}" is not an absolute path`;
  const tool = basename(program);
  if (!TOOLS.has(tool)) return `"${program}" is not one of the tools faultline uses (${[...TOOLS].join(", ")})`;
  try {
    const stat = statSync(program);
    const uid = process.getuid?.();
    if (!stat.isFile()) return `"${program}" is not a file`;
    if (uid !== undefined && stat.uid !== 0 && stat.uid !== uid) return `"${program}" belongs to uid ${stat.uid}`;
    if ((stat.mode & 0o022) !== 0) return `"${program}" is writable by group or others`;
  } catch (error) {
    return `"${program}" cannot be inspected: ${(error as Error).message}`;
  }
  const args = argv.slice(at + 1);
  if (tool === "rm") return removalProblem(args);
  if (tool.startsWith("iptables") || tool === "ip6tables") {
    // Never a whole table: flushing or deleting is only for the run's own chains.
    for (let i = 0; i < args.length; i++) {
      if ((args[i] === "-F" || args[i] === "-X") && !args[i + 1]?.startsWith("fl-")) return `${tool} ${args[i]} names no chain of faultline's`;
    }
  }
  return undefined;
}

/** `rm -f <file>` of a reservation file of this user's runs, nothing else. */
function removalProblem(args: readonly string[]): string | undefined {
  if (args.length !== 2 || args[0] !== "-f") return "rm may only be `rm -f <reservation file>`";
  const target = resolve(args[1]!);
  const root = runsRoot();
  if (target !== args[1] || !(target.startsWith(`${root}/`) || target.startsWith(`${root}-subnets/`))) {
    return `rm may only remove files under ${root}, not ${args[1]}`;
  }
  return undefined;
}

function findOnPath(program: string, path: string): string | undefined {
  if (program.includes("/")) return undefined;
  // Where Debian keeps the system tools, even when PATH (a non-root user's) lacks the sbin dirs.
  for (const dir of [...path.split(delimiter), "/usr/sbin", "/usr/bin", "/sbin", "/bin"]) {
    if (!isAbsolute(dir)) continue;
    try {
      accessSync(join(dir, program), constants.X_OK);
      return join(dir, program);
    } catch {
      // keep looking
    }
  }
  return undefined;
}

function refused(argv: readonly string[], label: string, problem: string): FaultlineError {
  return new FaultlineError({
    code: "FAULTLINE_INVALID_OPTION",
    message: `refusing to register the undo command of ${label} (\`${argv.join(" ")}\`): ${problem}`,
    hint: "undo commands run the system tools faultline uses (ip, iptables, tc, mount, umount, nsenter, rm) from root-owned locations; install them from Debian's packages",
  });
}

/** What the tools print when the object an undo command removes is gone already. */
const ALREADY_GONE = /cannot find|no such|does not exist|does a matching rule exist|not found|couldn't load target|handle of zero|not mounted|no mount point/i;

/** Does a failed undo command say its object is gone already? */
export function isAlreadyGone(stderr: string): boolean {
  return ALREADY_GONE.test(stderr);
}
