import { recipes } from "faultline";

/** Three etcd members as local processes: kills, restarts and client faults, no root needed. */
export default recipes.etcd({ nodes: 3 });
