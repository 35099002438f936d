import { recipes } from "faultline";

/** A Redis primary, two replicas and three Sentinels (quorum 2) as local processes. */
export default recipes.redis({ replicas: 2, sentinels: 3 });
