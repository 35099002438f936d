/**
 * The example suite, run by `npm run demo` against the built-in demo cluster.
 * A consumer project writes `preset: "faultline/preset"`; inside this repo we point at the
 * same preset file and map "faultline" to the build, which is what the package resolves to.
 */
const { join } = require("node:path");

module.exports = {
  rootDir: __dirname,
  displayName: "examples",
  preset: join(__dirname, "..", "preset", "jest-preset.js"),
  testMatch: ["<rootDir>/**/*.test.ts"],
  // planted-bug/ and sentinel-lost-writes/ fail on purpose (they show testFaults finding a bug): each has its own config.
  testPathIgnorePatterns: ["/node_modules/", "/dist/", "/planted-bug/", "/sentinel-lost-writes/"],
  moduleNameMapper: { "^faultline$": join(__dirname, "..", "dist", "index.js") },
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: join(__dirname, "tsconfig.json") }] },
  testEnvironmentOptions: {
    faultline: {
      clusters: {
        demo: "./clusters/demo.cluster.ts",
        chunk: "./clusters/chunk.cluster.ts",
        chunkDisk: "./clusters/chunk-disk.cluster.ts",
        etcd: "./clusters/etcd.cluster.ts",
        "etcd-netns": "./clusters/etcd-netns.cluster.ts",
        redis: "./clusters/redis.cluster.ts",
        nats: "./clusters/nats.cluster.ts",
        shop: "./clusters/shop.cluster.ts",
        "shop-netns": "./clusters/shop-netns.cluster.ts",
        origins: "./clusters/origins.cluster.ts",
      },
      reportDir: "../faultline-report",
    },
  },
};
