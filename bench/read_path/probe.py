"""Helpers for bench/read_path/run.sh (standard library only; loopback only; every wait bounded).

  probe.py freeport
      A free TCP port on 127.0.0.1.
  probe.py cities DB
      The ids of the cities that have showtimes in the embedded store, one a line.
  probe.py bump DB [CITY...]
      Bumps data_version of the given cities (all when none), as a merge does: every cache entry
      of those cities is stale from the server's next refresh on.
  probe.py startup REPS CMD... ({PORT} in CMD is replaced by a fresh free port)
      Time from exec to the first 200 on /healthz, polling every 0.2 ms; prints
      "startup_ms <median> <min> <max> <all...>".
  probe.py miss PORT DB CITY REPS [COLD_CITY...]
      Cache misses measured in server time: before each miss, the city's data_version is bumped in
      the store (what a merge of new showtimes does), then, once the server has seen it, one
      GET /api/showtimes is sent and the exact server time of that single request is the
      difference of cinestream_http_request_duration_seconds_sum{route="/api/showtimes"} read from
      /metrics just before and just after it (the count must rise by exactly 1). A second request
      right after is a cache hit, measured the same way. COLD_CITY: cities never requested before
      (first request after start-up). The server must run one worker with one event loop, so that
      /metrics and the requests meet the same process and cache.
"""

import http.client
import os
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time

SUM_RE = re.compile(
    r'^cinestream_http_request_duration_seconds_(sum|count)\{route="/api/showtimes",'
    r'status="200"\} ([0-9.eE+-]+)$',
    re.M,
)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cities(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        rows = con.execute(
            "SELECT l.id FROM locations l WHERE EXISTS "
            "(SELECT 1 FROM showtimes s WHERE s.city_id = l.id) ORDER BY l.rowid"
        ).fetchall()
    finally:
        con.close()
    for (city,) in rows:
        print(city)


def bump(db, ids):
    con = sqlite3.connect(db, timeout=10)
    try:
        with con:
            if ids:
                con.executemany(
                    "UPDATE locations SET data_version = data_version + 1 WHERE id = ?",
                    [(c,) for c in ids],
                )
            else:
                con.execute("UPDATE locations SET data_version = data_version + 1")
    finally:
        con.close()


def healthz_ok(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            data = s.recv(64)
            return data.startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def stop(proc):
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def startup(reps, cmd):
    times = []
    for _ in range(reps):
        port = free_port()
        argv = [a.replace("{PORT}", str(port)) for a in cmd]
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            argv, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            while True:
                if healthz_ok(port):
                    times.append((time.perf_counter() - t0) * 1000)
                    break
                if proc.poll() is not None:
                    print(f"startup: server exited with {proc.returncode}", file=sys.stderr)
                    return 1
                if time.perf_counter() - t0 > 20:
                    print("startup: no 200 on /healthz within 20 s", file=sys.stderr)
                    return 1
                time.sleep(0.0002)
        finally:
            stop(proc)
        time.sleep(0.2)
    print(
        "startup_ms {:.1f} {:.1f} {:.1f} {}".format(
            statistics.median(times),
            min(times),
            max(times),
            " ".join(f"{t:.1f}" for t in times),
        )
    )
    return 0


class Client:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def get(self, path):
        self.conn.request("GET", path)
        res = self.conn.getresponse()
        body = res.read()
        return res.status, body

    def showtimes_sum(self):
        status, body = self.get("/metrics")
        if status != 200:
            raise RuntimeError(f"/metrics answered {status}")
        found = {"sum": 0.0, "count": 0.0}
        for kind, value in SUM_RE.findall(body.decode()):
            found[kind] = float(value)
        return found["sum"], found["count"]

    def timed(self, path):
        """Server time (s) and client time (s) of one request."""
        s0, c0 = self.showtimes_sum()
        t0 = time.perf_counter()
        status, body = self.get(path)
        client = time.perf_counter() - t0
        s1, c1 = self.showtimes_sum()
        if status != 200 or c1 != c0 + 1:
            raise RuntimeError(f"{path}: status {status}, count {c0} -> {c1}")
        return s1 - s0, client, len(body)


def summary(name, values):
    ms = sorted(v * 1000 for v in values)
    p90 = ms[min(len(ms) - 1, int(round(0.9 * (len(ms) - 1))))]
    print(
        f"{name} n={len(ms)} median={statistics.median(ms):.3f} p90={p90:.3f} "
        f"min={ms[0]:.3f} max={ms[-1]:.3f}"
    )


def miss(port, db, city, reps, cold):
    client = Client(port)
    path = f"/api/showtimes?city={city}"
    client.get(path)  # first request: cached from here on
    misses, hits, miss_client, hit_client = [], [], [], []
    size = 0
    for _ in range(reps):
        bump(db, [city])
        time.sleep(0.35)  # the server re-reads versions every 100 ms (--refresh-interval-ms)
        server_s, client_s, size = client.timed(path)
        misses.append(server_s)
        miss_client.append(client_s)
        server_s, client_s, _ = client.timed(path)
        hits.append(server_s)
        hit_client.append(client_s)
    cold_server = []
    for c in cold:
        server_s, _, _ = client.timed(f"/api/showtimes?city={c}")
        cold_server.append(server_s)
    print(f"body_bytes {size}")
    summary("miss_server_ms", misses)
    summary("miss_client_ms", miss_client)
    summary("hit_server_ms", hits)
    summary("hit_client_ms", hit_client)
    if cold_server:
        summary("cold_server_ms", cold_server)
    return 0


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd = argv[1]
    if cmd == "freeport":
        print(free_port())
        return 0
    if cmd == "cities":
        cities(argv[2])
        return 0
    if cmd == "bump":
        bump(argv[2], argv[3:])
        return 0
    if cmd == "startup":
        return startup(int(argv[2]), argv[3:])
    if cmd == "miss":
        return miss(int(argv[2]), argv[3], argv[4], int(argv[5]), argv[6:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
