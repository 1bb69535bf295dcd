#!/usr/bin/env bash
# bench/ssh_fanout.sh [N...]: `uptime` on N real sshd hosts on loopback for
# each N given (default: 50 200), side by side in one run: kelola exec
# (through a release kelola server), ansible -m raw (forks = N) and
# parallel-ssh (-p N). Then a 10 MB file: scp to one host, kelola copy to one
# host, and kelola copy to COPY_HOSTS (default 50) hosts at once.
# Every sshd runs in its own mount namespace with a private tmpfs on
# $dir/dest (unshare -m, so root is needed): copies to 50 hosts really write
# 50 files. Loopback only; bounded; everything is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=("${@:-50}")
[[ $# -eq 0 ]] && SIZES=(50 200)
N=0
for n in "${SIZES[@]}"; do ((n > N)) && N=$n; done
COPY_HOSTS=${COPY_HOSTS:-50}
((COPY_HOSTS > N)) && COPY_HOSTS=$N
BIN=${KELOLA_BINARY:-build/release/kelola}
USER_NAME=kelola-test
dir=$(mktemp -d)
chmod 755 "$dir"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for f in "$dir"/sshd-*.pid; do [[ -f $f ]] && kill "$(cat "$f")" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT

id "$USER_NAME" >/dev/null 2>&1 || { useradd --system --create-home --shell /bin/sh "$USER_NAME"; usermod --password '*' "$USER_NAME"; }
mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$dir/host_ed25519"
ssh-keygen -q -t ed25519 -N '' -f "$dir/client_ed25519"
cp "$dir/client_ed25519.pub" "$dir/authorized_keys"; chmod 644 "$dir/authorized_keys"
hostkey=$(cut -d' ' -f1,2 "$dir/host_ed25519.pub")
base=$(python3 -c 'import random; print(random.randint(30000, 50000))')
: >"$dir/known_hosts"; : >"$dir/hosts.txt"; : >"$dir/hosts.yaml"
mkdir -p "$dir/dest"
: >"$dir/inv.ini"
for i in $(seq 1 "$N"); do
  port=$((base + i))
  cat >"$dir/sshd-$i.conf" <<CONF
ListenAddress 127.0.0.1
Port $port
HostKey $dir/host_ed25519
PidFile $dir/sshd-$i.pid
AuthorizedKeysFile $dir/authorized_keys
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PrintLastLog no
Subsystem sftp internal-sftp
MaxStartups 200:30:400
MaxSessions 50
CONF
  # Its own mount namespace and a private tmpfs on $dir/dest: a host of its own for file copies.
  unshare -m --propagation private /bin/sh -c 'mount -n -t tmpfs -o size=64m,mode=1777 bench "$1" && exec /usr/sbin/sshd -f "$2" -E "$3"' \
    sh "$dir/dest" "$dir/sshd-$i.conf" "$dir/sshd-$i.log"
  echo "[127.0.0.1]:$port $hostkey" >>"$dir/known_hosts"
  labels="role: web"
  for n in "${SIZES[@]}"; do
    if ((i <= n)); then
      echo "$USER_NAME@127.0.0.1:$port" >>"$dir/hosts-$n.txt"
      echo "h$i ansible_host=127.0.0.1 ansible_port=$port" >>"$dir/inv-$n.ini"
      labels="$labels, n$n: \"yes\""
    fi
  done
  printf -- "---\nkind: Host\nmetadata: {name: h%d, labels: {%s}}\nspec: {address: 127.0.0.1, port: %d, user: %s, hostKey: \"%s\", credentials: {sshKeySecret: bench-key}}\n" \
    "$i" "$labels" "$port" "$USER_NAME" "$hostkey" >>"$dir/hosts.yaml"
done
for n in "${SIZES[@]}"; do
  { echo "[n$n]"; cat "$dir/inv-$n.ini"; } >>"$dir/inv.ini"
done
cat >>"$dir/inv.ini" <<INV
[all:vars]
ansible_user=$USER_NAME
ansible_ssh_private_key_file=$dir/client_ed25519
ansible_ssh_common_args='-o UserKnownHostsFile=$dir/known_hosts -o StrictHostKeyChecking=yes'
INV
mkdir -p "$dir/a"
printf '[defaults]\nhost_key_checking=True\n' >"$dir/a/ansible.cfg"
export ANSIBLE_HOME=$dir/a/home ANSIBLE_LOCAL_TEMP=$dir/a/ltmp ANSIBLE_REMOTE_TEMP=$dir/a/rtmp \
  ANSIBLE_SSH_CONTROL_PATH_DIR=$dir/a/cp ANSIBLE_CONFIG=$dir/a/ansible.cfg
# Every sshd accepts connections before anything is timed (a random port
# already taken would make one host fail for every tool: stop instead).
for i in $(seq 1 "$N"); do
  up=0
  for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$((base + i))") 2>/dev/null && { up=1; break; }; sleep 0.05; done
  ((up)) || { echo "sshd $i on port $((base + i)) did not come up:" >&2; tail -3 "$dir/sshd-$i.log" >&2; exit 1; }
done

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# The copy's content goes through PUT /v1/files (streamed to disk), so the
# default http.max_body_bytes (8 MiB) stays.
"$BIN" server --listen "127.0.0.1:$port" --data-dir "$dir/data" --log-level warn >"$dir/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [[ -s "$dir/data/admin.token" ]] && curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
export KELOLA_SERVER=http://127.0.0.1:$port KELOLA_TOKEN=$(cat "$dir/data/admin.token")
python3 - "$dir/client_ed25519" >"$dir/secret.json" <<'PY'
import json, sys
print(json.dumps({"kind": "Secret", "metadata": {"name": "bench-key"},
                  "spec": {"type": "ssh-private-key", "value": open(sys.argv[1]).read()}}))
PY
"$BIN" apply -f "$dir/secret.json" >/dev/null
"$BIN" apply -f "$dir/hosts.yaml" >/dev/null

t() { local s e; s=$(date +%s.%N); "$@" >"$dir/out.txt" 2>&1 || { echo "FAILED: $*" >&2; grep -v '^ok \|SUCCESS\|CHANGED\| up ' "$dir/out.txt" | tail -5 >&2; }; e=$(date +%s.%N); python3 -c "print(f'{$e-$s:.2f}')"; }
ratio() { python3 -c "print(f'{$1/$2:.1f}')"; }
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "versions: kelola $("$BIN" version 2>/dev/null | head -1); $(ansible --version 2>/dev/null | head -1); pssh $(parallel-ssh --version 2>&1 | head -1); $(ssh -V 2>&1)"
for n in "${SIZES[@]}"; do
  k=$(t "$BIN" exec --parallel "$n" -l "n$n=yes" uptime)
  ok=$(grep -c '^ok ' "$dir/out.txt" || true)
  a=$(t ansible -i "$dir/inv.ini" "n$n" -m raw -a uptime -o -f "$n")
  aok=$(grep -c 'CHANGED\|SUCCESS' "$dir/out.txt" || true)
  p=$(t parallel-ssh -h "$dir/hosts-$n.txt" -p "$n" -t 120 -O UserKnownHostsFile="$dir/known_hosts" -O StrictHostKeyChecking=yes -x "-i $dir/client_ed25519" -i uptime)
  pok=$(grep -c 'SUCCESS' "$dir/out.txt" || true)
  echo "uptime on $n hosts: kelola ${k} s ($ok ok) | ansible ${a} s ($aok ok) | parallel-ssh ${p} s ($pok ok) | kelola vs ansible $(ratio "$a" "$k")x, vs pssh $(ratio "$p" "$k")x | load $(cut -d' ' -f1 /proc/loadavg)"
done

if [[ ${COPY:-1} == 1 ]]; then
  head -c 10485760 /dev/urandom >"$dir/file10m"
  want=$(sha256sum "$dir/file10m" | cut -d' ' -f1)
  first_port=$((base + 1))
  one=$(t scp -q -i "$dir/client_ed25519" -o UserKnownHostsFile="$dir/known_hosts" -P "$first_port" "$dir/file10m" "$USER_NAME@127.0.0.1:$dir/dest/scp-one")
  mine=$(t "$BIN" copy "$dir/file10m" "$dir/dest/kelola-one" --host h1)
  many=$(t "$BIN" copy "$dir/file10m" "$dir/dest/kelola-many" --parallel "$COPY_HOSTS" -l "n$COPY_HOSTS=yes")
  changed=$(grep -o '[0-9]* changed' "$dir/out.txt" || true)
  # Each host has its own file: check a few of them over plain ssh.
  checked=0
  for i in 1 $((COPY_HOSTS / 2)) "$COPY_HOSTS"; do
    got=$(ssh -i "$dir/client_ed25519" -o UserKnownHostsFile="$dir/known_hosts" -p $((base + i)) "$USER_NAME@127.0.0.1" sha256sum "$dir/dest/kelola-many" | cut -d' ' -f1)
    [[ $got == "$want" ]] && checked=$((checked + 1))
  done
  echo "10 MB, scp to 1 host:            $one s ($(ratio 10 "$one") MB/s)"
  echo "10 MB, kelola copy to 1 host:    $mine s ($(ratio 10 "$mine") MB/s; includes the upload to the server and the remote sha256 check)"
  echo "10 MB, kelola copy to $COPY_HOSTS hosts:  $many s ($(ratio $((10 * COPY_HOSTS)) "$many") MB/s aggregate = $(python3 -c "print(f'{100*(10*$COPY_HOSTS/$many)/(10/$one):.0f}')")% of one scp; $changed; checksum verified over ssh on $checked of 3 sampled hosts; each host has a private tmpfs)"
fi
