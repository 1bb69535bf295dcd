#!/usr/bin/env python3
"""100 signed GitHub push webhooks in one second against a real `kelola server`.

Starts the given kelola binary on a free loopback port with a fresh data
directory, creates a Secret and a Pipeline, then sends N signed deliveries
(the real push example from /work/shared/data/github-webhooks, each with its
own delivery id) spread evenly over one second, each on its own thread, and
records how long each took to be answered. Then it waits until every
delivery has become a queued run (none lost) and prints the figures.

Usage: bench/webhook_burst.py BUILD/kelola [--count 100] [--window 1.0]
"""
import argparse
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

EXAMPLE = "/work/shared/data/github-webhooks/push/with-new-branch.payload.json"
SECRET = "bench-secret"


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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--window", type=float, default=1.0)
    args = ap.parse_args()

    data = tempfile.mkdtemp(prefix="kelola-bench-hooks-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(os.path.join(data, "server.log"), "w")
    server = subprocess.Popen([args.binary, "server", "--listen", f"127.0.0.1:{port}", "--data-dir", data + "/d"],
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(400):
            try:
                if request(base + "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        token = open(data + "/d/admin.token").read().strip()
        auth = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
        st, body = request(base + "/v1/secrets/hook", "PUT",
                           json.dumps({"spec": {"type": "webhook-secret", "value": SECRET}}).encode(), auth)
        assert st in (200, 201), body
        st, body = request(base + "/v1/pipelines/hello", "PUT", json.dumps({"spec": {
            "forge": "github", "repository": "Codertocat/Hello-World", "webhookSecret": "hook"}}).encode(), auth)
        assert st in (200, 201), body

        payload = open(EXAMPLE, "rb").read()
        signature = "sha256=" + hmac.new(SECRET.encode(), payload, hashlib.sha256).hexdigest()
        latencies = [None] * args.count
        statuses = [None] * args.count

        def send(i):
            headers = {"Content-Type": "application/json", "X-GitHub-Event": "push",
                       "X-GitHub-Delivery": f"bench-{i}", "X-Hub-Signature-256": signature}
            t0 = time.monotonic()
            st, _ = request(base + "/v1/hooks/github", "POST", payload, headers)
            latencies[i] = time.monotonic() - t0
            statuses[i] = st

        threads = []
        start = time.monotonic()
        for i in range(args.count):
            delay = start + i * args.window / args.count - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            t = threading.Thread(target=send, args=(i,))
            t.start()
            threads.append(t)
        for t in threads:
            t.join()
        sent_in = time.monotonic() - start

        queued = 0
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            st, body = request(base + "/v1/runs?limit=1000", headers=auth)
            queued = len(json.loads(body)["items"]) if st == 200 else 0
            if queued >= args.count:
                break
            time.sleep(0.1)
        all_queued_after = time.monotonic() - start

        # Baseline: the same burst of GET /v1/version, which does no work, shows
        # what the machine (load generator and server on shared cores) adds.
        base_lat = [None] * args.count

        def ping(i):
            t0 = time.monotonic()
            request(base + "/v1/version")
            base_lat[i] = time.monotonic() - t0

        threads = []
        b_start = time.monotonic()
        for i in range(args.count):
            delay = b_start + i * args.window / args.count - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            t = threading.Thread(target=ping, args=(i,))
            t.start()
            threads.append(t)
        for t in threads:
            t.join()

        def pct_of(values, p):
            v = sorted(x for x in values if x is not None)
            return v[min(len(v) - 1, max(0, int(round(p / 100.0 * len(v))) - 1))] * 1000

        lat = sorted(x for x in latencies if x is not None)
        pct = lambda p: pct_of(lat, p)
        accepted = sum(1 for s in statuses if s == 202)
        print(f"deliveries sent:      {args.count} over {sent_in:.2f} s")
        print(f"accepted (202):       {accepted}; other statuses: "
              f"{sorted(set(s for s in statuses if s != 202))}")
        print(f"answer latency:       p50 {pct(50):.1f} ms, p90 {pct(90):.1f} ms, p99 {pct(99):.1f} ms, "
              f"max {lat[-1] * 1000:.1f} ms")
        print(f"baseline GET /v1/version, same pacing: p50 {pct_of(base_lat, 50):.1f} ms, "
              f"p99 {pct_of(base_lat, 99):.1f} ms")
        print(f"load average:         {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"runs queued:          {queued} of {args.count}, all within {all_queued_after:.2f} s of the first send")
        ok = accepted == args.count and queued == args.count and pct(99) < 1000
        print("RESULT:", "PASS" if ok else "FAIL")
        return 0 if ok else 1
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


if __name__ == "__main__":
    sys.exit(main())
