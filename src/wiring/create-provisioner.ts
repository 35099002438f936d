import type { ClusterSpec, ProvisionerKind } from "../cluster/types";
import type { Provisioner } from "../cluster/provisioner";
import { ProcessProvisioner } from "../provisioners/process-provisioner";

/** Backends by name. Each module is loaded only when a cluster asks for it. */
const FACTORIES: Record<ProvisionerKind, (spec: ClusterSpec) => Provisioner> = {
  process: (spec) => new ProcessProvisioner(spec),

  netns: (spec) => new (require("../provisioners/netns-provisioner") as typeof import("../provisioners/netns-provisioner")).NetnsProvisioner(spec),

  docker: (spec) => new (require("../provisioners/docker-provisioner") as typeof import("../provisioners/docker-provisioner")).DockerProvisioner(spec),

  ssh: (spec) => new (require("../provisioners/ssh-provisioner") as typeof import("../provisioners/ssh-provisioner")).SshProvisioner(spec),
};

export function createProvisioner(spec: ClusterSpec): Provisioner {
  return FACTORIES[spec.provisioner ?? "process"](spec);
}
