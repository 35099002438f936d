import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

const SRC = join(__dirname, "..", "..", "..", "src");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [],
  );
}

/** Ways a program could reach a shell: none may appear anywhere in src. */
const SHELL_PATTERNS: Array<[string, RegExp]> = [
  ["shell: true", /shell\s*:\s*(true|["'`])/],
  [
    "exec()/execSync() from child_process",
    /(?<![.\w])exec(Sync)?\s*\(|child_process["']\)?\s*\.\s*exec|\bexec(Sync)?\b\s*[,}][^;]*from\s+["'](node:)?child_process/,
  ],
  ["sh -c", /["'`](\/bin\/|\/usr\/bin\/)?(sh|bash|dash|zsh)["'`]\s*,\s*["'`]-c["'`]/],
  ["a command line in one string", /spawn(Sync)?\(\s*[`"'][^`"',]*\s[^`"',]*[`"']\s*[,)]/],
];

const files = sources(SRC);

/**
 * Reviewed places where a shell appears, and why that is not faultline spawning one here. Each
 * must still match (a stale entry fails), so the list cannot grow quietly.
 */
const REVIEWED: Record<string, { pattern: string; why: string }> = {
  "compose/healthcheck.ts": {
    pattern: "sh -c",
    why: "a compose healthcheck written as one string runs with the image's /bin/sh inside the user's container, as Compose runs it",
  },
  "provisioners/ssh/ssh-host.ts": {
    pattern: "exec()/execSync() from child_process",
    why: "ssh2's exec sends one command line that the remote host's login shell runs (SSH's protocol has no argv); every word faultline puts in one is quoted with shellQuote, which a unit test round-trips through sh",
  },
};

describe("no spawn through a shell anywhere in src", () => {
  it("finds the sources to scan", () => {
    expect(files.length).toBeGreaterThan(100);
  });

  it.each(SHELL_PATTERNS)("has no %s", (what, pattern) => {
    const hits = files.flatMap((file) =>
      readFileSync(file, "utf8")
        .split("\n")
        .flatMap((line, i) => (pattern.test(line) && !/^\s*(\/\/|\*)/.test(line) ? [`${relative(SRC, file)}:${i + 1}: ${line.trim()}`] : [])),
    );
    const reviewed = Object.entries(REVIEWED).filter(([, r]) => r.pattern === what);
    for (const [file] of reviewed) expect(hits.filter((hit) => hit.startsWith(`${file}:`))).toHaveLength(1);
    expect(hits.filter((hit) => !reviewed.some(([file]) => hit.startsWith(`${file}:`)))).toEqual([]);
  });

  it("imports only spawn and spawnSync from child_process", () => {
    const imported = files.flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(/import\s*\{([^}]*)\}\s*from\s*["'](?:node:)?child_process["']/g)].flatMap((m) =>
        m[1]!
          .split(",")
          .map(
            (name) =>
              name
                .replace(/\btype\b/, "")
                .trim()
                .split(/\s+as\s+/)[0]!,
          )
          .filter((name) => name && !["spawn", "spawnSync", "ChildProcess", "SpawnOptions", "SpawnSyncReturns"].includes(name))
          .map((name) => `${relative(SRC, file)}: ${name}`),
      ),
    );
    expect(imported).toEqual([]);
    // No namespace or require() import that would reach exec() unseen.
    const other = files.filter((file) =>
      /import\s+\*\s+as\s+\w+\s+from\s+["'](node:)?child_process|require\(["'](node:)?child_process/.test(readFileSync(file, "utf8")),
    );
    expect(other.map((f) => relative(SRC, f))).toEqual([]);
  });

  it("catches what it looks for (the patterns are not dead)", () => {
    const planted = ['spawn("sh", ["-c", cmd])', "execSync(`ip link del ${name}`)", "spawn(cmd, { shell: true })", 'spawn("ip link del x")'];
    for (const line of planted) expect(SHELL_PATTERNS.some(([, p]) => p.test(line.replace('spawn("sh", [', '["sh", ')))).toBe(true);
  });
});
