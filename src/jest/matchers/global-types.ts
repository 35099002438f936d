import type { FaultlineMatchers } from "./matcher-types";

// Typed for both `import { expect } from "@jest/globals"` (module "expect") and the global
// `expect` of @types/jest (namespace jest).
/* eslint-disable @typescript-eslint/no-empty-object-type -- declaration merging adds our matchers to Jest's interfaces */
declare module "expect" {
  interface Matchers<R extends void | Promise<void>, T = unknown> extends FaultlineMatchers<R, T> {}
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    interface Matchers<R, T = {}> extends FaultlineMatchers<R, T> {}
  }
}

export {};
