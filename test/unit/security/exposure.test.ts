import { chmodSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { defineCluster } from "../../../src/cluster/define-cluster";
import { provisionCluster } from "../../../src/wiring/start-cluster";
import { isFaultlineError } from "../../../src/common/errors";
import { serveFailpoints } from "../../../src/failpoints/failpoint-server";
import { NetnsNames, MAX_INTERFACE_NAME } from "../../../src/provisioners/netns/names";
import { FaultProxy } from "../../../src/proxy/fault-proxy";
import { createRunDir, privateRunsRoot } from "../../../src/reaper/run-dir";
import { beginRun, endRun } from "../../../src/reaper/run-context";
import { undoCommandProblem } from "../../../src/reaper/undo-command";

const SRC = join(__dirname, "..", "..", "..", "src");
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));

const HOSTILE = ["../x", "a b", "a;rm -rf /", "-x", "$(id)", "a\nb", "a/b", "", "x".repeat(65), "é", "a`id`", "--net=host"];

describe("every name that reaches ip, iptables, nsenter, tc or Docker is validated", () => {
  it.each(HOSTILE)("refuses the node name %j", (name) => {
    expect(() => defineCluster({ nodes: [name], command: () => ["true"] })).toThrow(
      expect.objectContaining({ code: "FAULTLINE_INVALID_OPTION", option: "nodes" }),
    );
  });

  it.each(HOSTILE)("refuses the cluster name %j before anything starts", async (name) => {
    const run = beginRun();
    try {
      await expect(provisionCluster({ nodes: 1, command: () => ["true"] }, { name, run })).rejects.toMatchObject({
        code: "FAULTLINE_INVALID_OPTION",
        option: "name",
      });
    } finally {
      await endRun(run);
    }
  });

  it("builds kernel names only from the run id and slots: short, alphanumeric, prefixed fl-<run>", () => {
    const names = new NetnsNames("0a1b2c", 5);
    const all = [names.bridge, names.veth(0), names.veth(35 * 36), names.namespace({ name: "etcd-1", index: 0 })];
    for (const n of all) expect(n).toMatch(/^fl-0a1b2c-[0-9a-z]{2}(-[A-Za-z0-9_.-]+)?$/);
    for (const n of [names.bridge, names.veth(0), names.veth(35 * 36)]) expect(n.length).toBeLessThanOrEqual(MAX_INTERFACE_NAME);
    // A name that is not a safe file name never reaches `ip netns add`.
    expect(names.namespace({ name: "../../etc", index: 2 })).toBe(`${names.prefix}-node2`);
    expect(() => new NetnsNames("../x", 0)).toThrow(expect.objectContaining({ code: "FAULTLINE_INVALID_OPTION" }));
    expect(() => new NetnsNames("abc;rm", 0)).toThrow(expect.objectContaining({ code: "FAULTLINE_INVALID_OPTION" }));
  });

  it("refuses undo commands faultline would not write: shells, relative programs, whole tables, files outside the runs root", () => {
    const ip = "/usr/sbin/ip";
    const refused = [
      ["sh", "-c", "ip link del fl-x"],
      ["/bin/sh", "-c", "true"],
      ["ip", "link", "del", "fl-x"],
      ["/usr/bin/python3", "-c", "pass"],
      [ip, "netns", "exec", "fl-x", "/bin/sh"],
      ["/usr/bin/nsenter", "--net=/proc/1/ns/net", "--", "/bin/sh"],
      ["/usr/sbin/iptables", "-F"],
      ["/usr/sbin/iptables", "-t", "filter", "-X", "INPUT"],
      ["/usr/bin/rm", "-f", "/etc/passwd"],
      ["/usr/bin/rm", "-rf", "/"],
    ];
    for (const argv of refused) expect([argv, undoCommandProblem(argv)]).toEqual([argv, expect.any(String)]);
    expect(undoCommandProblem([ip, "link", "del", "fl-0a1b2c-00"])).toBeUndefined();
  });
});

describe("every server faultline starts binds loopback unless told otherwise", () => {
  it("a fault proxy listens on 127.0.0.1 by default", async () => {
    const proxy = new FaultProxy({ name: "exposure", upstream: { host: "127.0.0.1", port: 9 } });
    await proxy.start();
    try {
      expect(proxy.host).toBe("127.0.0.1");
    } finally {
      await proxy.close();
    }
  });

  it("the failpoint endpoint listens on 127.0.0.1 by default and refuses another address without allowRemote", async () => {
    const server = await serveFailpoints();
    try {
      expect(server.host).toBe("127.0.0.1");
    } finally {
      await server.close();
    }
    await expect(serveFailpoints({ host: "0.0.0.0" })).rejects.toMatchObject({ code: "FAULTLINE_FAILPOINT", option: "host" });
    await expect(serveFailpoints({ host: "::" })).rejects.toMatchObject({ code: "FAULTLINE_FAILPOINT" });
  });

  it("every listen() in src names its host, or a Unix socket in a private folder", () => {
    // A listen(port) with no host binds every interface. (A keeper's socket is no network at all.)
    const calls = sources(SRC).flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(/\.listen\(([^)]*)/g)].map((m) => [relative(SRC, file), m[1]!.trim()] as const),
    );
    expect(calls.length).toBeGreaterThanOrEqual(3);
    for (const [file, args] of calls) expect([file, args]).toEqual([file, expect.stringMatching(/host|^socketPath\(/)]);
  });
});

describe("run directories are private", () => {
  let base: string;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), "faultline-sec-"));
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it("are created 0700 under a 0700 runs root", () => {
    const runs = join(base, "runs");
    const info = createRunDir(process.pid, "abc123", runs);
    expect(statSync(info.dir).mode & 0o777).toBe(0o700);
    expect(statSync(runs).mode & 0o777).toBe(0o700);
  });

  it("refuse a runs root that is a symbolic link, or whose parent is one", () => {
    const real = join(base, "real");
    mkdirSync(real, { mode: 0o700 });
    symlinkSync(real, join(base, "link"));
    const error = (() => {
      try {
        privateRunsRoot(join(base, "link"));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(isFaultlineError(error) && error.code).toBe("FAULTLINE_UNSAFE_PATH");
    expect(() => privateRunsRoot(join(base, "link", "runs"))).toThrow(expect.objectContaining({ code: "FAULTLINE_UNSAFE_PATH" }));
  });

  it("refuse a runs root others can write to", () => {
    const open = join(base, "open");
    mkdirSync(open, { mode: 0o777 });
    // mkdir applies the umask: set the mode as another user's folder would have it.
    chmodSync(open, 0o777);
    expect(() => privateRunsRoot(open)).toThrow(expect.objectContaining({ code: "FAULTLINE_UNSAFE_PATH" }));
  });
});
