import type { ClientChannel } from "ssh2";
import type { SshHostConnection } from "./ssh-host";

/** What a run holds on one SSH host. */
export interface SshRunHost {
  connection: SshHostConnection;
  /** The run's directory for this cluster on the host. */
  dir: string;
  /** The address nodes there bind and peers dial. */
  address: string;
  /** `name=value` facts the host's probe printed (tools, uid). */
  facts: Record<string, string>;
  guardian: ClientChannel;
  /** Chains made since the last command on this host, to be listed in its directory first. */
  pendingChains: string[];
  /** Whether the host sees this machine's files at the same paths (an NFS home, the project's namespace hosts): then nothing needs uploading. */
  sharedFilesystem: boolean;
  /** Local data-dir file -> the size and mtime last uploaded. */
  uploaded: Map<string, string>;
}

/** A node as the ssh provisioner places it. */
export interface SshMember {
  name: string;
  index: number;
  /** Its host's address. */
  host: string;
  on: SshRunHost;
}

/** A host's tool, or undefined when its probe found none. */
export function hostTool(host: SshRunHost, tool: string): string | undefined {
  return host.facts[`tool.${tool}`] || undefined;
}
