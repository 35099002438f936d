import { defineCluster } from "faultline";
import { demoKvSpec } from "../clusters/demo-spec";

/** Five demo-kv nodes with a bug planted on purpose: `bootstrap-alone` (examples/demo-kv/args.ts). */
export default defineCluster(demoKvSpec({ nodes: 5, args: ["--bug", "bootstrap-alone", "--request-timeout", "500"] }));
