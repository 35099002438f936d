import { spawnSync } from "node:child_process";
import { lstatSync, readdirSync, readlinkSync } from "node:fs";
import { dirname, join, posix, resolve } from "node:path";
import { FaultlineError } from "../../common/errors";
import type { TarEntry } from "./tar-writer";

/**
 * Parses `ldd` output into the files the dynamic loader opens, the loader itself included.
 * A static binary has none. Unresolved libraries are returned in `missing`.
 */
export function parseLdd(output: string): { files: string[]; missing: string[] } {
  const files: string[] = [];
  const missing: string[] = [];
  for (const raw of output.split("\n")) {
    const line = raw.trim();
    if (!line || /statically linked|not a dynamic executable/.test(line)) continue;
    const arrow = /^(\S+)\s+=>\s+(.*)$/.exec(line);
    if (arrow) {
      const target = arrow[2]!.trim();
      if (target.startsWith("not found")) missing.push(arrow[1]!);
      else if (target.startsWith("/")) files.push(target.replace(/\s+\(0x[0-9a-f]+\)$/i, ""));
      continue; // "linux-vdso.so.1 =>  (0x…)" on old glibc: the kernel provides it
    }
    // "/lib64/ld-linux-x86-64.so.2 (0x…)": the loader; "linux-vdso.so.1 (0x…)" has no file
    const path = /^(\/\S+)\s+\(0x[0-9a-f]+\)$/i.exec(line);
    if (path) files.push(path[1]!);
  }
  return { files: [...new Set(files)], missing };
}

/** The shared libraries (and loader) `binary` loads, found by running ldd with an argv, no shell. */
export function sharedLibraries(binary: string): string[] {
  const result = spawnSync("ldd", [binary], { encoding: "utf8", timeout: 30_000 });
  if (result.error) {
    throw new FaultlineError({
      code: "FAULTLINE_REQUIREMENT_MISSING",
      message: `could not run ldd to list the libraries of ${binary}: ${result.error.message}`,
      hint: "install libc-bin (it provides ldd)",
      cause: result.error,
    });
  }
  const output = `${result.stdout}\n${result.stderr}`;
  // glibc's ldd exits 1 for a static executable; anything else failing is a real problem.
  if (result.status !== 0 && !/not a dynamic executable|statically linked/.test(output)) {
    throw new FaultlineError({
      code: "FAULTLINE_REQUIREMENT_MISSING",
      message: `ldd ${binary} failed (exit ${result.status}): ${output.trim().split("\n").slice(-3).join(" / ")}`,
      hint: "pass an ELF executable built for this machine",
    });
  }
  const { files, missing } = parseLdd(output);
  if (missing.length > 0) {
    throw new FaultlineError({
      code: "FAULTLINE_REQUIREMENT_MISSING",
      message: `${binary} needs libraries this machine does not have: ${missing.join(", ")}`,
      hint: "install the packages that provide them (the binary would not run on the host either)",
    });
  }
  return files;
}

/**
 * A root filesystem assembled from host paths. Symlinks along a path (Debian's merged /usr makes
 * /lib a link to usr/lib) are kept as symlinks and followed, so every path a binary or its loader
 * uses resolves inside the image exactly as on the host.
 */
export class RootfsBuilder {
  private readonly entries = new Map<string, TarEntry>();
  private bytes = 0;

  /** Adds a host file (or a directory, recursively) at the same path in the image. */
  addHostPath(absolute: string, depth = 0): void {
    if (depth > 40)
      throw new FaultlineError({
        code: "FAULTLINE_INVALID_OPTION",
        message: `too many levels of symbolic links resolving ${absolute}`,
        hint: "name a file whose symbolic links end in a real file",
      });
    const parts = posix.normalize(absolute).split("/").filter(Boolean);
    let current = "/";
    for (let i = 0; i < parts.length; i++) {
      const next = join(current, parts[i]!);
      const stat = lstatSync(next);
      if (stat.isSymbolicLink()) {
        const target = readlinkSync(next);
        this.put({ type: "symlink", path: rel(next), target });
        this.addHostPath(join(resolve(dirname(next), target), ...parts.slice(i + 1)), depth + 1);
        return;
      }
      if (stat.isDirectory()) {
        if (!this.entries.has(rel(next))) this.put({ type: "dir", path: rel(next), mode: stat.mode & 0o7777 });
        if (i === parts.length - 1) for (const child of readdirSync(next).sort()) this.addHostPath(join(next, child), depth);
      } else if (stat.isFile()) {
        if (i !== parts.length - 1)
          throw new FaultlineError({
            code: "FAULTLINE_INVALID_OPTION",
            message: `${next} is a file, not a directory`,
            hint: "check the path of the file to copy into the image",
          });
        if (!this.entries.has(rel(next))) {
          this.put({ type: "file", path: rel(next), mode: stat.mode & 0o7777, size: stat.size, source: next });
          this.bytes += stat.size;
        }
      } else {
        return; // sockets, devices, fifos have no place in an image
      }
      current = next;
    }
  }

  /** Adds a file from a host path at another image path (its parents are made as plain directories). */
  addHostFileAs(source: string, target: string): void {
    const stat = lstatSync(resolve(source));
    if (!stat.isFile())
      throw new FaultlineError({
        code: "FAULTLINE_INVALID_OPTION",
        message: `${source} is not a regular file`,
        hint: "images from the host take regular files (binaries, libraries, configuration)",
      });
    this.addParents(target);
    this.put({ type: "file", path: rel(target), mode: stat.mode & 0o7777, size: stat.size, source: resolve(source) });
    this.bytes += stat.size;
  }

  /** Adds generated content. */
  addContent(target: string, content: string | Buffer, mode = 0o644): void {
    const buffer = Buffer.isBuffer(content) ? content : Buffer.from(content);
    this.addParents(target);
    this.put({ type: "file", path: rel(target), mode, size: buffer.length, source: buffer });
  }

  addDir(target: string, mode = 0o755): void {
    this.addParents(target);
    this.put({ type: "dir", path: rel(target), mode });
  }

  list(): TarEntry[] {
    return [...this.entries.values()];
  }

  get totalBytes(): number {
    return this.bytes;
  }

  private addParents(target: string): void {
    const parts = posix.normalize(target).split("/").filter(Boolean).slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const path = parts.slice(0, i).join("/");
      if (!this.entries.has(path)) this.put({ type: "dir", path, mode: 0o755 });
    }
  }

  private put(entry: TarEntry): void {
    this.entries.set(entry.path, entry);
  }
}

function rel(path: string): string {
  return posix.normalize(path).replace(/^\/+/, "");
}
