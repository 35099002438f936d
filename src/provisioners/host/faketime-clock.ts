import { closeSync, existsSync, openSync, readFileSync, readSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FaultlineError } from "../../common/errors";
import { wallNow } from "../../common/timers";
import { which } from "../../common/which";
import type { Applied, ClockControl } from "../../cluster/controls";
import type { Node } from "../../cluster/node-types";

const LIBRARIES = [
  "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
  "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
  "/usr/lib/faketime/libfaketime.so.1",
];

/** Where libfaketime is installed, if it is. */
export function faketimeLibrary(): string | undefined {
  return [process.env.FAULTLINE_FAKETIME_LIB, ...LIBRARIES].find((p): p is string => !!p && existsSync(p));
}

/** The file through which a node's clock offset is changed at run time. */
export function clockFile(clusterDir: string, node: string): string {
  return join(clusterDir, `${node}.faketime`);
}

/** What faultline knows about a node's clock: when its process started, and the fault on it. */
interface ClockState {
  /** Wall-clock ms just before the node's current process was spawned. */
  started?: number;
  fault?: { offset: number; rate: number; since: number };
}

const stateFile = (clusterDir: string, node: string): string => `${clockFile(clusterDir, node)}.json`;

function readState(clusterDir: string, node: string): ClockState {
  try {
    return JSON.parse(readFileSync(stateFile(clusterDir, node), "utf8")) as ClockState;
  } catch {
    return {};
  }
}

/**
 * The libfaketime spec that makes a process started at `started` see `offset` seconds plus
 * `rate` speed counted from `since`. libfaketime applies `x<rate>` to the time elapsed since the
 * process loaded it, so without the correction a rate set after a minute of uptime would first
 * jump the clock by a minute. The rate is always written, even x1: libfaketime keeps the last
 * rate it read when a later spec leaves it out, so "+0" alone would not end a speed-up.
 */
export function faketimeSpec(fault: ClockState["fault"], started: number | undefined): string {
  if (!fault) return "+0 x1";
  const seconds = fault.offset + (((started ?? fault.since) - fault.since) / 1000) * (fault.rate - 1);
  const rounded = Number(seconds.toFixed(3));
  return `${rounded >= 0 ? "+" : ""}${rounded} x${fault.rate}`;
}

/**
 * Environment for a node of a cluster declared with `clock: true`: libfaketime preloaded,
 * reading its offset from a file on every call (no cache), wall clock only — monotonic clocks
 * stay real so timeouts inside the node keep working. Called before every start of the node, so
 * a node restarted under a clock fault keeps the faulted clock.
 */
export function clockEnv(clusterDir: string, node: string, cluster: string): Record<string, string> {
  const library = faketimeLibrary();
  if (!library) {
    throw new FaultlineError({
      code: "FAULTLINE_REQUIREMENT_MISSING",
      message: "the cluster declares clock: true, and libfaketime is not installed",
      hint: "apt-get install libfaketime (or set FAULTLINE_FAKETIME_LIB to the library's path)",
      cluster,
      node,
      option: "clock",
    });
  }
  const file = clockFile(clusterDir, node);
  const state: ClockState = { ...readState(clusterDir, node), started: wallNow() };
  writeFileSync(stateFile(clusterDir, node), JSON.stringify(state));
  // Rewritten for the new process: a rate counts from its own start.
  if (!existsSync(file) || state.fault) writeFileSync(file, faketimeSpec(state.fault, state.started));
  return { LD_PRELOAD: library, FAKETIME_TIMESTAMP_FILE: file, FAKETIME_NO_CACHE: "1", FAKETIME_DONT_FAKE_MONOTONIC: "1" };
}

/** Reads the ELF headers only (a Node binary is ~100 MB): is there an interpreter, is it Go? */
function inspectElf(path: string): { dynamic: boolean; go: boolean } | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return undefined;
  }
  try {
    const read = (position: number, length: number): Buffer => {
      const buffer = Buffer.alloc(Math.max(0, Math.min(length, 1 << 20)));
      const got = readSync(fd, buffer, 0, buffer.length, position);
      return buffer.subarray(0, got);
    };
    const h = read(0, 64);
    if (h.length < 52 || h.toString("latin1", 0, 4) !== "\x7fELF") return undefined; // a script: its interpreter decides
    const is64 = h[4] === 2;
    const le = h[5] === 1;
    const u16 = (b: Buffer, o: number): number => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b: Buffer, o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const word = (b: Buffer, o: number): number => (is64 ? Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o)) : u32(b, o));
    const [phoff, shoff] = [word(h, is64 ? 0x20 : 0x1c), word(h, is64 ? 0x28 : 0x20)];
    const [phentsize, phnum] = [u16(h, is64 ? 0x36 : 0x2a), u16(h, is64 ? 0x38 : 0x2c)];
    const [shentsize, shnum, shstrndx] = [u16(h, is64 ? 0x3a : 0x2e), u16(h, is64 ? 0x3c : 0x30), u16(h, is64 ? 0x3e : 0x32)];
    const ph = read(phoff, phentsize * phnum);
    let dynamic = false;
    for (let i = 0; i + 4 <= ph.length && i < phentsize * phnum; i += phentsize) if (u32(ph, i) === 3) dynamic = true; // PT_INTERP
    let sectionNames = "";
    if (shoff > 0 && shstrndx < shnum) {
      const sh = read(shoff + shstrndx * shentsize, shentsize);
      if (sh.length === shentsize) sectionNames = read(word(sh, is64 ? 0x18 : 0x10), word(sh, is64 ? 0x20 : 0x14)).toString("latin1");
    }
    const go = /\.go\.buildinfo|\.note\.go\.buildid|\.gopclntab/.test(sectionNames) || read(0, 64 * 1024).includes("Go build ID");
    return { dynamic, go };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Why libfaketime cannot move this binary's clock, if it cannot: static binaries and Go programs read time without libc. */
export function clockBlocker(binary: string): string | undefined {
  const path = which(binary);
  const elf = path ? inspectElf(path) : undefined;
  if (!path || !elf) return undefined;
  if (elf.go) return `${path} is a Go program, which reads the clock through the vDSO without libc`;
  if (!elf.dynamic) return `${path} is statically linked`;
  return undefined;
}

/**
 * Clocks moved by libfaketime on this machine: nodes of a cluster declared with `clock: true`
 * start with it preloaded, reading their offset from a file in the cluster's directory.
 */
export function faketimeClock(clusterDir: string, cluster: string): ClockControl {
  return {
    env: (node) => clockEnv(clusterDir, node, cluster),
    blocker: (program) => clockBlocker(program),
    async shift(nodes: readonly Node[], seconds: number, rate: number): Promise<Applied> {
      const since = wallNow();
      const moved: Node[] = [];
      const undo = async (): Promise<void> => {
        for (const node of moved) {
          const { started } = readState(clusterDir, node.name);
          writeFileSync(stateFile(clusterDir, node.name), JSON.stringify({ started }));
          writeFileSync(clockFile(clusterDir, node.name), faketimeSpec(undefined, started));
        }
      };
      try {
        for (const node of nodes) {
          const state: ClockState = { ...readState(clusterDir, node.name), fault: { offset: seconds, rate, since } };
          moved.push(node);
          writeFileSync(stateFile(clusterDir, node.name), JSON.stringify(state));
          writeFileSync(clockFile(clusterDir, node.name), faketimeSpec(state.fault, state.started));
        }
      } catch (error) {
        // A failed apply returns no fault to heal: put back the clocks it had already moved.
        await undo().catch(() => undefined);
        throw error;
      }
      return { undo, mechanism: "libfaketime" };
    },
  };
}
