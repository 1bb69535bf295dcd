#!/usr/bin/env bash
# bench/opensearch_sink.sh [DOCS]: does kelola's `_bulk` sink keep an
# OpenSearch node at its own ingest limit? Side by side in one run, against
# one real single-node OpenSearch 2.19.6 (scripts/fetch-opensearch; 1 GiB
# heap here) on loopback, the same DOCS log documents (Loghub lines, default
# 200,000):
#   direct  a tuned reference client: bench/bulk_load.py, 4 concurrent
#           `_bulk` requests of 2,000 `create` items each (what Rally's and
#           opensearch-benchmark's defaults use) — the node's ingest limit;
#   kelola  the same lines stored in kelola's embedded store, then a server
#           restarted with an `elasticsearch` sink forwards them all: time
#           from the server's start to `sent` = DOCS in GET /v1/logs/sinks.
# Prints docs/s of each and kelola's share of the node's limit.
set -euo pipefail
cd "$(dirname "$0")/.."
DOCS=${1:-200000}
BIN=${KELOLA_BINARY:-build/release/kelola}
[[ -x "$BIN" ]] || { echo "build the release binary first: cmake --preset release && cmake --build build/release" >&2; exit 2; }
cache=$(scripts/fetch-opensearch >/dev/null; echo "${KELOLA_OPENSEARCH_CACHE:-$HOME/.cache/kelola/opensearch-2.19.6}")
java=/usr/lib/jvm/java-17-openjdk-amd64/bin/java
[[ -x $java ]] || java=java

dir=$(mktemp -d /var/tmp/kelola-os-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 900); do curl -sf "$1" -o /dev/null && return 0; sleep 0.2; done; echo "timed out: $1" >&2; return 1; }

os_port=$(free_port)
"$java" -Xms1g -Xmx1g -XX:+UseSerialGC -Djava.awt.headless=true -Dlog4j2.level=WARN \
  -cp "$cache/classes:$(cat "$cache/classpath.txt")" KelolaOpenSearchNode "$dir/os" "$os_port" >"$dir/os.log" 2>&1 &
pids+=($!)
os="http://127.0.0.1:$os_port"
wait_http "$os/_cluster/health?wait_for_status=yellow&timeout=1s"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "opensearch: $(curl -s "$os" | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"]["number"])'), 1 GiB heap, $DOCS docs"

python3 - "$dir/docs.ndjson" "$DOCS" <<'EOF'
import glob, json, sys
path, want = sys.argv[1], int(sys.argv[2])
lines = []
for f in sorted(glob.glob("/work/shared/data/loghub/loghub-2k/*/*_2k.log")):
    lines += [l.rstrip("\n") for l in open(f, errors="replace") if l.strip()]
with open(path, "w") as out:
    for n in range(want):
        doc = {"@timestamp": "2026-11-27T10:%02d:%02d.%03dZ" % (n // 60000 % 60, n // 1000 % 60, n % 1000),
               "message": f"seq={n} {lines[n % len(lines)]}", "host": {"name": "web-%d" % (n % 8)}}
        out.write(json.dumps(doc) + "\n")
EOF

# --- direct: the node's own limit --------------------------------------------
direct=$(python3 bench/bulk_load.py --url "$os" --index direct --docs "$dir/docs.ndjson" --batch 2000 --clients 4)
echo "direct    $direct"

# --- kelola: fill the embedded store, then forward ---------------------------
k_port=$(free_port)
"$BIN" server --listen "127.0.0.1:$k_port" --data-dir "$dir/k" --log-level warn >"$dir/k1.log" 2>&1 &
kpid=$!
pids+=($kpid)
wait_http "http://127.0.0.1:$k_port/healthz"
for _ in $(seq 1 100); do [[ -s "$dir/k/admin.token" ]] && break; sleep 0.1; done
token=$(cat "$dir/k/admin.token")
python3 bench/bulk_load.py --url "http://127.0.0.1:$k_port" --index logs --docs "$dir/docs.ndjson" --batch 5000 \
  --clients 1 --token "$token" >/dev/null
kill "$kpid"; wait "$kpid" 2>/dev/null || true
cat >"$dir/k.yaml" <<EOF
logs:
  sinks:
    - name: os
      type: elasticsearch
      url: $os
      index: kelola-logs
      batch_records: ${SINK_BATCH:-5000}
EOF
start=$(date +%s.%N)
"$BIN" server --listen "127.0.0.1:$k_port" --data-dir "$dir/k" --config "$dir/k.yaml" --log-level warn >"$dir/k2.log" 2>&1 &
pids+=($!)
sent=0
deadline=$(($(date +%s) + ${BENCH_TIMEOUT:-900}))
while ((sent < DOCS)); do
  (($(date +%s) < deadline)) || { echo "kelola: timed out at $sent sent" >&2; exit 1; }
  sleep 0.1
  sent=$(curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$k_port/v1/logs/sinks" 2>/dev/null |
    python3 -c 'import json,sys
try: print(sum(s["sent"] + s["deadLettered"] for s in json.load(sys.stdin)["items"]))
except Exception: print(0)')
done
end=$(date +%s.%N)
curl -s "$os/kelola-logs*/_refresh" -XPOST -o /dev/null
count=$(curl -s "$os/kelola-logs*/_count" | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')
kelola=$(python3 -c "print(f'{$DOCS / ($end - $start):.0f} docs/s in {$end - $start:.2f} s (including server start)')")
echo "kelola    $kelola; documents in OpenSearch: $count"
python3 -c "
d = float('$direct'.split()[0]); k = $DOCS / ($end - $start)
print(f'kelola sink / direct limit: {k / d:.2f}')"
