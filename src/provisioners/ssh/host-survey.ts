import { PROBE_SCRIPT, sweepScript } from "./remote-scripts";
import type { SshHostConnection } from "./ssh-host";

/** What a host's probe printed: `tool.<name>` (path or empty), `uid`, `kernel`, `faketime`. */
export async function probeFacts(connection: SshHostConnection): Promise<Record<string, string>> {
  const probe = await connection.exec(PROBE_SCRIPT);
  return Object.fromEntries(
    probe.stdout
      .split("\n")
      .filter((l) => /^[a-z.-]+=/i.test(l))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

/** Removes what dead runs left under `dir` on the host; returns a line per thing removed. */
export async function sweepHost(connection: SshHostConnection, dir: string): Promise<string[]> {
  const swept = await connection.exec(sweepScript(dir));
  return swept.stdout.split("\n").filter((l) => /^(swept|killed|removed) /.test(l));
}

/** The tools faultline needs on every host to track and remove what a run starts there, and their packages. */
export const REQUIRED_TOOLS: Record<string, string> = { flock: "util-linux", ps: "procps", awk: "mawk or gawk" };

/** Per capability, what a host lacks for it (undefined: it has what it needs). */
export function hostGaps(facts: Record<string, string>): Record<"partition" | "loss" | "bandwidth" | "limits" | "tracking", string | undefined> {
  const has = (tool: string): boolean => !!facts[`tool.${tool}`];
  const missingTools = Object.keys(REQUIRED_TOOLS).filter((t) => !has(t));
  const firewall = !has("iptables-restore")
    ? "no iptables-restore on the session's PATH"
    : facts.uid !== "0"
      ? `iptables needs root; the session runs as uid ${facts.uid}`
      : undefined;
  return {
    tracking: missingTools.length ? `missing ${missingTools.map((t) => `${t} (${REQUIRED_TOOLS[t]})`).join(", ")}` : undefined,
    partition: firewall,
    loss: firewall,
    bandwidth:
      !has("tc") || !has("ip")
        ? "no tc or ip (iproute2) on the session's PATH"
        : facts.uid !== "0"
          ? `tc needs root; the session runs as uid ${facts.uid}`
          : undefined,
    limits: has("prlimit") ? undefined : "no prlimit (util-linux)",
  };
}
