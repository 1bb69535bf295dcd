#!/usr/bin/env bash
# bench/fleet_apply.sh [HOSTS] [RUNS]: time from `kelola fleet apply --wait` to every host of a
# docker group Ready (containers started, the bootstrap runbook applied over SSH, the HTTP health
# check passing), then `kelola fleet destroy --wait`; the real `kelola server` on a free loopback
# port with a fresh data dir, the local Docker engine, the host image of scripts/build-host-image.
# Env: KELOLA_BINARY (default build/release/kelola, else build/dev/kelola).
set -euo pipefail
cd "$(dirname "$0")/.."
HOSTS=${1:-10}
RUNS=${2:-3}
BIN=${KELOLA_BINARY:-build/release/kelola}
[[ -x "$BIN" ]] || BIN=build/dev/kelola
[[ -x "$BIN" ]] || { echo "build kelola first" >&2; exit 2; }
BIN=$(realpath "$BIN")
scripts/build-host-image >/dev/null
dir=$(mktemp -d /var/tmp/kelola-fleet-apply.XXXXXX)
server_pid=""
cleanup() { [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" server --listen "127.0.0.1:$port" --data-dir "$dir/data" >"$dir/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 300); do [[ -s "$dir/data/admin.token" ]] && break; sleep 0.1; done
export KELOLA_SERVER="http://127.0.0.1:$port" KELOLA_TOKEN
KELOLA_TOKEN=$(cat "$dir/data/admin.token")
ssh-keygen -q -t ed25519 -N "" -f "$dir/key"
{ echo "kind: Secret"; echo "metadata: {name: bench-key}"; echo "spec:"; echo "  type: ssh-private-key"
  echo "  value: |"; sed 's/^/    /' "$dir/key"; } >"$dir/secret.yaml"
"$BIN" apply -f "$dir/secret.yaml" >/dev/null
cat >"$dir/group.yaml" <<YAML
kind: ServerGroup
metadata: {name: bench}
spec:
  provider: docker
  image: kelola-host:bookworm
  size: nano
  count: $HOSTS
  bootstrap:
    sshKeySecret: bench-key
    runbook: |
      name: web
      steps:
        - command: mkdir -p /srv && echo ok > /srv/index.html
          creates: /srv/index.html
        - service: {name: web, state: started, command: "busybox httpd -f -p 8080 -h /srv", pidfile: /run/web.pid}
  healthCheck:
    http: {port: 8080, path: /index.html}
    interval: 2s
    timeout: 1s
YAML
echo "hosts=$HOSTS binary=$BIN cpu=$(nproc) load=$(cut -d' ' -f1-3 /proc/loadavg)"
for run in $(seq "$RUNS"); do
  start=$(date +%s.%N)
  "$BIN" fleet apply -f "$dir/group.yaml" --wait --timeout 10m >/dev/null
  ready=$(date +%s.%N)
  cpu=$(awk '{print ($14 + $15) / 100}' "/proc/$server_pid/stat")
  "$BIN" fleet destroy bench --wait --timeout 10m >/dev/null
  done_at=$(date +%s.%N)
  printf 'run %d: apply -> %d Ready %.2f s; destroy %.2f s; server CPU so far %.2f s\n' "$run" "$HOSTS" \
    "$(echo "$ready - $start" | bc)" "$(echo "$done_at - $ready" | bc)" "$cpu"
done
