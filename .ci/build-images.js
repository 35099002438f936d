#!/usr/bin/env node
/**
 * Builds the Docker images the integration suite and the benches use, from binaries installed
 * on this machine (no registry): faultline/etcd:local (etcd, plus etcdctl when installed) and
 * faultline/node:local (this Node). Reproducible, so they may be kept between runs.
 *
 * Needs the compiled dist (npm run build) and a Docker engine (.ci/start-dockerd.sh).
 * Usage: node .ci/build-images.js
 */
"use strict";
const { existsSync } = require("node:fs");
const { join, resolve } = require("node:path");

const dist = resolve(process.env.FAULTLINE_DIST ?? join(__dirname, "../dist"));

const IMAGES = [
  { tag: "faultline/etcd:local", binaries: ["etcd"], optional: ["etcdctl"] },
  { tag: "faultline/node:local", binaries: [process.execPath], optional: [] },
  // examples/stack (the compose example) uses it as its cache.
  { tag: "faultline/redis:local", binaries: ["redis-server"], optional: [] },
];

async function main() {
  const { buildImageFromHost } = require(join(dist, "provisioners/docker/image-from-host.js"));
  const { which } = require(join(dist, "common/which.js"));
  for (const image of IMAGES) {
    const binaries = [...image.binaries, ...image.optional.filter((name) => which(name))];
    const started = Date.now();
    const built = await buildImageFromHost({ binaries, tag: image.tag });
    console.log(
      `${built.tag} ${built.id.slice(7, 19)} from ${binaries.join(", ")}: ${built.files.length} paths, ${(built.bytes / 1e6).toFixed(1)} MB in ${Date.now() - started} ms`,
    );
  }
}

if (!existsSync(join(dist, "provisioners/docker/image-from-host.js"))) {
  console.error(`build-images: ${dist} has no compiled image-from-host.js; run npm run build first`);
  process.exit(1);
}
main().catch((error) => {
  console.error(`build-images: ${error.message}`);
  process.exit(1);
});
