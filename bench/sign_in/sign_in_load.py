#!/usr/bin/python3
"""Sign-ins at a fixed rate against a CineStream server on loopback, bounded in time.

Usage: sign_in_load.py PORT RATE SECONDS USERS_FILE
Each sign-in comes from its own loopback source address (127.0.1.x), as many visitors would:
the server's per-client route limit stays in its default configuration. Prints one line:
sent, 200s, other statuses, p50 and p99 of the sign-in latency in ms.
"""
import http.client
import json
import sys
import threading
import time

port, rate, seconds, users_file = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
users = [json.loads(line) for line in open(users_file) if line.strip()]
lock = threading.Lock()
statuses, latencies = {}, []


def one(i):
    user = users[i % len(users)]
    source = f"127.0.1.{1 + i % 250}"
    started = time.monotonic()
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
        c.request("POST", "/api/auth/login", body=json.dumps(user),
                  headers={"Content-Type": "application/json"})
        status = c.getresponse().status
        c.close()
    except OSError as e:
        status = type(e).__name__
    took = (time.monotonic() - started) * 1000
    with lock:
        statuses[status] = statuses.get(status, 0) + 1
        latencies.append(took)


threads = []
start = time.monotonic()
i = 0
while time.monotonic() - start < seconds:
    due = start + i / rate
    now = time.monotonic()
    if due > now:
        time.sleep(due - now)
    t = threading.Thread(target=one, args=(i,))
    t.start()
    threads.append(t)
    i += 1
for t in threads:
    t.join(timeout=60)
latencies.sort()
p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else 0
other = {k: v for k, v in statuses.items() if k != 200}
print(f"sign-ins sent {i} ok {statuses.get(200, 0)} other {other} p50 {p(0.5):.0f} ms p99 {p(0.99):.0f} ms")
