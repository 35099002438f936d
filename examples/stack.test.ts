/**
 * A stack from a docker-compose file: our service ("shop") with a cache in front of its source of
 * truth, each in its own container (examples/stack/docker-compose.yml, unchanged). The faults are
 * the plan's: a slow dependency, a dependency that is down, a cut between the service and its
 * cache. Needs Docker and root (faults between containers enter their network namespaces);
 * without them the file is skipped with the reason, unless FAULTLINE_REQUIRE=all.
 *
 * @cluster shop
 */
import { existsSync } from "node:fs";
import { useCluster } from "faultline";
import { stackTests } from "./stack/stack-tests";

const unavailable =
  !existsSync("/var/run/docker.sock") && !process.env.DOCKER_HOST
    ? "no Docker engine"
    : process.getuid?.() !== 0
      ? "faults between containers need root"
      : undefined;
const describeStack = unavailable && process.env.FAULTLINE_REQUIRE !== "all" ? describe.skip : describe;

const cluster = useCluster("shop");

describeStack(`a compose stack on docker under faults${unavailable ? ` (${unavailable})` : ""}`, () => stackTests(cluster));
