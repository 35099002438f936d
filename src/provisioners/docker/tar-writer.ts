import { FaultlineError } from "../../common/errors";
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";

/** One member of an archive. Paths are relative to the root, without a leading slash. */
export type TarEntry =
  | { type: "dir"; path: string; mode: number }
  | { type: "symlink"; path: string; target: string }
  | { type: "file"; path: string; mode: number; size: number; source: string | Buffer };

const BLOCK = 512;

/**
 * A minimal POSIX (ustar + pax) tar writer: enough for `docker import`, which needs regular
 * files, directories and symlinks. Written here rather than taken from tar-stream, which only
 * reaches node_modules as a dependency of a dependency. Entries keep mtime 0 and uid/gid 0, so
 * the same files always make the same layer.
 */
export function tarStream(entries: Iterable<TarEntry>): Readable {
  return Readable.from(generate(entries), { objectMode: false });
}

async function* generate(entries: Iterable<TarEntry>): AsyncGenerator<Buffer> {
  for (const entry of entries) {
    yield* headerBlocks(entry);
    if (entry.type !== "file") continue;
    let written = 0;
    if (Buffer.isBuffer(entry.source)) {
      written = entry.source.length;
      yield entry.source;
    } else {
      for await (const chunk of createReadStream(entry.source)) {
        written += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
    }
    if (written !== entry.size)
      throw new FaultlineError({
        code: "FAULTLINE_DOCKER",
        message: `tar: ${entry.path} changed size while archived (${entry.size} -> ${written} bytes)`,
        hint: "build the image again once nothing writes to the file",
      });
    const pad = (BLOCK - (written % BLOCK)) % BLOCK;
    if (pad) yield Buffer.alloc(pad);
  }
  yield Buffer.alloc(BLOCK * 2); // end of archive
}

function headerBlocks(entry: TarEntry): Buffer[] {
  const name = entry.type === "dir" && !entry.path.endsWith("/") ? `${entry.path}/` : entry.path;
  const linkname = entry.type === "symlink" ? entry.target : "";
  const split = splitName(name);
  const pax: Record<string, string> = {};
  if (!split) pax.path = name;
  if (Buffer.byteLength(linkname) > 100) pax.linkpath = linkname;
  const blocks: Buffer[] = [];
  if (Object.keys(pax).length > 0) {
    const body = Buffer.from(
      Object.entries(pax)
        .map(([key, value]) => paxRecord(key, value))
        .join(""),
    );
    blocks.push(header({ name: "PaxHeader", prefix: "", mode: 0o644, size: body.length, type: "x", linkname: "" }));
    blocks.push(body, Buffer.alloc((BLOCK - (body.length % BLOCK)) % BLOCK));
  }
  const [prefix, base] = split ?? ["", name.slice(-100)];
  blocks.push(
    header({
      name: base,
      prefix,
      mode: entry.type === "symlink" ? 0o777 : entry.mode,
      size: entry.type === "file" ? entry.size : 0,
      type: entry.type === "file" ? "0" : entry.type === "dir" ? "5" : "2",
      linkname: linkname.slice(0, 100),
    }),
  );
  return blocks;
}

/** ustar keeps up to 155 bytes of directories in `prefix` and 100 bytes of name; undefined if it does not fit. */
function splitName(name: string): [string, string] | undefined {
  if (Buffer.byteLength(name) <= 100) return ["", name];
  for (let i = name.indexOf("/"); i !== -1; i = name.indexOf("/", i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest.length > 0) return [prefix, rest];
  }
  return undefined;
}

/** A pax record is "<length> <key>=<value>\n", where length counts its own digits. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length++;
  return `${length}${body}`;
}

interface Header {
  name: string;
  prefix: string;
  mode: number;
  size: number;
  type: string;
  linkname: string;
}

function header(h: Header): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(h.name, 0, 100, "utf8");
  octal(block, 100, 8, h.mode & 0o7777);
  octal(block, 108, 8, 0);
  octal(block, 116, 8, 0);
  octal(block, 124, 12, h.size);
  octal(block, 136, 12, 0);
  block.fill(" ", 148, 156); // checksum is computed with its own field as spaces
  block.write(h.type, 156, 1, "ascii");
  block.write(h.linkname, 157, 100, "utf8");
  block.write("ustar\0", 257, 6, "ascii");
  block.write("00", 263, 2, "ascii");
  block.write("root", 265, 32, "ascii");
  block.write("root", 297, 32, "ascii");
  block.write(h.prefix, 345, 155, "utf8");
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8, "ascii");
  return block;
}

function octal(block: Buffer, offset: number, length: number, value: number): void {
  const text = value.toString(8);
  if (text.length > length - 1)
    throw new FaultlineError({
      code: "FAULTLINE_DOCKER",
      message: `tar: value ${value} does not fit a ${length}-byte field`,
      hint: "files above 8 GiB and paths beyond the tar format's limits cannot go into an image",
    });
  block.write(`${text.padStart(length - 1, "0")}\0`, offset, length, "ascii");
}
