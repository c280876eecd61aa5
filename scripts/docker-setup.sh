#!/usr/bin/env bash
# Make the docker sandbox backend usable: install the Docker engine (Debian's docker.io) when missing, start
# dockerd when it is not running, and build the offline sandbox image. Needs root for the first two steps.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v dockerd >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io debootstrap >/dev/null
fi
command -v debootstrap >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
if ! docker info >/dev/null 2>&1; then
  (dockerd >/tmp/coderl-dockerd.log 2>&1 &)
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { echo "dockerd did not start; see /tmp/coderl-dockerd.log" >&2; exit 1; }
fi
bash sandbox/image/build.sh
