#!/usr/bin/env python3
"""Writes the seed corpus of each fuzz target into tests/fuzz/corpus/<target>/ (committed).

FuzzedDataProvider takes integers from the END of the input and strings from the front, so the
seeds are text followed by the control bytes each target reads (see each fuzz_*.cpp).
Re-run after changing a target's input layout: python3 tests/fuzz/seeds.py
"""
import hashlib
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, seeds):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    for s in seeds:
        if isinstance(s, str):
            s = s.encode()
        name = hashlib.sha1(s).hexdigest()[:16]
        with open(os.path.join(d, name), "wb") as f:
            f.write(s)


write("fuzz_http_target", [
    "/api/showtimes?city=Kyiv&date=2026-11-21&lang=ua",
    "/api/showtimes?city=%D0%9A%D0%B8%D1%97%D0%B2",
    "/api/showtimes?city=Київ&lang=uk",
    "/api/locations?lat=50.45&lon=30.52&limit=3",
    "/api/scrape/status/lviv",
    "/api/scrape/events/new-york",
    "/posters/0123456789abcdef.jpg",
    "/api/scrape",
    "/%2e%2e/etc/passwd",
    "/a/./b",
    "/?a&b=&=c&&d=%20+x",
    "/a%00b",
    "/index.html?x=%zz",
    "/healthz",
    # Whole requests (the framing part of the target): chunk extensions, trailers, codings.
    "POST /api/scrape HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    "Content-Length: 15\r\n\r\n{\"city\":\"kyiv\"}",
    "POST /api/scrape HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    "5;ext=1;q=\"a b\"\r\nhello\r\n0;last\r\nX-Trailer: 1\r\nX-More: two\r\n\r\n",
    "POST /api/session HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    "1;" + "e" * 300 + "\r\na\r\n1;" + "f" * 300 + "\r\nb\r\n0\r\n\r\n",
    "POST /api/session HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    "0\r\nX-T: " + "z" * 600 + "\r\n\r\n",
    "POST /api/session HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    "POST /api/session HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"
    "GET /api/stats HTTP/1.1\r\nHost: x\r\n\r\n",
    "POST /api/session HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n",
    "POST /api/session HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
    "Content-Length: 3\r\n\r\n0\r\n\r\n",
    "GET /api/stats HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    "GET /api/stats HTTP/1.1\r\n\r\n",
    "GET /api/stats HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "POST /api/session HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}",
])

showtimes = [
    {"movie": "Dune: Part Two", "cinema": "Multiplex Gulliver",
     "start_time": "2026-11-21T18:00", "format": "IMAX", "language": "original", "hall": 5},
    {"movie": "Дюна: Частина друга", "cinema": "Планета Кіно", "start_time": "2026-11-22 10:30:00Z",
     "format": "3D", "language": "Ukrainian dubbing", "hall": "Зал 2"},
    {"movie": "Inside Out 2", "cinema": "kinopalace", "start_time": "2026-11-23T21:15:00+02:00"},
    {"movie": "Oppenheimer", "cinema": "Unknown Cinema", "start_time": "2026-11-21T12:00"},
    {"movie": "X", "cinema": "Oscar", "start_time": "2026-13-01T25:00"},
    "not an object",
]
cinemas = [
    {"name": "Multiplex Gulliver", "address": "Sportyvna Sq 1A", "website": "https://multiplex.ua/"},
    {"name": "Планета Кіно", "address": "вул. Велика Васильківська, 72", "website": "javascript:x"},
    {"name": "  ", "address": "nowhere"},
]
movies = [
    {"movie_title": {"en": "Dune: Part Two", "ua": "Дюна: Частина друга", "ru": "Дюна: Часть вторая"},
     "movie_description": {"en": "Paul Atreides unites with the Fremen.", "ua": "Пол Атрід."},
     "movie_image_url": "https://image.tmdb.org/t/p/w500/dune.jpg"},
    {"movie_title": "Inside Out 2", "movie_image_url": "http://user:pw@example.com/a.png"},
    {"movie_title": {}},
]
answers_text = [
    json.dumps(showtimes, ensure_ascii=False),
    "```json\n" + json.dumps({"showtimes": showtimes}, ensure_ascii=False, indent=1) + "\n```",
    json.dumps(cinemas, ensure_ascii=False),
    "Here are the cinemas:\n" + json.dumps({"cinemas": cinemas}),
    json.dumps(movies, ensure_ascii=False),
    json.dumps(showtimes, ensure_ascii=False)[:300],
]
# zone (last byte), first day = 320 (2026-11-17), 14 days
answers_tail = bytes([13, 64, 1, 0])
write("fuzz_answers", [t.encode() + answers_tail for t in answers_text] +
      [t.encode() + bytes([6, 64, 1, 4]) for t in answers_text[:2]])

write("fuzz_json_extract", answers_text + [
    '{"a": [1, 2, {"b": "```"}]}',
    "Sure! ```\n[1, 2, 3]\n``` and more",
    '[{"movie": "A", "start_time": "2026-11-21T18:00"}, {"movie": "B", "start_',
    "{\"k\": \"v\\\"}\", \"n\": [true, false, null]}",
    "no json here {",
    "[[[[[[[[[[]]]]]]]]]]",
])

stream = ('data: {"candidates": [{"content": {"parts": [{"text": "[{\\"a\\":"}]}}]}\n\n'
          'data: {"candidates": [{"content": {"parts": [{"text": "1}]"}]}, "finishReason": "STOP"}],'
          ' "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5, "totalTokenCount": 15}}\r\n\r\n'
          'event: ping\ndata:\n\n: comment\n\n')
response = json.dumps({
    "candidates": [{"content": {"parts": [{"text": "thinking", "thought": True}, {"text": "[]"}]},
                    "finishReason": "MAX_TOKENS",
                    "groundingMetadata": {"webSearchQueries": ["kyiv cinemas"],
                                          "groundingChunks": [{"web": {"uri": "https://x", "title": "x"}}]}}],
    "usageMetadata": {"promptTokenCount": 1, "totalTokenCount": 2}, "modelVersion": "gemini-2.5-flash",
    "responseId": "abc"})
error = json.dumps({"error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED",
                              "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "26s"},
                                          {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "RATE_LIMIT_EXCEEDED"}]}})
write("fuzz_gemini_protocol", [
    stream.encode() + bytes([0, 0]),
    stream.encode() + bytes([7, 0, 40, 0, 3, 0, 3]) ,
    response.encode() + bytes([1]),
    json.dumps({"promptFeedback": {"blockReason": "SAFETY"}}).encode() + bytes([1]),
    error.encode() + bytes([2]),
    b"1.5s" + bytes([2]),
    b"0.250s" + bytes([2]),
    b"\x05RESOURCE_EXHAUSTED\x10quota exceeded!!\x03KEY" + bytes([1, 0, 0, 1, 3]),
])

# text, then day, month, year (bytes), the instant (4 bytes), the zone (last byte)
def lt(text, d=20, m=10, y=36, t=(0x30, 0x00, 0x00, 0x80), zone=0):
    return text.encode() + bytes([d, m, y]) + bytes(t) + bytes([zone])

write("fuzz_local_time", [
    lt("2026-11-21"), lt("2026-02-29"), lt("2024-02-29", zone=2),
    lt("2026-03-29T03:30", m=2, d=28, zone=0), lt("2026-10-25T03:30:00+03:00", m=9, d=24),
    lt("2026-11-21 18:00:00Z-03:00", zone=6), lt("2026-11-21T18:00:00.000Z", zone=3),
    lt("2014-03-30T02:30", y=24, m=2, d=29, zone=8), lt("9999-12-31T23:59:59", zone=9),
    lt("2026-1-1"), lt("2026-11-21T24:00"),
])

rng = random.Random(8)
write("fuzz_merge", [bytes(rng.randrange(256) for _ in range(n)) for n in (16, 64, 128, 256, 512, 1024)])

# Cinema pages: text, then mode (0 page, 1 JSON-LD block, 2 microdata), the site's cinema (4:
# none), days (2), the first day (271 = 2026-09-29, two bytes) and the zone (last byte).
def site(text, mode=0, cinema=0, zone=0):
    return text.encode() + bytes([mode, cinema, 1, 0x0F, 0x01, zone])

graph = {"@context": "https://schema.org", "@graph": [
    {"@type": "MovieTheater", "@id": "#t", "name": "Multiplex Lavina",
     "address": {"@type": "PostalAddress", "streetAddress": "вул. Берковецька, 6Д"}},
    {"@type": "Movie", "@id": "#m", "name": "Дюна: Частина друга", "alternateName": "Dune: Part Two",
     "duration": "PT2H46M", "inLanguage": "en", "image": "/p/dune.jpg"},
    {"@type": "ScreeningEvent", "startDate": "2026-09-29T15:40:00+03:00", "workPresented": {"@id": "#m"},
     "location": {"@type": "ScreeningRoom", "name": "Зал 5", "containedInPlace": {"@id": "#t"}},
     "videoFormat": "IMAX", "inLanguage": "uk", "offers": [{"@type": "Offer", "url": "/t/1"}]},
    {"@type": ["Event", "ScreeningEvent"], "name": "Tom &amp; Jerry", "inLanguage": "Українська",
     "subEvent": [{"@type": "ScreeningEvent", "startDate": "2026-09-29T15:40:00.000Z-03:00"},
                  {"@type": "ScreeningEvent", "startDate": "2026-09-30 13:30"}]},
]}
theater = {"@context": "http://schema.org", "@type": "MovieTheater", "name": "Кінотеатр &quot;Жовтень&quot;",
           "event": [{"@type": "ScreeningEvent", "startDate": "2026-09-30T10:00",
                      "workPresented": [{"@type": "Movie", "name": "Тіні забутих предків"}],
                      "subtitleLanguage": {"@type": "Language", "name": "English"},
                      "location": {"@type": "Place", "name": "Зал 1",
                                   "containedInPlace": {"@type": "MovieTheater", "name": "Жовтень"}}}]}
microdata = ('<div itemprop="workPresented" itemscope itemtype="https://schema.org/Movie">'
             '<span itemprop="name">Dune: Part Two</span><meta itemprop="duration" content="PT166M">'
             '<img itemprop="image" src="/p.jpg"></div>'
             '<time itemprop="startDate" datetime="2026-09-30T21:00:00+03:00">21:00</time>'
             '<div itemprop="location" itemscope itemtype="https://schema.org/MovieTheater">'
             '<span itemprop="name">Кинотеатр Оскар</span></div>'
             '<meta itemprop="inLanguage" content="ru"><span itemprop="videoFormat">3D</span>')
page = ('<!DOCTYPE html><html lang="uk-UA"><head><meta charset="utf-8"><title>Розклад</title>'
        '<script type="application/ld+json">' + json.dumps(graph, ensure_ascii=False) + '</script>'
        '<script type="application/ld+json">{"@type": "ScreeningEvent", "startDate": "2026-09-29T21:00'
        '</script></head><body><div itemscope itemtype="http://schema.org/ScreeningEvent">'
        + microdata + '</div></body></html>')
write("fuzz_site_schedule", [
    site(page), site(page, cinema=4, zone=1),
    site(json.dumps(graph, ensure_ascii=False), mode=1),
    site(json.dumps(theater, ensure_ascii=False), mode=1, cinema=2),
    site(json.dumps([theater, graph], ensure_ascii=False).replace("}]", "},]"), mode=1),
    site("{&quot;@type&quot;:&quot;ScreeningEvent&quot;,&quot;startDate&quot;:&quot;2026-09-30T10:00&quot;,"
         "&quot;name&quot;:&quot;Oscar &amp;amp; Co&quot;}", mode=1, cinema=3),
    site(microdata, mode=2, cinema=3),
    site("<div itemscope itemtype=\"https://schema.org/Event\" itemprop=\"subEvent\">" * 50, mode=2),
    site("[" * 40 + "]" * 40, mode=1),
    site("PT1H45M"), site("2026-09-29T15:40:00Z+03:00"), site("&#x27;&laquo;&#99999999;&amp"),
])

# Control bytes last (mode 0..2, limit 0..6, the film put first), the query first.
write("fuzz_search_query", [q.encode() + bytes([2, 5, 1]) for q in [
    "Тіні забутих предків", "tini zabutykh", "interstellr", "опенгеймер", "Дюн", "dune par",
    "astronauts travel through a wormhole to save humanity", "", "   ", "du\x01ne",
    "a" * 1000, "!!! ...", "\u0434" * 201, "Плем'я", "Amélie", "\ufffd", "1965",
]] + [b"\xff\xfe\x00\x01\x02", b"dune\xc2\x85" + bytes([0, 0, 0])])
