import { recipes } from "faultline";

/**
 * Three etcd members, each in its own network namespace with its own IP, so partitions between
 * members are iptables rules. Needs Linux and root (or CAP_NET_ADMIN and CAP_SYS_ADMIN).
 */
export default recipes.etcd({ nodes: 3, provisioner: "netns" });
