import { recipes } from "faultline";

/**
 * A Redis primary, two replicas and three Sentinels, each in its own network namespace (root).
 * A short failover timeout lets a Sentinel fail over again soon after the previous run's failover
 * (it waits twice this long before retrying one against the same primary).
 */
export default recipes.redis({ replicas: 2, sentinels: 3, provisioner: "netns", failoverTimeoutMs: 1500 });
