import { createHmac, randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { checkHostKey, knownHostsName } from "../../../src/provisioners/ssh/known-hosts";
import { parseHostWord, readHostsFile, resolveSshOptions } from "../../../src/cluster/ssh-options";
import { shellQuote } from "../../../src/provisioners/ssh/remote-scripts";
import { defineCluster } from "../../../src/cluster/define-cluster";

const KEY = Buffer.from("AAAAC3NzaC1lZDI1NTE5AAAAIO2uJ1Wn3uFnq6n3Jz2oV8k1VxP8Y1Z3q4r5s6t7u8v9", "base64");
const OTHER = Buffer.from("AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "base64");

describe("known_hosts", () => {
  const b64 = KEY.toString("base64");
  it("knows a plain, bracketed, wildcard or hashed entry with the same key", () => {
    expect(checkHostKey(`n1 ssh-ed25519 ${b64}\n`, "n1", KEY)).toBe("known");
    expect(checkHostKey(`[10.0.0.5]:2222 ssh-ed25519 ${b64}\n`, knownHostsName("10.0.0.5", 2222), KEY)).toBe("known");
    expect(checkHostKey(`*.db.example ssh-ed25519 ${b64}\n`, "n3.db.example", KEY)).toBe("known");
    const salt = randomBytes(20);
    const hashed = `|1|${salt.toString("base64")}|${createHmac("sha1", salt).update("n1").digest("base64")}`;
    expect(checkHostKey(`${hashed} ssh-ed25519 ${b64}\n`, "n1", KEY)).toBe("known");
    expect(checkHostKey(`${hashed} ssh-ed25519 ${b64}\n`, "n2", KEY)).toBe("unknown");
  });
  it("says changed for a listed host with another key, revoked for a @revoked key, unknown otherwise", () => {
    expect(checkHostKey(`n1 ssh-ed25519 ${OTHER.toString("base64")}\n`, "n1", KEY)).toBe("changed");
    expect(checkHostKey(`@revoked * ssh-ed25519 ${b64}\nn1 ssh-ed25519 ${b64}\n`, "n1", KEY)).toBe("revoked");
    expect(checkHostKey(`n1,!n1 ssh-ed25519 ${b64}\n# n1 ssh-ed25519 ${b64}\n`, "n1", KEY)).toBe("unknown");
    expect(knownHostsName("n1", 22)).toBe("n1");
  });
});

describe("ssh options", () => {
  it("reads [user@]host[:port] words and Jepsen-style nodes files", () => {
    expect(parseHostWord("admin@10.0.0.5:2222", "x")).toEqual({ user: "admin", host: "10.0.0.5", port: 2222 });
    expect(parseHostWord("[fe80::1]:22", "x")).toEqual({ host: "fe80::1", port: 22, user: undefined });
    const file = join(mkdtempSync(join(tmpdir(), "fl-nodes-")), "nodes");
    writeFileSync(file, "# db hosts\nn1\n\nroot@n2:2200  # spare\n");
    expect(readHostsFile(file).map((h) => `${h.user ?? ""}@${h.host}:${h.port ?? ""}`)).toEqual(["@n1:", "root@n2:2200"]);
  });
  it("rejects bad options with FAULTLINE_INVALID_OPTION naming the option", () => {
    expect(() => resolveSshOptions({ hosts: ["n1"], dir: "relative/dir" })).toThrow(
      expect.objectContaining({ code: "FAULTLINE_INVALID_OPTION", option: "ssh.dir" }),
    );
    expect(() => resolveSshOptions({ hosts: ["n1", "n1"] })).toThrow(/twice/);
    expect(() => resolveSshOptions({ hosts: [{ host: "n1", port: 70000 }] })).toThrow(expect.objectContaining({ option: "ssh.hosts[0].port" }));
    expect(() => resolveSshOptions({ hosts: ["n1"], hostKeys: "yes" as never })).toThrow(expect.objectContaining({ option: "ssh.hostKeys" }));
    expect(() => resolveSshOptions({ hosts: ["n1"], passphrase: "x" } as never)).toThrow(/ssh.passphrase is not an option/);
    const saved = process.env.FAULTLINE_SSH_HOSTS;
    delete process.env.FAULTLINE_SSH_HOSTS;
    try {
      expect(() => resolveSshOptions({})).toThrow(expect.objectContaining({ hint: expect.stringContaining("FAULTLINE_SSH_HOSTS") }));
    } finally {
      if (saved !== undefined) process.env.FAULTLINE_SSH_HOSTS = saved;
    }
    expect(() => defineCluster({ nodes: 1, command: () => ["x"], ssh: { hosts: ["n1"] } })).toThrow(expect.objectContaining({ option: "ssh" }));
  });
});

describe("shell quoting for remote commands", () => {
  it("round-trips any word through sh", () => {
    for (const word of ["plain", "with space", "it's", "$(rm -rf /)", "a\nb", "", "`x`", '"q"']) {
      expect(execFileSync("sh", ["-c", `printf '%s' ${shellQuote(word)}`], { encoding: "utf8" })).toBe(word);
    }
  });
});
