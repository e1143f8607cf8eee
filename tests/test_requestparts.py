"""The request line's parts cut by C (mkslog/native/requestline.c) equal what polars
captures with fields.REQUEST_LINE: every request line of the sample logs and the corpus, made-up
edge cases (no protocol, empty path, a second "?", two spaces, TLS bytes, non-ASCII) and 9,000
edited ones."""

from __future__ import annotations

import random

import polars as pl
from line_samples import real_lines

from mkslog.formats import compile_format, views
from mkslog.formats.fields import REQUEST_LINE
from mkslog.formats.requestparts import request_parts, requestline

EDGES = ["GET / HTTP/1.1", "GET", "GET ", "GET /", "get /x?", "GET ?a HTTP/1.0", "G3T / HTTP/1.1", "GET / HTTP/",
         "GET / HTTP/1.1 ", "GET /a?b?c HTTP/2", "GET /a b HTTP/1.1", "GET  / HTTP/1.1", "GET /日本?é HTTP/1.1",
         "\x16\x03\x01", "", "-", "OPTIONS * HTTP/1.1", "GET / HTTP/1.1x", "GET / HTTPS/1.1", "GET /x?y HTTP/1.",
         "GET /" + "a" * 20 + "?" + "b" * 20 + " HTTP/1.1", "GET /?", "GET /? HTTP/1.1", "GET /x HTTP/1.1\t"]


def requests() -> list[str]:
    found = [line.split('"')[1] for line in real_lines() if line.count('"') >= 2]
    rng = random.Random(5)
    edited = []
    for request in found[:3000]:
        for _ in range(3):
            chars = list(request)
            for _ in range(rng.randint(1, 3)):
                if chars:
                    chars[rng.randrange(len(chars))] = rng.choice(" ?/Hx.9\t\"é")
            edited.append("".join(chars))
    return found + EDGES + edited


def test_every_request_gets_polars_parts():
    assert requestline is not None
    lines = pl.Series("r", requests())
    assert len(lines) > 20000
    got = request_parts(lines, "p")
    assert got.name == "p"
    assert got.struct.unnest().equals(lines.str.extract_groups(REQUEST_LINE).struct.unnest())


def test_sliced_requests_and_nulls():
    lines = pl.Series("r", requests()).slice(1000, 3000)
    assert request_parts(lines, "p").struct.unnest().equals(lines.str.extract_groups(REQUEST_LINE).struct.unnest())
    assert request_parts(pl.Series("r", ["GET / HTTP/1.1", None]), "p") is None  # nulls: polars' way


def test_the_converted_columns_are_the_same_either_way(monkeypatch):
    fmt = compile_format("combined")
    fields = fmt.fields_for(["method", "path", "query", "protocol", "request"])
    outputs = [e.meta.output_name() for e in fmt.converters(fields)]
    raw = pl.DataFrame({"g3": requests()})
    native, pending = fmt.prepare_eagerly(raw, fields)
    assert pending == [] and set(outputs) >= {"method", "path", "query", "protocol", "request"}
    fast = native.with_columns(fmt.converters(fields)).select(outputs)
    slow = raw.with_columns(fmt.prepared(fields)).with_columns(fmt.converters(fields)).select(outputs)
    assert fast.equals(slow)
    monkeypatch.setenv(views.DISABLE_ENV, "1")
    assert fmt.prepare_eagerly(raw, fields)[1] == fields  # switched off: polars prepares them
