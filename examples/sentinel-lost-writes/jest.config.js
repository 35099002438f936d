/**
 * Redis Sentinel's known lost writes, found by testFaults from random schedules: an isolated
 * primary keeps acknowledging writes that vanish when it rejoins as a replica. It fails on
 * purpose, so it is not part of the example suite (needs root, redis-server, redis-sentinel):
 *   npx jest -c examples/sentinel-lost-writes/jest.config.js
 * (test/e2e/sentinel-shrink.test.ts runs it and checks what it reports).
 */
module.exports = require("../own-jest-config")(__dirname, { redis: "./redis-netns.cluster.ts" });
