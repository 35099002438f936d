import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "../../../src/cli/image-command";
import { parseLdd, RootfsBuilder } from "../../../src/provisioners/docker/host-files";
import { splitTag } from "../../../src/provisioners/docker/image-from-host";
import { tarStream, type TarEntry } from "../../../src/provisioners/docker/tar-writer";

describe("parseLdd", () => {
  it("lists the libraries and the loader of a dynamic binary, not the vDSO", () => {
    const output = [
      "\tlinux-vdso.so.1 (0x00007ffc)",
      "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f3f81049000)",
      "\t/lib64/ld-linux-x86-64.so.2 (0x00007f3f8123f000)",
    ].join("\n");
    expect(parseLdd(output)).toEqual({ files: ["/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2"], missing: [] });
  });

  it("lists nothing for a static binary", () => {
    expect(parseLdd("\tstatically linked\n")).toEqual({ files: [], missing: [] });
    expect(parseLdd("\tnot a dynamic executable\n")).toEqual({ files: [], missing: [] });
  });

  it("reports libraries that are not found", () => {
    expect(parseLdd("\tlibfoo.so.1 => not found\n").missing).toEqual(["libfoo.so.1"]);
  });
});

/** Reads back a tar: name (prefix + name, or pax path), type, size, link, and checks every header's checksum. */
async function readTar(entries: TarEntry[]): Promise<Array<{ name: string; type: string; size: number; link: string; body: string }>> {
  const chunks: Buffer[] = [];
  for await (const chunk of tarStream(entries)) chunks.push(chunk as Buffer);
  const tar = Buffer.concat(chunks);
  expect(tar.length % 512).toBe(0);
  const out: Array<{ name: string; type: string; size: number; link: string; body: string }> = [];
  let paxPath: string | undefined;
  for (let offset = 0; offset + 512 <= tar.length;) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, length: number): string =>
      header
        .subarray(start, start + length)
        .toString("utf8")
        .replace(/\0.*$/s, "");
    const stored = parseInt(field(148, 8), 8);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
    expect(sum).toBe(stored);
    const size = parseInt(field(124, 12), 8);
    const type = field(156, 1);
    const body = tar.subarray(offset + 512, offset + 512 + size).toString();
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === "x") {
      paxPath = /\d+ path=(.*)\n/.exec(body)?.[1];
      continue;
    }
    const prefix = field(345, 155);
    const name = paxPath ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    paxPath = undefined;
    out.push({ name, type, size, link: field(157, 100), body });
  }
  return out;
}

describe("tarStream", () => {
  it("writes files, directories and symlinks that read back with valid checksums", async () => {
    const read = await readTar([
      { type: "dir", path: "etc", mode: 0o755 },
      { type: "file", path: "etc/passwd", mode: 0o644, size: 5, source: Buffer.from("root\n") },
      { type: "symlink", path: "lib", target: "usr/lib" },
    ]);
    expect(read).toEqual([
      { name: "etc/", type: "5", size: 0, link: "", body: "" },
      { name: "etc/passwd", type: "0", size: 5, link: "", body: "root\n" },
      { name: "lib", type: "2", size: 0, link: "usr/lib", body: "" },
    ]);
  });

  it("keeps long paths through the ustar prefix, and longer ones through a pax header", async () => {
    const long = `${"d".repeat(120)}/${"f".repeat(90)}`;
    const longer = "x".repeat(300);
    const read = await readTar([
      { type: "file", path: long, mode: 0o644, size: 1, source: Buffer.from("a") },
      { type: "file", path: longer, mode: 0o644, size: 1, source: Buffer.from("b") },
    ]);
    expect(read.map((e) => e.name)).toEqual([long, longer]);
  });
});

describe("RootfsBuilder", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "fl-rootfs-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps symlinked directories (merged /usr) as symlinks and stores files at their real paths", () => {
    mkdirSync(join(dir, "usr/lib"), { recursive: true });
    writeFileSync(join(dir, "usr/lib/libx.so"), "ELF");
    symlinkSync("usr/lib", join(dir, "lib"));
    const rootfs = new RootfsBuilder();
    rootfs.addHostPath(join(dir, "lib/libx.so"));
    const entries = rootfs.list();
    const rel = (p: string): string => join(dir, p).slice(1);
    expect(entries.find((e) => e.path === rel("lib"))).toEqual({ type: "symlink", path: rel("lib"), target: "usr/lib" });
    expect(entries.find((e) => e.path === rel("usr/lib/libx.so"))).toMatchObject({ type: "file", size: 3 });
    expect(rootfs.totalBytes).toBe(3);
  });
});

describe("faultline image from-host arguments", () => {
  it("parses repeated binaries, files and labels", () => {
    expect(
      parseArgs(["--binary", "/usr/bin/etcd", "--binary=/usr/bin/etcdctl", "--tag", "faultline/etcd:local", "--file", "/etc/ssl:/etc/ssl2", "--label", "a=b"]),
    ).toEqual({
      binaries: ["/usr/bin/etcd", "/usr/bin/etcdctl"],
      tag: "faultline/etcd:local",
      extraFiles: [{ from: "/etc/ssl", to: "/etc/ssl2" }],
      labels: { a: "b" },
    });
  });

  it("says what is missing", () => {
    expect(parseArgs(["--tag", "x"])).toBe("at least one --binary is required");
    expect(parseArgs(["--binary", "etcd"])).toBe("--tag is required");
    expect(parseArgs(["--bogus"])).toMatch(/unknown option/);
  });

  it("splits a tag, leaving a registry port alone", () => {
    expect(splitTag("faultline/etcd:local")).toEqual({ repo: "faultline/etcd", tag: "local" });
    expect(splitTag("localhost:5000/etcd")).toEqual({ repo: "localhost:5000/etcd", tag: "latest" });
  });
});
