/**
 * Fault schedules as a property over five demo-kv nodes with a planted bug: up to ten faults
 * (kill, pause, restart, partition), each run checking that every acknowledged write survives
 * the heal. testFaults finds a failing schedule and shrinks it to the two faults the bug needs.
 *
 * @cluster buggy
 */
import { testFaults, useCluster } from "faultline";
import { everyAcknowledgedWriteSurvives, writeThroughEveryNode } from "./acknowledged-writes";

const cluster = useCluster("buggy");

testFaults(
  "every acknowledged write survives",
  {
    runs: 30,
    seed: Number(process.env.PLANTED_BUG_SEED ?? 47),
    budget: { runs: 60, time: "5m" },
    faults: { maxFaults: 10 },
    afterHeal: () => everyAcknowledgedWriteSurvives(cluster),
  },
  () => writeThroughEveryNode(cluster),
);
