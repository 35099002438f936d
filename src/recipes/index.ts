/**
 * Ready-made clusters of real systems, each with a small dependency-free client:
 * `export default recipes.etcd({ nodes: 3 })`, `recipes.etcd.client(urls)`.
 */
import { etcd } from "./etcd";
import { nats } from "./nats";
import { redis } from "./redis";

export const recipes = { etcd, redis, nats };

export type { EtcdRecipeOptions } from "./etcd";
export type { RedisRecipeOptions } from "./redis";
export type { NatsRecipeOptions } from "./nats";
export { EtcdClient, type EtcdClientOptions, type EtcdKv, type EtcdStatus } from "./etcd-client";
export { EtcdWatch, type WatchEvent, type WatchOptions } from "./etcd-watch";
export { RespClient, type RespValue } from "./resp-client";
export { NatsClient, type NatsMessage } from "./nats-client";
export { JetStream, type StreamConfig, type StreamInfo, type PubAck, type FetchedMessage } from "./nats-jetstream";
