#!/usr/bin/env bash
# bench/log_throughput.sh [BYTES]: the same file of realistic log lines (Loghub
# samples, numbered, ~150 bytes average; default 2 GiB) tailed from its head
# and shipped over loopback, side by side in one run:
#   kelola    kelola agent -> kelola server (embedded store, fsync per batch)
#   rsyslog   imfile -> omfwd (TCP) -> imtcp -> omfile   (two rsyslogd)
#   syslog-ng file() -> network(tcp) -> network() -> file() (two syslog-ng)
# Prints wall time, MiB/s of input, and the shipper's peak RSS (VmHWM).
# rsyslog and syslog-ng conflict as Debian packages, so both .debs are
# unpacked into /var/cache/kelola-bench and run from there (their libraries
# are installed with apt). Loopback only; bounded by BENCH_TIMEOUT per peer.
set -euo pipefail
cd "$(dirname "$0")/.."
BYTES=${1:-$((2 * 1024 * 1024 * 1024))}
BIN=${KELOLA_BINARY:-build/release/kelola}
TIMEOUT=${BENCH_TIMEOUT:-900}
CACHE=/var/cache/kelola-bench
PEERS=${PEERS:-"kelola rsyslog syslog-ng"}

[[ -x "$BIN" ]] || { echo "build the release binary first: cmake --preset release && cmake --build build/release" >&2; exit 2; }

fetch_peers() {
  apt-get install -y -q libestr0 libfastjson4 liblognorm5 libivykis0 libnet1 libjson-c5 libwrap0 libpcre3 \
    libglib2.0-0 >/dev/null
  mkdir -p "$CACHE"
  for pkg in rsyslog syslog-ng-core; do
    [[ -d "$CACHE/$pkg/usr/sbin" ]] && continue
    (cd "$CACHE" && apt-get download "$pkg" >/dev/null && mkdir -p "$pkg" && dpkg -x "${pkg}"_*.deb "$pkg")
  done
}

dir=$(mktemp -d /var/tmp/kelola-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
peak_rss_mib() { awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }

# --- input ---------------------------------------------------------------
input="$dir/input.log"
python3 - "$input" "$BYTES" <<'EOF'
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
print(f"input: {size} bytes, {n} lines, {size / n:.0f} bytes/line average", file=sys.stderr)
EOF
lines=$(wc -l <"$input")
size=$(stat -c %s "$input")
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
echo "input: $size bytes, $lines lines"

report() {  # name start end pid
  local secs mib
  secs=$(python3 -c "print(f'{$3 - $2:.2f}')")
  mib=$(python3 -c "print(f'{$size / 1048576 / ($3 - $2):.1f}')")
  printf '%-10s %8s s %8s MiB/s   shipper peak RSS %s MiB\n' "$1" "$secs" "$mib" "$(peak_rss_mib "$4")"
}

size_at_least() {  # file bytes
  local s
  s=$(stat -c %s "$1" 2>/dev/null || echo 0)
  ((s >= $2))
}

wait_until() {  # command... ; polls until it succeeds or TIMEOUT
  local deadline=$(($(date +%s) + TIMEOUT))
  until "$@"; do
    (($(date +%s) < deadline)) || { echo "timed out" >&2; return 1; }
    sleep 0.2
  done
}

# --- kelola --------------------------------------------------------------
run_kelola() {
  local port d=$dir/kelola
  port=$(free_port)
  mkdir -p "$d"
  "$BIN" server --listen "127.0.0.1:$port" --data-dir "$d/data" --log-level warn >"$d/server.log" 2>&1 &
  pids+=($!)
  wait_until curl -sf "http://127.0.0.1:$port/healthz" -o /dev/null
  wait_until test -s "$d/data/admin.token"
  local token
  token=$(KELOLA_SERVER="http://127.0.0.1:$port" KELOLA_TOKEN=$(cat "$d/data/admin.token") \
    "$BIN" token create --name bench-agent --role operator)
  cat >"$d/agent.yaml" <<EOF
name: bench
server: http://127.0.0.1:$port
token: $token
data_dir: $d/agent
metrics_listen: ""
file:
  include: ['$input']
  read_from: head
batch:
  max_records: 20000
  max_bytes: 4194304
EOF
  stored() {
    local n
    n=$(curl -s "http://127.0.0.1:$port/metrics" | awk '/^kelola_log_ingest_records_total\{outcome="stored"\}/ {print $2}')
    [[ -n "$n" ]] && python3 -c "import sys; sys.exit(0 if float('$n') >= $lines else 1)"
  }
  local start end agent
  start=$(now)
  "$BIN" agent --config "$d/agent.yaml" --log-level warn >"$d/agent.log" 2>&1 &
  agent=$!
  pids+=($agent)
  wait_until stored
  end=$(now)
  report kelola "$start" "$end" "$agent"
}

# --- rsyslog -------------------------------------------------------------
run_rsyslog() {
  local port d=$dir/rsyslog r=$CACHE/rsyslog
  port=$(free_port)
  mkdir -p "$d/rw" "$d/sw"
  cat >"$d/recv.conf" <<EOF
global(workDirectory="$d/rw" maxMessageSize="64k")
module(load="imtcp")
input(type="imtcp" port="$port" address="127.0.0.1")
template(name="raw" type="string" string="%msg%\n")
*.* action(type="omfile" file="$d/out.log" template="raw")
EOF
  cat >"$d/send.conf" <<EOF
global(workDirectory="$d/sw" maxMessageSize="64k")
module(load="imfile")
input(type="imfile" File="$input" Tag="app" freshStartTail="off")
*.* action(type="omfwd" target="127.0.0.1" port="$port" protocol="tcp")
EOF
  "$r/usr/sbin/rsyslogd" -n -f "$d/recv.conf" -i "$d/recv.pid" -M "$r/usr/lib/x86_64-linux-gnu/rsyslog" >"$d/recv.log" 2>&1 &
  pids+=($!)
  wait_until python3 -c "import socket; socket.create_connection(('127.0.0.1', $port)).close()"
  # rsyslog's %msg% keeps the space after the tag: one extra byte per line.
  local want=$((size + lines)) start end sender
  start=$(now)
  "$r/usr/sbin/rsyslogd" -n -f "$d/send.conf" -i "$d/send.pid" -M "$r/usr/lib/x86_64-linux-gnu/rsyslog" >"$d/send.log" 2>&1 &
  sender=$!
  pids+=($sender)
  wait_until size_at_least "$d/out.log" "$want"
  end=$(now)
  report rsyslog "$start" "$end" "$sender"
  echo "           lines received: $(wc -l <"$d/out.log")"
}

# --- syslog-ng -----------------------------------------------------------
run_syslog_ng() {
  local port d=$dir/syslog-ng s=$CACHE/syslog-ng-core
  port=$(free_port)
  mkdir -p "$d"
  cat >"$d/recv.conf" <<EOF
@version: 3.38
source s { network(ip("127.0.0.1") port($port) transport("tcp") flags(no-parse) log-msg-size(65536) log-iw-size(100000)); };
destination d { file("$d/out.log" template("\${MESSAGE}\n")); };
log { source(s); destination(d); };
EOF
  cat >"$d/send.conf" <<EOF
@version: 3.38
source s { file("$input" flags(no-parse) log-msg-size(65536) follow-freq(0.1)); };
destination d { network("127.0.0.1" port($port) transport("tcp") template("\${MESSAGE}\n")); };
log { source(s); destination(d); };
EOF
  local sng=("$s/usr/sbin/syslog-ng" "--module-path=$s/usr/lib/syslog-ng/3.38" --no-caps -F)
  LD_LIBRARY_PATH=$s/usr/lib/syslog-ng "${sng[@]}" -f "$d/recv.conf" -R "$d/r.persist" -p "$d/r.pid" -c "$d/r.ctl" \
    >"$d/recv.log" 2>&1 &
  pids+=($!)
  wait_until python3 -c "import socket; socket.create_connection(('127.0.0.1', $port)).close()"
  local start end sender
  start=$(now)
  LD_LIBRARY_PATH=$s/usr/lib/syslog-ng "${sng[@]}" -f "$d/send.conf" -R "$d/s.persist" -p "$d/s.pid" -c "$d/s.ctl" \
    >"$d/send.log" 2>&1 &
  sender=$!
  pids+=($sender)
  wait_until size_at_least "$d/out.log" "$size"
  end=$(now)
  report syslog-ng "$start" "$end" "$sender"
  echo "           lines received: $(wc -l <"$d/out.log")"
}

[[ "$PEERS" == *rsyslog* || "$PEERS" == *syslog-ng* ]] && fetch_peers
for peer in $PEERS; do
  case $peer in
    kelola) run_kelola ;;
    rsyslog) run_rsyslog ;;
    syslog-ng) run_syslog_ng ;;
  esac
  # Drop each peer's output before the next one runs.
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
  rm -rf "${dir:?}/$peer"
done
