#!/usr/bin/env python3
"""bench/ha_logs.py: log ingest with shared logs (PostgreSQL, two replicas)
against the embedded default (SQLite, one server), in the same run; and the
shared-log follower's lag.

Everything runs on this machine, on loopback, in a temporary directory (the
PostgreSQL and replica setup of bench/ha_api.py):
- the same file of LINES realistic lines (Loghub samples, numbered) is shipped
  by a real `kelola agent` (batch.max_records BATCH) from its head to
  (a) one `kelola server` on SQLite: each batch fdatasync'ed in the local log
      store, then acknowledged;
  (b) replica A of two `kelola server` replicas on one private PostgreSQL:
      each batch committed to log_batches (synchronous_commit=PG_SYNC, on by
      default: the ack means it is on PostgreSQL's disk), applied to A's log
      store by A's follower (fdatasync), then acknowledged; replica B applies
      it through its own follower;
- ingest time: from the agent's start until the receiving server counts every
  line stored (kelola_log_ingest_records_total);
- follower: every 50 ms during the PostgreSQL run, B's kelola_log_feed_lag_seconds
  (insert -> applied, last batch) is sampled; the time from A having every
  line to B having every line; then IDLE_SAMPLES single lines appended one at
  a time, each batch's lag read on B once applied (the idle lag).

Environment: KELOLA_BINARY (default build/release/kelola), LINES (200000),
BATCH (1000), IDLE_SAMPLES (20), PG_SYNC (on). Run as root (PostgreSQL runs as the postgres user).
Prints the figures recorded in bench/README.md.
"""
import glob
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("PG_SYNC", "on")
import ha_api  # noqa: E402  (the PostgreSQL and replica setup)
from ha_api import BIN, Bench, free_port, http, wait_until  # noqa: E402

LINES = int(os.environ.get("LINES", "200000"))
BATCH = int(os.environ.get("BATCH", "1000"))
IDLE_SAMPLES = int(os.environ.get("IDLE_SAMPLES", "20"))


def metric(port, sample):
    status, body = http("GET", "http://127.0.0.1:%d/metrics" % port)
    if status != 200:
        return None
    m = re.search(r"^" + re.escape(sample) + r" (\S+)$", body.decode(), re.M)
    return float(m.group(1)) if m else 0.0


def write_input(path):
    lines = []
    for f in sorted(glob.glob("/work/shared/data/loghub/loghub-2k/*/*_2k.log")):
        lines += [l.rstrip("\n") for l in open(f, errors="replace") if l.strip()]
    size = 0
    with open(path, "w", buffering=1 << 20) as out:
        for n in range(LINES):
            s = "seq=%d %s\n" % (n, lines[n % len(lines)])
            out.write(s)
            size += len(s)
    return size


def ship(b, name, server_port, token, input_path):
    """Runs an agent on input_path against server_port; returns (seconds, agent proc)."""
    status, body = http("POST", "http://127.0.0.1:%d/v1/tokens" % server_port, token,
                        json.dumps({"name": "agent-" + name, "role": "operator"}).encode())
    if status != 201:
        sys.exit("token for the agent: %d %s" % (status, body[:200]))
    agent_token = json.loads(body)["token"]
    conf = os.path.join(b.dir, "agent-%s.yaml" % name)
    with open(conf, "w") as f:
        f.write("name: bench-%s\nserver: http://127.0.0.1:%d\ntoken: %s\ndata_dir: %s\n"
                "metrics_listen: 127.0.0.1:0\npoll_interval: 50ms\n"
                "file:\n  include: ['%s']\n  read_from: head\n"
                "batch:\n  max_records: %d\n  max_wait: 100ms\n"
                % (name, server_port, agent_token, os.path.join(b.dir, "agent-data-" + name), input_path, BATCH))
    received = ['kelola_log_ingest_records_total{outcome="%s"}' % o for o in ("stored", "duplicate")]
    started = time.monotonic()
    b.spawn("agent-" + name, [BIN, "agent", "--config", conf])
    done = wait_until(lambda: sum(metric(server_port, m) or 0 for m in received) >= LINES, 1800, 0.05)
    if not done:
        sys.exit("%s: the lines were not all stored; see %s" % (name, b.dir))
    return time.monotonic() - started


def main():
    if os.geteuid() != 0:
        sys.exit("run as root: PostgreSQL runs as the postgres user")
    b = Bench()
    try:
        input_path = os.path.join(b.dir, "input.log")
        size = write_input(input_path)
        print("machine: %d cores, %.0f GiB, %s; load average before: %.1f %.1f %.1f" % (
            os.cpu_count(), os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, os.uname().release,
            *os.getloadavg()))
        print("binary: %s; input: %d lines, %d bytes; batch.max_records %d; PostgreSQL synchronous_commit=%s" % (
            BIN, LINES, size, BATCH, ha_api.PG_SYNC))

        lite_port = free_port()
        b.start_replica("sqlite", lite_port)
        lite = ship(b, "sqlite", lite_port, b.admin_token("sqlite"), input_path)
        b.procs["agent-sqlite"].terminate()

        b.start_postgres()
        a_port, b_port = free_port(), free_port()
        b.start_replica("pg-a", a_port, b.store_url)
        b.start_replica("pg-b", b_port, b.store_url)
        token = b.admin_token("pg-a")
        lags = []
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                v = metric(b_port, "kelola_log_feed_lag_seconds")
                if v:
                    lags.append(v)
                time.sleep(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        pg = ship(b, "pg", a_port, token, input_path)
        a_done = time.monotonic()
        on_b = 'kelola_log_feed_records_total{outcome="stored"}'
        caught_up = wait_until(lambda: (metric(b_port, on_b) or 0) >= LINES, 600, 0.02)
        b_after = time.monotonic() - a_done if caught_up else float("nan")
        stop.set()
        sampler.join()
        # Idle lag: one line at a time (a batch of one), each waited for on B.
        applied = 'kelola_log_feed_batches_total{outcome="applied"}'
        idle = []
        for i in range(IDLE_SAMPLES):
            before = metric(b_port, applied) or 0
            with open(input_path, "a") as f:
                f.write("seq=%d idle probe\n" % (LINES + i))
            if wait_until(lambda: (metric(b_port, applied) or 0) > before, 30, 0.01):
                idle.append(metric(b_port, "kelola_log_feed_lag_seconds"))
            time.sleep(0.2)

        print("\n| setup | lines/s | MiB/s | seconds |")
        print("|---|---|---|---|")
        for label, secs in (("SQLite x1 (local fsync per batch)", lite),
                            ("PostgreSQL x2 (log_batches commit, then A's feed applies it)", pg)):
            print("| %s | %.0f | %.2f | %.2f |" % (label, LINES / secs, size / secs / 2**20, secs))
        if lags:
            lags.sort()
            print("\nfollower (replica B) lag, insert -> applied, %d samples: median %.0f ms, p90 %.0f ms, max %.0f ms"
                  % (len(lags), statistics.median(lags) * 1000, lags[int(len(lags) * 0.9)] * 1000, lags[-1] * 1000))
        print("replica B had every line %.2f s after replica A did" % b_after)
        if idle:
            idle.sort()
            print("idle follower lag (one-line batches, %d samples): median %.0f ms, max %.0f ms"
                  % (len(idle), statistics.median(idle) * 1000, idle[-1] * 1000))
        print("load average after: %.1f %.1f %.1f" % os.getloadavg())
    finally:
        b.stop_all()


if __name__ == "__main__":
    main()
