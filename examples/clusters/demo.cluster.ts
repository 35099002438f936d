import { defineCluster } from "faultline";
import { demoKvSpec } from "./demo-spec";

/** The demo key-value service: three Raft nodes on local processes. */
export default defineCluster(demoKvSpec({ nodes: 3 }));
