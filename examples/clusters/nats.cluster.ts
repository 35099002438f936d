import { recipes } from "faultline";

/** Three NATS servers in one cluster with JetStream, as local processes. */
export default recipes.nats({ nodes: 3, jetstream: true });
