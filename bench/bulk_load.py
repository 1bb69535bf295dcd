#!/usr/bin/env python3
"""bench/bulk_load.py: loads an NDJSON file of documents through `_bulk`
with N concurrent clients (keep-alive connections), retrying a request
answered 429 or with item-level 429s until every document is stored.
Prints "<docs/s> docs/s in <seconds> s". Used by bench/opensearch_sink.sh as
the reference client that measures a node's own ingest limit."""
import argparse
import http.client
import json
import sys
import threading
import time
import urllib.parse


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--index", required=True)
    p.add_argument("--docs", required=True)
    p.add_argument("--batch", type=int, default=2000)
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--token", default="")
    a = p.parse_args()
    with open(a.docs) as f:
        docs = [line.rstrip("\n") for line in f if line.strip()]
    action = json.dumps({"create": {"_index": a.index}})
    bodies = []
    for i in range(0, len(docs), a.batch):
        bodies.append("".join(f"{action}\n{d}\n" for d in docs[i:i + a.batch]).encode())
    u = urllib.parse.urlparse(a.url)
    headers = {"Content-Type": "application/x-ndjson"}
    if a.token:
        headers["Authorization"] = "Bearer " + a.token
    lock = threading.Lock()
    queue = list(range(len(bodies)))
    failed = []

    def worker():
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
        while True:
            with lock:
                if not queue:
                    return
                i = queue.pop()
            body_out = bodies[i]
            for attempt in range(100):
                conn.request("POST", "/_bulk", body=body_out, headers=headers)
                r = conn.getresponse()
                body = r.read()
                if r.status == 429:
                    time.sleep(0.05 * (attempt + 1))
                    continue
                if r.status != 200:
                    failed.append(f"HTTP {r.status}: {body[:200]!r}")
                    break
                out = json.loads(body)
                if out.get("errors"):
                    bad = [it for it in out["items"] if list(it.values())[0].get("status", 0) >= 300]
                    if all(list(it.values())[0]["status"] == 429 for it in bad):
                        # A bulk queue was full: offer again only the items it refused.
                        pairs = body_out.split(b"\n")
                        refused = [k for k, it in enumerate(out["items"]) if list(it.values())[0].get("status") == 429]
                        body_out = b"".join(pairs[2 * k] + b"\n" + pairs[2 * k + 1] + b"\n" for k in refused)
                        time.sleep(0.05 * (attempt + 1))
                        continue
                    failed.append(json.dumps(bad[0])[:200])
                break

    start = time.time()
    threads = [threading.Thread(target=worker) for _ in range(a.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = time.time() - start
    if failed:
        print("failed: " + failed[0], file=sys.stderr)
        sys.exit(1)
    print(f"{len(docs) / secs:.0f} docs/s in {secs:.2f} s")


if __name__ == "__main__":
    main()
