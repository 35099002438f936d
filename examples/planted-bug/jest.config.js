/**
 * The planted-bug example: testFaults finds a bug planted in five demo-kv nodes and shrinks the
 * schedule that shows it. It fails on purpose, so it is not part of the example suite:
 *   npx jest -c examples/planted-bug/jest.config.js
 * (test/e2e/planted-bug.test.ts runs it and checks what it reports).
 */
module.exports = require("../own-jest-config")(__dirname, { buggy: "./buggy-kv.cluster.ts", fixed: "./fixed-kv.cluster.ts" });
