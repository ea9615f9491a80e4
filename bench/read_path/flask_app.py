"""The original CineStream's stack for the read-path benchmark: Flask under gunicorn.

Serves the server's exact /api/showtimes bytes from memory (read once at import from the file
named by CINESTREAM_BENCH_BODY) and ignores the query. This is generous to Flask: the original
re-serialises the documents on every request; here the view only wraps ready bytes.
CINESTREAM_BENCH_MODE=dumps instead keeps the parsed document and serialises it with json.dumps
on every request (the same bytes: compact separators, no ASCII escaping), closer to the original
(which also queried its database on every request; that is not modelled).

Run by bench/read_path/run.sh:
  gunicorn -w N -b 127.0.0.1:PORT -c bench/read_path/gunicorn_conf.py \
      --chdir bench/read_path flask_app:app
"""

import json
import os

from flask import Flask, Response

with open(os.environ["CINESTREAM_BENCH_BODY"], "rb") as _f:
    BODY = _f.read()
DOC = json.loads(BODY)
DUMPS = os.environ.get("CINESTREAM_BENCH_MODE", "bytes") == "dumps"

app = Flask(__name__)


@app.get("/api/showtimes")
def showtimes():
    if DUMPS:
        body = json.dumps(DOC, separators=(",", ":"), ensure_ascii=False).encode()
        return Response(body, mimetype="application/json")
    return Response(BODY, mimetype="application/json")
