/**
 * The same stack and the same tests as stack.test.ts, written as a per-node spec and run on
 * provisioner "netns" without Docker (examples/clusters/shop-netns.cluster.ts). Needs Linux,
 * root, `redis-server` and `etcd-server`; without root the file is skipped with the reason,
 * unless FAULTLINE_REQUIRE=all.
 *
 * @cluster shop-netns
 */
import { useCluster } from "faultline";
import { stackTests } from "./stack/stack-tests";

const unavailable = process.getuid?.() === 0 ? undefined : 'a stack on provisioner "netns" needs root';
const describeStack = unavailable && process.env.FAULTLINE_REQUIRE !== "all" ? describe.skip : describe;

const cluster = useCluster("shop-netns");

describeStack(`the stack as a per-node spec on netns under faults${unavailable ? ` (${unavailable})` : ""}`, () => stackTests(cluster));
