"""gunicorn settings for the read-path benchmark: pin each worker to one CPU, as the server's
supervisor pins its workers (worker i on the i-th allowed CPU, round robin)."""

import os

loglevel = "warning"
accesslog = None


def post_fork(server, worker):  # noqa: ARG001 (gunicorn's hook signature)
    cpus = sorted(os.sched_getaffinity(0))
    pinned = os.environ.get("CINESTREAM_BENCH_CPUS")
    if pinned:
        cpus = [int(c) for c in pinned.split(",")]
    os.sched_setaffinity(0, {cpus[(worker.age - 1) % len(cpus)]})
