/**
 * Random schedules of kills, pauses and partitions over a Redis primary, two replicas and three
 * Sentinels; each run checks that every write the primary acknowledged survives the heal.
 * testFaults finds Sentinel's documented lost writes and shrinks the schedule to the one
 * partition that causes them.
 *
 * @cluster redis
 */
import { testFaults, useCluster } from "faultline";
import { everyAcknowledgedWriteSurvives, writeToThePrimary } from "./acknowledged-writes";

const cluster = useCluster("redis");

testFaults(
  "every write the primary acknowledged survives",
  {
    runs: 10,
    seed: Number(process.env.SENTINEL_SEED ?? 23),
    budget: { runs: 20, time: "6m" },
    faults: { kinds: ["kill", "pause", "partition"], leader: true, maxFaults: 3 },
    afterHeal: () => everyAcknowledgedWriteSurvives(cluster),
  },
  () => writeToThePrimary(cluster),
);
