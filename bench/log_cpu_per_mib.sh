#!/usr/bin/env bash
# bench/log_cpu_per_mib.sh [BYTES]: kelola agent -> kelola server on loopback
# (the kelola part of bench/log_throughput.sh, default 128 MiB of the same
# Loghub lines), reporting what is meaningful on a busy machine: CPU time
# (utime + stime from /proc/PID/stat) per MiB of input for the agent and the
# server, besides wall time and MiB/s, and both processes' peak RSS (VmHWM).
# Env: KELOLA_BINARY (default build/release/kelola), BATCH_RECORDS/BATCH_BYTES
# (default 20000 / 4 MiB, as the throughput bench), COMPRESSION_LEVEL (default 3),
# PERF=agent|server to `perf record -g` that process into $PERF_OUT (default
# /tmp/kelola-<proc>.perf), NICE=-10 to run both at that priority, each in a session (autogroup) of its
# own raised the same (root), so other load disturbs wall time less.
set -euo pipefail
cd "$(dirname "$0")/.."
BYTES=${1:-$((128 * 1024 * 1024))}
BIN=${KELOLA_BINARY:-build/release/kelola}
[[ -x "$BIN" ]] || { echo "build the release binary first" >&2; exit 2; }
dir=$(mktemp -d /var/tmp/kelola-cpu.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
peak_rss_mib() { awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
wait_until() {
  local deadline=$(($(date +%s) + 600))
  until "$@"; do (($(date +%s) < deadline)) || { echo "timed out" >&2; return 1; }; sleep 0.1; done
}
run=""
[[ -n "${NICE:-}" ]] && run="setsid nice -n $NICE"
# With sched_autogroup each session competes as one: raise the bench's own sessions.
boost() { [[ -n "${NICE:-}" ]] && echo "$NICE" >"/proc/$1/autogroup" 2>/dev/null || true; }
input="$dir/input.log"
python3 - "$input" "$BYTES" <<'PY'
import glob, sys
path, want = sys.argv[1], int(sys.argv[2])
lines = []
for f in sorted(glob.glob("/work/shared/data/loghub/loghub-2k/*/*_2k.log")):
    lines += [l.rstrip("\n") for l in open(f, errors="replace") if l.strip()]
out, n, size = open(path, "w", buffering=1 << 20), 0, 0
while size < want:
    for l in lines:
        s = f"seq={n} {l}\n"
        out.write(s); n += 1; size += len(s)
        if size >= want: break
out.close()
PY
lines=$(wc -l <"$input")
size=$(stat -c %s "$input")
mib=$(python3 -c "print($size / 1048576)")
port=$(free_port)
$run "$BIN" server --listen "127.0.0.1:$port" --data-dir "$dir/data" --log-level warn >"$dir/server.log" 2>&1 &
server=$!
pids+=($server)
boost $server
wait_until curl -sf "http://127.0.0.1:$port/healthz" -o /dev/null
wait_until test -s "$dir/data/admin.token"
token=$(KELOLA_SERVER="http://127.0.0.1:$port" KELOLA_TOKEN=$(cat "$dir/data/admin.token") \
  "$BIN" token create --name bench-agent --role operator)
cat >"$dir/agent.yaml" <<YAML
name: bench
server: http://127.0.0.1:$port
token: $token
data_dir: $dir/agent
metrics_listen: ""
file:
  include: ['$input']
  read_from: head
batch:
  max_records: ${BATCH_RECORDS:-20000}
  max_bytes: ${BATCH_BYTES:-4194304}
compression_level: ${COMPRESSION_LEVEL:-3}
YAML
stored() {
  local n
  n=$(curl -s "http://127.0.0.1:$port/metrics" | awk '/^kelola_log_ingest_records_total\{outcome="stored"\}/ {print $2}')
  [[ -n "$n" ]] && python3 -c "import sys; sys.exit(0 if float('$n') >= $lines else 1)"
}
server_cpu0=$(cpu_ticks $server)
start=$(now)
$run "$BIN" agent --config "$dir/agent.yaml" --log-level warn >"$dir/agent.log" 2>&1 &
agent=$!
pids+=($agent)
boost $agent
perf_pid=""
if [[ -n "${PERF:-}" ]]; then
  target=$agent; [[ "$PERF" == server ]] && target=$server
  perf record -g -o "${PERF_OUT:-/tmp/kelola-$PERF.perf}" -p "$target" >/dev/null 2>&1 &
  perf_pid=$!
fi
wait_until stored
end=$(now)
agent_cpu=$(cpu_ticks $agent)
server_cpu=$(($(cpu_ticks $server) - server_cpu0))
[[ -n "$perf_pid" ]] && { kill -INT "$perf_pid"; wait "$perf_pid" || true; }
hz=$(getconf CLK_TCK)
python3 - <<PY
size, mib, secs = $size, $mib, $end - $start
a, s, hz = $agent_cpu, $server_cpu, $hz
print(f"input {size} bytes ({mib:.0f} MiB, $lines lines), load {open('/proc/loadavg').read().split()[0]}")
print(f"wall {secs:.2f} s = {mib / secs:.1f} MiB/s")
print(f"agent  CPU {a / hz:.2f} s = {1000 * a / hz / mib:.1f} ms/MiB, peak RSS $(peak_rss_mib $agent) MiB")
print(f"server CPU {s / hz:.2f} s = {1000 * s / hz / mib:.1f} ms/MiB, peak RSS $(peak_rss_mib $server) MiB")
PY
