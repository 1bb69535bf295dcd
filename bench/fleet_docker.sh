#!/usr/bin/env bash
# The docker fleet provider's own time to a group of N hosts answering SSH:
# EnsureNetwork + Launch (with the bootstrap key installed) + every host's
# port 22 sending its SSH banner, then List reading every host key, then
# teardown. Starts dockerd like tests/harness when none answers, builds the
# host image (cached) and the bench binary.
# Usage: bench/fleet_docker.sh [HOSTS=10] [ROUNDS=3]
# Environment: LAUNCH_PARALLELISM (default 4), BUILD (build dir, default build/release; its preset must be
# configured), KELOLA_HOST_IMAGE (default kelola-host:bookworm).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
hosts=${1:-10}
rounds=${2:-3}
build=${BUILD:-$root/build/release}
image=${KELOLA_HOST_IMAGE:-kelola-host:bookworm}

ping_docker() { curl -sf --unix-socket /var/run/docker.sock http://localhost/_ping >/dev/null; }
if ! ping_docker; then
  mkdir -p /tmp/kelola-dockerd
  (
    flock 9
    if ! ping_docker; then setsid dockerd --iptables=false >>/tmp/kelola-dockerd/dockerd.log 2>&1 </dev/null & fi
  ) 9>/tmp/kelola-dockerd/start.lock
  for _ in $(seq 300); do ping_docker && break; sleep 0.1; done
fi
"$root/scripts/build-host-image" "$image" >/dev/null
cmake --build "$build" -j2 --target kelola_fleet_docker_bench >/dev/null

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
ssh-keygen -q -t ed25519 -N '' -C kelola-bench -f "$scratch/key"
echo "hosts=$hosts rounds=$rounds cpu=$(nproc) load=$(cut -d' ' -f1-3 /proc/loadavg) image=$image" \
  "engine=$(curl -s --unix-socket /var/run/docker.sock http://localhost/version | sed -n 's/.*"Version":"\([^"]*\)".*/\1/p' | head -1)"
"$build/src/integrations/docker/kelola_fleet_docker_bench" "$hosts" "$rounds" "$image" "$scratch/key"
