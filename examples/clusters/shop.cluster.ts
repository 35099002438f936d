import { join } from "node:path";
import { defineCluster, fromCompose } from "faultline";

/**
 * examples/stack/docker-compose.yml as it is — our "shop" service, a Redis cache, etcd as the
 * source of truth — run by the docker provisioner. Needs a Docker engine and the images built
 * from this machine's binaries (node .ci/build-images.js).
 */
export default defineCluster(fromCompose(join(__dirname, "..", "stack", "docker-compose.yml")));
