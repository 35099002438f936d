import type { ClusterSpec, ProvisionerKind } from "../cluster/types";
import type { Provisioner } from "./provisioner";
import { ProcessProvisioner } from "./process-provisioner";

/** Backends by name. Each module is loaded only when a cluster asks for it. */
const FACTORIES: Record<ProvisionerKind, (spec: ClusterSpec) => Provisioner> = {
  process: () => new ProcessProvisioner(),
   
  netns: (spec) => new (require("./netns-provisioner") as typeof import("./netns-provisioner")).NetnsProvisioner(spec),
   
  docker: (spec) => new (require("./docker-provisioner") as typeof import("./docker-provisioner")).DockerProvisioner(spec),
};

export function createProvisioner(spec: ClusterSpec): Provisioner {
  return FACTORIES[spec.provisioner ?? "process"](spec);
}
