import { defineCluster } from "faultline";
import { demoKvSpec } from "../clusters/demo-spec";

/** The same five demo-kv nodes without the planted bug: a schedule that breaks buggy-kv passes here. */
export default defineCluster(demoKvSpec({ nodes: 5, args: ["--request-timeout", "500"] }));
