#!/usr/bin/env python3
"""bench/ha_api.py: kelola's API with three replicas on PostgreSQL behind nginx,
against one replica on SQLite, in the same run; then leader failover time.

Everything runs on this machine, on loopback, in a temporary directory:
- a private PostgreSQL cluster (initdb as the postgres user, socket in the
  temp dir; synchronous_commit=off by default, SQLite's WAL + synchronous=NORMAL
  durability class: a crashed process loses nothing, a crashed machine the
  last fraction of a second; PG_SYNC=on for fsync per commit),
- `kelola server` x3 on it (same master key), nginx 1.22 (Debian) as the load
  balancer (upstream keepalive), and one `kelola server` on SQLite,
- wrk: GET /v1/hosts/web-1 (reads) and PUT /v1/hosts/<new name> (writes, every
  request creates a Host: bench/ha_put.lua) against SQLite x1, PostgreSQL x1
  (direct) and PostgreSQL x3 (nginx),
- failover: TRIALS times, kill -9 the replica leading the pipeline inbox
  consumer, post a signed GitHub push delivery through nginx at once, and time
  (a) until /v1/leaders shows another replica holding the lease and (b) until
  the delivery's run is queued (the new leader acting); the killed replica is
  restarted before the next trial.

Environment: KELOLA_BINARY (default build/release/kelola), DURATION (10s),
CONNECTIONS (32), TRIALS (5), LEASE/RENEW/RETRY (15s/10s/2s, the defaults),
PG_SYNC (off), SKIP_THROUGHPUT=1, SKIP_FAILOVER=1. Run as root (PostgreSQL
runs as the postgres user). Prints the figures recorded in bench/README.md.
"""
import base64
import glob
import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(os.environ.get("KELOLA_BINARY", os.path.join(ROOT, "build/release/kelola")))
DURATION = os.environ.get("DURATION", "10s")
CONNECTIONS = os.environ.get("CONNECTIONS", "32")
TRIALS = int(os.environ.get("TRIALS", "5"))
LEASE, RENEW, RETRY = (os.environ.get(k, d) for k, d in (("LEASE", "15s"), ("RENEW", "10s"), ("RETRY", "2s")))
PG_SYNC = os.environ.get("PG_SYNC", "off")
PUSH = "/work/shared/data/github-webhooks/push/with-new-branch.payload.json"
HOOK_SECRET = "bench-hook-secret"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def http(method, url, token=None, body=None, headers=None, timeout=10):
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + token
    if body is not None and "Content-Type" not in h:
        h["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=body, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except (urllib.error.URLError, ConnectionError, socket.timeout):
        return 0, b""


def wait_until(fn, timeout, step=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(step)
    return None


class Bench:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="kelola-ha-bench-")
        os.chmod(self.dir, 0o755)
        self.procs = {}  # name -> Popen
        self.pg_bin = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(re.findall(r"\d+", p)[0]))[-1]
        self.master_key = base64.b64encode(os.urandom(32)).decode()

    # --- processes -------------------------------------------------------
    def spawn(self, name, argv, env=None, user=None):
        log = open(os.path.join(self.dir, name + ".log"), "ab")
        full_env = dict(os.environ)
        full_env.update(env or {})
        if user:
            argv = ["setpriv", "--reuid=" + user, "--regid=" + user, "--init-groups"] + argv
        self.procs[name] = subprocess.Popen(argv, stdout=log, stderr=log, env=full_env, start_new_session=True)
        return self.procs[name]

    def stop_all(self):
        for name, p in list(self.procs.items()):
            if p.poll() is None:
                p.send_signal(signal.SIGCONT)
                p.terminate()
        for name, p in list(self.procs.items()):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def start_postgres(self):
        data = os.path.join(self.dir, "pg")
        os.makedirs(data)
        shutil.chown(data, "postgres", "postgres")
        subprocess.run(["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups",
                        self.pg_bin + "/initdb", "-D", data + "/data", "-A", "trust", "-U", "postgres", "--no-sync"],
                       check=True, stdout=subprocess.DEVNULL)
        self.pg_port = free_port()
        self.spawn("postgres", [self.pg_bin + "/postgres", "-D", data + "/data", "-p", str(self.pg_port), "-k", data,
                                "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300",
                                "-c", "synchronous_commit=" + PG_SYNC], user="postgres")
        ok = wait_until(lambda: subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "postgres",
                                                "-Atc", "select 1"], capture_output=True).returncode == 0, 30, 0.1)
        if not ok:
            sys.exit("postgres did not start: see " + self.dir)
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "postgres", "-qc",
                        "CREATE DATABASE kelola"], check=True)
        self.store_url = "postgres://postgres@127.0.0.1:%d/kelola" % self.pg_port

    def start_replica(self, name, port, store=""):
        env = {"KELOLA_MASTER_KEY": self.master_key, "KELOLA_LEADER_LEASE_DURATION": LEASE,
               "KELOLA_LEADER_RENEW_DEADLINE": RENEW, "KELOLA_LEADER_RETRY_PERIOD": RETRY}
        if store:
            env["KELOLA_STORE"] = store
        self.spawn(name, [BIN, "server", "--listen", "127.0.0.1:%d" % port, "--data-dir",
                          os.path.join(self.dir, "data-" + name), "--log-level", "warn"], env=env)
        if not wait_until(lambda: http("GET", "http://127.0.0.1:%d/readyz" % port)[0] == 200, 60, 0.05):
            sys.exit("replica %s did not become ready: see %s" % (name, self.dir))

    def admin_token(self, name):
        with open(os.path.join(self.dir, "data-" + name, "admin.token")) as f:
            return f.read().strip()

    def start_nginx(self, ports):
        self.nginx_port = free_port()
        tmp = os.path.join(self.dir, "nginx-tmp")
        os.makedirs(tmp)
        conf = NGINX_CONF % {
            "dir": self.dir, "tmp": tmp, "port": self.nginx_port,
            "servers": "".join("    server 127.0.0.1:%d max_fails=1 fail_timeout=2s;\n" % p for p in ports)}
        path = os.path.join(self.dir, "nginx.conf")
        with open(path, "w") as f:
            f.write(conf)
        self.spawn("nginx", ["nginx", "-e", os.path.join(self.dir, "nginx-error.log"), "-p", self.dir, "-c", path,
                             "-g", "daemon off;"])
        if not wait_until(lambda: http("GET", "http://127.0.0.1:%d/healthz" % self.nginx_port)[0] == 200, 20, 0.05):
            sys.exit("nginx did not start: see " + self.dir)

    # --- load ----------------------------------------------------------------
    def wrk(self, label, url, token, script=None):
        argv = ["wrk", "-t2", "-c" + CONNECTIONS, "-d" + DURATION, "--latency", "-H", "Authorization: Bearer " + token]
        if script:
            argv += ["-s", os.path.join(ROOT, "bench", script)]
        out = subprocess.run(argv + [url], capture_output=True, text=True, check=True).stdout
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        lat = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)", out, re.M))
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        errors = re.search(r"Socket errors: (.*)", out)
        print("| %s | %s | %.0f | %s | %s | %s | %s |" % (
            label, "GET" if not script else "PUT (create)", rps, lat.get("50", "?"), lat.get("90", "?"),
            lat.get("99", "?"), (non2xx.group(1) if non2xx else "0") + (" ; " + errors.group(1) if errors else "")),
            flush=True)
        with open(os.path.join(self.dir, "wrk-%s-%s.txt" % (re.sub(r"\W+", "_", label), bool(script))), "w") as f:
            f.write(out)

    def seed(self, base, token):
        status, body = http("PUT", base + "/v1/hosts/web-1", token,
                            b'{"metadata":{"labels":{"env":"prod"}},"spec":{"address":"10.0.0.5","user":"deploy"}}')
        if status not in (200, 201):
            sys.exit("seeding web-1 failed: %d %s" % (status, body[:200]))

    # --- failover ---------------------------------------------------------------
    def inbox_leader(self, via_port, token):
        status, body = http("GET", "http://127.0.0.1:%d/v1/leaders" % via_port, token)
        if status != 200:
            return None
        for item in json.loads(body)["items"]:
            if item["name"] == "controller/pipeline-inbox" and item["leading"]:
                return int(item["holder"].split(":")[1]), item["token"]
        return None

    def failover_trials(self, replicas, token):
        with open(PUSH, "rb") as f:
            push = f.read()
        base = "http://127.0.0.1:%d" % replicas[0][1]
        http("PUT", base + "/v1/secrets/bench-hook", token,
             json.dumps({"spec": {"type": "webhook-secret", "value": HOOK_SECRET}}).encode())
        status, body = http("PUT", base + "/v1/pipelines/bench", token, json.dumps(
            {"spec": {"forge": "github", "repository": "Codertocat/Hello-World", "webhookSecret": "bench-hook",
                      "branches": ["master"]}}).encode())
        if status not in (200, 201):
            sys.exit("pipeline: %d %s" % (status, body[:300]))
        signature = "sha256=" + hmac.new(HOOK_SECRET.encode(), push, hashlib.sha256).hexdigest()
        lease_ms, act_ms = [], []
        for trial in range(1, TRIALS + 1):
            live = [(n, p) for n, p in replicas if self.procs[n].poll() is None]
            found = wait_until(lambda: self.inbox_leader(live[0][1], token), 60)
            if not found:
                sys.exit("no inbox leader")
            pid, old_token = found
            victim = next((n, p) for n, p in live if self.procs[n].pid == pid)
            survivors = [(n, p) for n, p in live if n != victim[0]]
            delivery = "bench-failover-%d-%d" % (os.getpid(), trial)
            t0 = time.monotonic()
            os.kill(pid, signal.SIGKILL)
            self.procs[victim[0]].wait()
            # Through nginx, which must route around the dead replica.
            status, _ = http("POST", "http://127.0.0.1:%d/v1/hooks/github" % self.nginx_port, None, push,
                             {"Content-Type": "application/json", "X-GitHub-Event": "push",
                              "X-GitHub-Delivery": delivery, "X-Hub-Signature-256": signature})
            if status != 202:
                sys.exit("delivery answered %d" % status)
            lease_at = act_at = None
            while time.monotonic() - t0 < 120 and (lease_at is None or act_at is None):
                now = time.monotonic()
                if lease_at is None:
                    got = self.inbox_leader(survivors[0][1], token)
                    if got and got[1] > old_token:
                        lease_at = now
                if act_at is None:
                    s, b = http("GET", "http://127.0.0.1:%d/v1/runs?limit=20" % survivors[-1][1], token)
                    if s == 200 and any(r.get("deliveryId") == delivery for r in json.loads(b)["items"]):
                        act_at = now
                        if lease_at is None:
                            lease_at = now
                time.sleep(0.02)
            if lease_at is None or act_at is None:
                sys.exit("trial %d: no new leader acting within 120 s" % trial)
            lease_ms.append((lease_at - t0) * 1000)
            act_ms.append((act_at - t0) * 1000)
            print("trial %d: killed %s (pid %d); lease taken over after %.0f ms, delivery queued as a run after %.0f ms"
                  % (trial, victim[0], pid, lease_ms[-1], act_ms[-1]), flush=True)
            self.start_replica(victim[0], victim[1], self.store_url)
        for label, xs in (("lease taken over", lease_ms), ("new leader acting (run queued)", act_ms)):
            print("%s: median %.0f ms, max %.0f ms, min %.0f ms (%d trials)" % (
                label, statistics.median(xs), max(xs), min(xs), len(xs)))


NGINX_CONF = """worker_processes 2;
pid %(dir)s/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path %(tmp)s/body;
  proxy_temp_path %(tmp)s/proxy;
  fastcgi_temp_path %(tmp)s/fastcgi;
  uwsgi_temp_path %(tmp)s/uwsgi;
  scgi_temp_path %(tmp)s/scgi;
  upstream kelola {
%(servers)s    keepalive 64;
  }
  server {
    listen 127.0.0.1:%(port)d;
    client_max_body_size 64m;
    location / {
      proxy_pass http://kelola;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_next_upstream error timeout http_502 http_503;
      proxy_connect_timeout 2s;
      proxy_buffering off;
      proxy_read_timeout 1h;
    }
  }
}
"""


def main():
    if not os.access(BIN, os.X_OK):
        sys.exit("no kelola binary at %s (cmake --build --preset release, or set KELOLA_BINARY)" % BIN)
    b = Bench()
    try:
        load = os.getloadavg()
        print("machine: %d cores, %s; load average before: %.1f %.1f %.1f" % (
            os.cpu_count(), subprocess.run(["uname", "-r"], capture_output=True, text=True).stdout.strip(), *load))
        print("binary: %s; nginx: %s; postgres: %s (synchronous_commit=%s); leases %s/%s/%s" % (
            BIN, subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip(),
            b.pg_bin, PG_SYNC, LEASE, RENEW, RETRY), flush=True)
        b.start_postgres()
        replicas = [("pg-%d" % i, free_port()) for i in range(3)]
        for name, port in replicas:
            b.start_replica(name, port, b.store_url)
        pg_token = b.admin_token("pg-0")
        lite_port = free_port()
        b.start_replica("sqlite", lite_port)
        lite_token = b.admin_token("sqlite")
        b.start_nginx([p for _, p in replicas])
        if os.environ.get("SKIP_THROUGHPUT") != "1":
            b.seed("http://127.0.0.1:%d" % lite_port, lite_token)
            b.seed("http://127.0.0.1:%d" % replicas[0][1], pg_token)
            print("\n| setup | request | requests/s | p50 | p90 | p99 | non-2xx ; socket errors |")
            print("|---|---|---|---|---|---|---|")
            for script in (None, "ha_put.lua"):
                path = "/v1/hosts" if script else "/v1/hosts/web-1"
                b.wrk("SQLite x1", "http://127.0.0.1:%d%s" % (lite_port, path), lite_token, script)
                b.wrk("PostgreSQL x1 (direct)", "http://127.0.0.1:%d%s" % (replicas[0][1], path), pg_token, script)
                b.wrk("PostgreSQL x3 (nginx)", "http://127.0.0.1:%d%s" % (b.nginx_port, path), pg_token, script)
        if os.environ.get("SKIP_FAILOVER") != "1":
            if not os.path.exists(PUSH):
                print("failover: skipped, no webhook example at " + PUSH)
            else:
                print("\nfailover (kill -9 of the pipeline-inbox leader, leases %s/%s/%s):" % (LEASE, RENEW, RETRY))
                b.failover_trials(replicas, pg_token)
        print("load average after: %.1f %.1f %.1f" % os.getloadavg())
    finally:
        b.stop_all()


if __name__ == "__main__":
    main()
