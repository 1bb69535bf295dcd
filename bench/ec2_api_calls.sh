#!/usr/bin/env bash
# bench/ec2_api_calls.sh [HOSTS]: EC2 API calls per host created by the aws
# fleet provider, against moto's server started here on a free loopback port
# (the venv of scripts/install-deps) and stopped by pid. bench/README.md
# records the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
HOSTS=${1:-10}
BUILD=${BUILD:-build/release}
cmake --build "$BUILD" --target kelola_ec2_api_calls_bench >/dev/null
moto="${KELOLA_VENV:-/opt/kelola-venv}/bin/moto_server"
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$moto" -H 127.0.0.1 -p "$port" >"$dir/moto.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/moto-api/" >/dev/null && break; sleep 0.1; done
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r); moto $("${moto%/*}/python" -c 'import moto; print(moto.__version__)')"
"$BUILD/bench/kelola_ec2_api_calls_bench" "http://127.0.0.1:$port" "$HOSTS"
