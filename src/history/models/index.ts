import { casRegister } from "./cas-register";
import { counter } from "./counter";
import { fifoQueue } from "./fifo-queue";
import { kv } from "./kv";
import { defineModel } from "./model";
import { mutex } from "./mutex";
import { register } from "./register";
import { set } from "./set";
import { unorderedQueue } from "./unordered-queue";

/**
 * The built-in models, as factories: `models.casRegister()`, `models.kv({ initial: "" })`.
 * `models.define` is {@link defineModel}, for your own.
 */
export const models = {
  register,
  casRegister,
  kv,
  set,
  counter,
  fifoQueue,
  unorderedQueue,
  mutex,
  define: defineModel,
} as const;

export type { ModelDefinition, Model, ModelInput, ModelOutput, StepResult, PartitionKey } from "./model";
export { defineModel, isModel, sameValue, REJECT, accept } from "./model";
export type { RegisterOptions } from "./register";
export type { KvOptions } from "./kv";
export type { CounterOptions } from "./counter";
export type { SetState } from "./set";
export type { UnorderedQueueState } from "./unordered-queue";
