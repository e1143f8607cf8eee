"""URL paths folded by C (mkslog/native/pathfold.c) equal fold_path's four regex passes: every
path of the sample logs and the corpus, 20,000 random paths of digits, hex, dots, dashes and
slashes, the edge cases of each pattern, nulls and slices; and a query by endpoint answers the
same with the C code switched off."""

from __future__ import annotations

import random

import polars as pl
from line_samples import real_lines

from mkslog.formats import views
from mkslog.queries.common import regex_fold
from mkslog.queries.pathfolding import fold_paths_natively, pathfold

EDGES = ["/1/2/3", "/1/2/3/", "/items/60.json", "/a/123.toolongext", "/a/123.", "/a/123.j/", "/a/123.j.k",
         "/550e8400-e29b-41d4-a716-446655440000", "x550e8400-e29b-41d4-a716-4466554400001",
         "/550E8400-E29B-41D4-A716-446655440000/x", "/0123456789abcdef", "/0123456789abcde", "/0123456789abcdef0.js/x",
         "", "/", "//1//2", "/1.2.3", "/1.a.b", "/" + "1" * 30, "/" + "f" * 30 + ".tar", "/1/550e8400-e29b-41d4-a716-446655440000/2",
         "/日本/1/é", "/1?x=2", "/v1", "/12ab", "/ab12", "/deadbeefdeadbeefz", "/deadbeefdeadbeef.", "/x/1.12345678", "/x/1.123456789"]


def paths() -> list[str | None]:
    out: list[str | None] = []
    for line in real_lines():
        request = line.split('"')[1].split(" ") if line.count('"') >= 2 else []
        out.append(request[1] if len(request) > 1 else None)
    rng = random.Random(2)
    alphabet = "0123456789abcdefABCDEFxyz./-?é"
    for _ in range(20000):
        out.append("/" + "".join(rng.choice(alphabet) if rng.random() < 0.9 else "/" for _ in range(rng.randint(0, 45))))
    return out + EDGES


def regex_way(series: pl.Series) -> pl.Series:
    return series.to_frame("p").select(regex_fold(pl.col("p"))).to_series()


def test_every_path_is_folded_as_the_regex_passes_fold_it():
    assert pathfold is not None
    series = pl.Series("path", paths())
    assert len(series) > 60000 and series.null_count() > 100
    folded = fold_paths_natively(series)
    assert folded.name == "path"
    assert folded.to_list() == regex_way(series).to_list()
    for part in (series.slice(40000, 3000), series.drop_nulls().slice(7, 500)):
        assert fold_paths_natively(part).to_list() == regex_way(part).to_list()


def test_fold_path_runs_the_c_fold(monkeypatch):
    """A query's fold reaches the C code (the equality below would hold without it)."""
    from mkslog.queries import pathfolding
    from mkslog.queries.common import fold_path

    calls, real = [], pathfolding.fold_paths_natively

    def counted(paths):
        folded = real(paths)
        calls.append(folded is not None)
        return folded

    monkeypatch.setattr(pathfolding, "fold_paths_natively", counted)
    out = pl.DataFrame({"path": ["/a/1", "/b/2"]}).select(fold_path("path")).to_series().to_list()
    assert out == ["/a/{id}", "/b/{id}"] and calls and all(calls)


def test_a_query_by_endpoint_is_the_same_without_the_c_code(monkeypatch):
    from mkslog.queries import latency_stats

    log = "sample_logs/nginx/mirai-knowledge-system-access.log"
    import mkslog

    fast = latency_stats(mkslog.scan(log, "timed"), by="endpoint").sort("endpoint")
    monkeypatch.setenv(views.DISABLE_ENV, "1")
    slow = latency_stats(mkslog.scan(log, "timed"), by="endpoint").sort("endpoint")
    assert len(fast) > 3
    assert fast.equals(slow)
