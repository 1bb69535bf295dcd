#!/usr/bin/env bash
# bench/ssh_fanout.sh N: `uptime` on N real sshd hosts on loopback, side by
# side: kelola exec (through a release kelola server), ansible -m raw
# (forks = N) and parallel-ssh (-p N). Also a 10 MB file copied to one host
# by kelola copy and by scp. Loopback only; bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-50}
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
echo "[web]" >"$dir/inv.ini"
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
  /usr/sbin/sshd -f "$dir/sshd-$i.conf" -E "$dir/sshd-$i.log"
  echo "[127.0.0.1]:$port $hostkey" >>"$dir/known_hosts"
  echo "$USER_NAME@127.0.0.1:$port" >>"$dir/hosts.txt"
  echo "h$i ansible_host=127.0.0.1 ansible_port=$port" >>"$dir/inv.ini"
  printf -- "---\nkind: Host\nmetadata: {name: h%d, labels: {role: web}}\nspec: {address: 127.0.0.1, port: %d, user: %s, hostKey: \"%s\", credentials: {sshKeySecret: bench-key}}\n" \
    "$i" "$port" "$USER_NAME" "$hostkey" >>"$dir/hosts.yaml"
done
cat >>"$dir/inv.ini" <<INV
[web:vars]
ansible_user=$USER_NAME
ansible_ssh_private_key_file=$dir/client_ed25519
ansible_ssh_common_args='-o UserKnownHostsFile=$dir/known_hosts -o StrictHostKeyChecking=yes'
INV
mkdir -p "$dir/a"
printf '[defaults]\nforks=%d\nhost_key_checking=True\n' "$N" >"$dir/a/ansible.cfg"
export ANSIBLE_HOME=$dir/a/home ANSIBLE_LOCAL_TEMP=$dir/a/ltmp ANSIBLE_REMOTE_TEMP=$dir/a/rtmp \
  ANSIBLE_SSH_CONTROL_PATH_DIR=$dir/a/cp ANSIBLE_CONFIG=$dir/a/ansible.cfg
sleep 1

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# A 10 MB copy travels base64-encoded in one request: allow 64 MiB bodies.
KELOLA_HTTP_MAX_BODY_BYTES=67108864 "$BIN" server --listen "127.0.0.1:$port" --data-dir "$dir/data" --log-level warn >"$dir/server.log" 2>&1 &
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

t() { local s e; s=$(date +%s.%N); "$@" >"$dir/out.txt" 2>&1 || { echo "FAILED: $*"; tail -5 "$dir/out.txt"; }; e=$(date +%s.%N); python3 -c "print(f'{$e-$s:.2f}')"; }
echo "machine: $(nproc) cores; $N sshd hosts on 127.0.0.1; $(ansible --version | head -1); $(parallel-ssh --version 2>&1 | head -1 | sed 's/^/pssh /')"
echo "kelola exec uptime:      $(t "$BIN" exec --parallel "$N" uptime) s"
echo "ansible -m raw uptime:   $(t ansible -i "$dir/inv.ini" web -m raw -a uptime -o) s"
echo "parallel-ssh uptime:     $(t parallel-ssh -h "$dir/hosts.txt" -p "$N" -t 60 -O UserKnownHostsFile="$dir/known_hosts" -O StrictHostKeyChecking=yes -x "-i $dir/client_ed25519" -i uptime) s"

if [[ ${COPY:-1} == 1 ]]; then
  # Every "host" here is this machine with one filesystem, so copies to many
  # hosts would land on one path and all but the first would find the file
  # already there; the copy is therefore measured to one host, against scp.
  head -c 10485760 /dev/urandom >"$dir/file10m"
  chmod 777 "$dir"
  first_port=$((base + 1))
  one=$(t scp -q -i "$dir/client_ed25519" -o UserKnownHostsFile="$dir/known_hosts" -P "$first_port" "$dir/file10m" "$USER_NAME@127.0.0.1:$dir/scp-one")
  mine=$(t "$BIN" copy "$dir/file10m" "$dir/kelola-one" --host h1)
  echo "scp 10 MB to 1 host:         $one s  ($(python3 -c "print(f'{10/$one:.1f}')") MB/s)"
  echo "kelola copy 10 MB to 1 host: $mine s  ($(python3 -c "print(f'{10/$mine:.1f}')") MB/s, incl. API upload and sha256 check)"
fi
