import { defineCluster } from "faultline";
import { chunkClusterSpec } from "./chunk-spec";

/**
 * The chunk service with each data dir on a 16 MiB tmpfs, so `faults.disk({ mode: "full" })` fills
 * that and not a real disk. Mounting needs root: without it the cluster runs on plain dirs and
 * layer2-disk.test.ts skips.
 */
export default defineCluster(chunkClusterSpec(process.getuid?.() === 0 ? { disk: { size: "16m" } } : {}));
