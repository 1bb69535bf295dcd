#!/usr/bin/env python3
"""Opens N keep-alive connections to a kelola server, sends one authenticated
GET on each, keeps them all open and idle, and reports the server's thread
count before and while they are held (from /proc/PID/status).

Usage: idle_connections.py HOST PORT TOKEN PATH SERVER_PID [N]
"""
import socket
import sys
import time


def threads(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return -1


def main():
    host, port, token, path, pid = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
    n = int(sys.argv[6]) if len(sys.argv) > 6 else 1000
    before = threads(pid)
    request = (f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
               f"Connection: keep-alive\r\n\r\n").encode()
    socks = []
    ok = 0
    for _ in range(n):
        s = socket.create_connection((host, port), timeout=10)
        s.sendall(request)
        data = s.recv(65536)
        if data.startswith(b"HTTP/1.1 200"):
            ok += 1
        socks.append(s)
    time.sleep(2)  # let them sit idle
    during = threads(pid)
    # Every connection is still open and usable after idling.
    reused = 0
    for s in socks:
        s.sendall(request)
        if s.recv(65536).startswith(b"HTTP/1.1 200"):
            reused += 1
    for s in socks:
        s.close()
    print(f"connections={n} first_requests_ok={ok} reused_after_idle_ok={reused} "
          f"server_threads_before={before} server_threads_while_held={during}")
    return 0 if ok == n and reused == n and during <= before + 2 else 1


if __name__ == "__main__":
    sys.exit(main())
