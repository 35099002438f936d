import { defineCluster } from "faultline";

/** A tiny HTTP origin: answers every request with its name. */
const ORIGIN = `
const name = process.argv[1];
const server = require("node:http").createServer((req, res) => res.end(name)).listen(Number(process.argv[2]), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
`;

/**
 * Two origins of the same content, a primary and a secondary, as local processes (no root): the
 * dependencies of code that runs in the test itself and fails over between them.
 */
export default defineCluster({
  nodes: {
    primary: { ports: ["http"], command: ({ node }) => [process.execPath, "-e", ORIGIN, node.name, String(node.port("http"))] },
    secondary: { ports: ["http"], command: ({ node }) => [process.execPath, "-e", ORIGIN, node.name, String(node.port("http"))] },
  },
});
