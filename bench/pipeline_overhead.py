#!/usr/bin/env python3
"""kelola's own overhead per pipeline run, against a real `kelola server`.

Starts the given kelola binary on a free loopback port with a fresh data
directory and a local HTTP receiver playing GitHub's commit Statuses API,
creates a bare git repository whose .kelola.yml has two trivial host steps
(`echo start`, `true`), a Secret, a token Secret and a Pipeline (cloneUrl
file://, apiUrl the receiver), then sends N signed push webhooks one after
the other, each once the previous run's final status has arrived, and
measures for each run:

  webhook -> first step started : from just before the POST is sent to the
      first step's startedAt (includes the HTTP answer, the inbox consumer
      queueing the run, the worker claiming it, the pending status post, the
      git checkout over file:// and the .kelola.yml parse);
  last step finished -> status posted : from the last step's finishedAt to
      the moment the receiver got the final (success) status.

Server and client share the machine's wall clock; the server's times have
millisecond resolution. Prints p50/p90/max and the breakdown of the first
figure (queued, claimed, and the part from the run log's first line,
"checking out ...", to the first step's start).

Usage: bench/pipeline_overhead.py BUILD/kelola [--runs 20]
"""
import argparse
import hashlib
import hmac
import http.server
import json
import os
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from datetime import datetime

EXAMPLE = "/work/shared/data/github-webhooks/push/with-new-branch.payload.json"
SECRET = "bench-secret"
TOKEN = "ghp_bench_token"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url, method="GET", body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def ts(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


received = {}  # run id -> [(state, time)]
received_cv = threading.Condition()


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        now = time.time()
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        ok = self.headers.get("Authorization") == "Bearer " + TOKEN
        self.send_response(201 if ok else 401)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"state":"ok"}')
        run_id = body.get("target_url", "").rsplit("/", 1)[-1]
        with received_cv:
            received.setdefault(run_id, []).append((body.get("state"), now))
            received_cv.notify_all()

    def log_message(self, *args):
        pass


def git(*args, cwd=None):
    env = {"PATH": "/usr/bin:/bin", "HOME": cwd or "/tmp", "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@kelola.invalid",
           "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@kelola.invalid"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="kelola-bench-runs-")
    bare, work = tmp + "/app.git", tmp + "/work"
    os.makedirs(work)
    git("init", "-q", "--bare", bare, cwd=tmp)
    git("init", "-q", cwd=work)
    with open(work + "/.kelola.yml", "w") as f:
        f.write("steps:\n  - {name: first, host: true, commands: [echo start]}\n"
                "  - {name: last, host: true, commands: [\"true\"]}\n")
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "bench", cwd=work)
    git("push", "-q", bare, "HEAD:refs/heads/main", cwd=work)
    sha = git("rev-parse", "HEAD", cwd=work)

    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(tmp + "/server.log", "w")
    server = subprocess.Popen([args.binary, "server", "--listen", f"127.0.0.1:{port}", "--data-dir", tmp + "/d",
                               "--log-level", "warn"], stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(400):
            try:
                if request(base + "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        token = open(tmp + "/d/admin.token").read().strip()
        auth = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
        for name, typ, value in (("hook", "webhook-secret", SECRET), ("gh", "token", TOKEN)):
            st, body = request(f"{base}/v1/secrets/{name}", "PUT",
                               json.dumps({"spec": {"type": typ, "value": value}}).encode(), auth)
            assert st in (200, 201), body
        st, body = request(base + "/v1/pipelines/app", "PUT", json.dumps({"spec": {
            "forge": "github", "repository": "acme/app", "webhookSecret": "hook", "cloneUrl": "file://" + bare,
            "apiUrl": f"http://127.0.0.1:{receiver.server_port}", "tokenSecret": "gh"}}).encode(), auth)
        assert st in (200, 201), body

        payload = json.load(open(EXAMPLE))
        payload.update({"ref": "refs/heads/main", "after": sha, "created": False, "deleted": False})
        payload["repository"]["full_name"] = "acme/app"
        body = json.dumps(payload).encode()
        signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()

        to_first, to_status, queued, claimed, checkout = [], [], [], [], []
        for i in range(args.runs):
            sent = time.time()
            st, _ = request(base + "/v1/hooks/github", "POST", body, {
                "Content-Type": "application/json", "X-GitHub-Event": "push",
                "X-GitHub-Delivery": f"bench-{i}", "X-Hub-Signature-256": signature})
            assert st == 202, st
            run = None
            deadline = time.time() + 60
            while time.time() < deadline:
                st, listing = request(base + "/v1/runs?limit=5", headers=auth)
                for r in json.loads(listing)["items"]:
                    if r["deliveryId"] == f"bench-{i}" and r["status"] not in ("queued", "running"):
                        run = r
                if run:
                    break
                time.sleep(0.02)
            assert run and run["status"] == "succeeded", run
            with received_cv:
                received_cv.wait_for(lambda: any(s == "success" for s, _ in received.get(run["id"], [])), 30)
                posted = [t for s, t in received[run["id"]] if s == "success"][0]
            to_first.append(ts(run["steps"][0]["startedAt"]) - sent)
            to_status.append(posted - ts(run["steps"][-1]["finishedAt"]))
            queued.append(ts(run["createdAt"]) - sent)
            claimed.append(ts(run["startedAt"]) - sent)
            st, logs = request(f"{base}/v1/runs/{run['id']}/logs", headers=auth)
            first_line = json.loads(logs)["items"][0]  # "checking out SHA from URL"
            checkout.append(ts(run["steps"][0]["startedAt"]) - ts(first_line["time"]))

        ms = lambda v: f"{v * 1000:.0f} ms"
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the end, runs={args.runs}")
        for name, v in (("webhook -> run queued", queued), ("webhook -> run claimed", claimed),
                        ("webhook -> first step started", to_first),
                        ("  of which checkout + parse + step start", checkout),
                        ("last step finished -> status posted", to_status)):
            print(f"{name:40s} p50 {ms(pct(v, 50)):>7s}  p90 {ms(pct(v, 90)):>7s}  max {ms(max(v)):>7s}")
    finally:
        server.terminate()
        server.wait(10)
        receiver.shutdown()


if __name__ == "__main__":
    main()
