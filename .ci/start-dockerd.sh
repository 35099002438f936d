#!/usr/bin/env bash
# Makes sure a Docker engine answers for the integration suite. Idempotent: exits 0 at once
# when `docker info` already works (a CI service, Docker Desktop, DOCKER_HOST); otherwise starts
# dockerd in the background (it must outlive this script, hence setsid) and waits for it.
set -euo pipefail

LOG="${FAULTLINE_DOCKERD_LOG:-/tmp/faultline-dockerd.log}"
WAIT_SECONDS="${FAULTLINE_DOCKERD_WAIT:-60}"

if docker info >/dev/null 2>&1; then
  exit 0
fi
if [ -n "${DOCKER_HOST:-}" ]; then
  echo "start-dockerd: DOCKER_HOST=$DOCKER_HOST does not answer; not starting a local engine in its place" >&2
  docker info 2>&1 | tail -n 5 >&2 || true
  exit 1
fi
if ! command -v dockerd >/dev/null 2>&1; then
  echo "start-dockerd: dockerd not found; install it (apt-get install docker.io)" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "start-dockerd: dockerd must be started as root (or use rootless Docker and set DOCKER_HOST)" >&2
  exit 1
fi

echo "start-dockerd: starting dockerd (log: $LOG)" >&2
setsid dockerd >>"$LOG" 2>&1 </dev/null &
pid=$!

deadline=$((SECONDS + WAIT_SECONDS))
while [ "$SECONDS" -lt "$deadline" ]; do
  if docker info >/dev/null 2>&1; then
    echo "start-dockerd: dockerd (pid $pid) ready after $((SECONDS))s" >&2
    exit 0
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "start-dockerd: dockerd exited before answering; last lines of $LOG:" >&2
    tail -n 40 "$LOG" >&2
    exit 1
  fi
  sleep 0.5
done
echo "start-dockerd: dockerd did not answer within ${WAIT_SECONDS}s; last lines of $LOG:" >&2
tail -n 40 "$LOG" >&2
exit 1
