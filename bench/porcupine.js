"use strict";
/**
 * Builds and runs Porcupine (github.com/anishathalye/porcupine) beside faultline, for
 * checker.bench.js: its Go source is read from PORCUPINE_SRC (default /tmp/porcupine-src, a
 * checkout or `git archive` of it), built with faultline's bench/porcupine-runner/main.go in a
 * temporary directory, offline. Nothing of Porcupine is kept in this repository.
 */
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const SOURCE = process.env.PORCUPINE_SRC ?? "/tmp/porcupine-src";

/** `{ run(files, format, rounds) }`, or `{ reason }` saying in one line why Porcupine is not available. */
function buildPorcupine() {
  if (!fs.existsSync(path.join(SOURCE, "checker.go"))) return { reason: `no Porcupine source at ${SOURCE} (set PORCUPINE_SRC)` };
  const version = spawnSync("go", ["version"], { encoding: "utf8" });
  if (version.error || version.status !== 0) return { reason: "no Go toolchain on PATH (apt-get install golang-go)" };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "faultline-porcupine-"));
  fs.copyFileSync(path.join(__dirname, "porcupine-runner", "main.go"), path.join(dir, "main.go"));
  fs.writeFileSync(
    path.join(dir, "go.mod"),
    `module faultline-porcupine-runner\n\ngo 1.16\n\nrequire github.com/anishathalye/porcupine v0.0.0\n\nreplace github.com/anishathalye/porcupine => ${path.resolve(SOURCE)}\n`,
  );
  const binary = path.join(dir, "runner");
  const build = spawnSync("go", ["build", "-o", binary, "."], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, GOFLAGS: "-mod=mod", GOPROXY: "off", GOSUMDB: "off" },
  });
  if (build.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    return { reason: `building Porcupine failed: ${(build.stderr || String(build.error)).trim().split("\n")[0]}` };
  }
  const timeout = process.env.PORCUPINE_TIMEOUT ?? "30s";
  return {
    version: version.stdout.trim(),
    /** Per file: { verdict, ms: [per round] }. */
    run(files, format, rounds) {
      const out = spawnSync(binary, ["-format", format, "-rounds", String(rounds), "-timeout", timeout, ...files], { encoding: "utf8", maxBuffer: 1 << 26 });
      if (out.status !== 0) throw new Error(`porcupine-runner failed: ${out.stderr}`);
      return out.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line));
    },
    timeout,
    dispose() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

module.exports = { buildPorcupine, SOURCE };
