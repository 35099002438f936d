import { recipes } from "faultline";

/**
 * A Redis primary, two replicas and three Sentinels (quorum 2) as local processes. Sentinels call
 * a node down after 2.5 s of silence: with the recipe's 1 s, a newly promoted replica starved of
 * CPU by a busy machine (a full test run on two cores) was taken for dead and replaced by a
 * second failover the test did not cause.
 */
export default recipes.redis({ replicas: 2, sentinels: 3, downAfterMs: 2500 });
