import { accessSync, constants } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";

/** Resolves a command name on PATH like a shell would; undefined when not found. */
export function which(command: string, path = process.env.PATH ?? ""): string | undefined {
  if (command.includes("/")) {
    try {
      accessSync(command, constants.X_OK);
      return isAbsolute(command) ? command : join(process.cwd(), command);
    } catch {
      return undefined;
    }
  }
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

const INSTALL_HINTS: Record<string, string> = {
  etcd: "install Debian's etcd-server: apt-get install etcd-server",
  etcdctl: "install Debian's etcd-client: apt-get install etcd-client",
  "redis-server": "install Debian's redis-server: apt-get install redis-server",
  "redis-sentinel": "install Debian's redis-sentinel: apt-get install redis-sentinel",
  "nats-server": "install Debian's nats-server: apt-get install nats-server",
  iptables: "install iptables: apt-get install iptables",
  ip: "install iproute2: apt-get install iproute2",
  tc: "install iproute2: apt-get install iproute2",
  nsenter: "install util-linux: apt-get install util-linux",
  prlimit: "install util-linux: apt-get install util-linux",
  docker: "install docker.io: apt-get install docker.io",
};

/** How to get a missing binary. */
export function installHint(command: string): string {
  const base = command.split("/").pop() ?? command;
  return INSTALL_HINTS[base] ?? `install "${base}" or put its directory on PATH (PATH=${process.env.PATH ?? ""})`;
}
