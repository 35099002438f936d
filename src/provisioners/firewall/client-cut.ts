import { FaultlineError } from "../../common/errors";

/**
 * The test's clients are cut from partitioned nodes at the fault proxy, by the partition fault,
 * the same way on every provisioner (a second, firewall-based cut here was never reached and is
 * gone). A backend asked to cut them itself says so rather than leave them connected.
 */
export function refuseClientCut(clients: boolean, provisioner: string, cluster: string): void {
  if (!clients) return;
  throw new FaultlineError({
    code: "FAULTLINE_FAULT_UNSUPPORTED",
    message: `provisioner "${provisioner}" does not cut the test's clients in the nodes' firewalls: the partition fault cuts them at the fault proxy`,
    hint: "use faults.partition({ …, clients: true }), which holds the nodes' fault proxies, instead of calling the network control with clients: true",
    cluster,
    option: "partition.clients",
  });
}
