import { defineCluster } from "faultline";
import { chunkClusterSpec } from "./chunk-spec";

/** The chunk service and its three origins, with libfaketime preloaded for clock faults. */
export default defineCluster(chunkClusterSpec({ clock: true }));
