"""Fields cut by C from plain lines (mkslog/native/linecut.c via SplitPlan.take_native) equal
polars' cut (SplitPlan.take), and a full parse is the same frame either way.

Every plain line of the sample logs and the copied corpus under every built-in format, every
field alone and all together; lines with multi-byte characters, short values (kept inside the
view) and long ones; sliced and chunked columns; and lines that are not plain are refused.
"""

from __future__ import annotations

import random
from pathlib import Path

import polars as pl
import pytest
from line_samples import real_lines

from mkslog.formats import compile_format, named_formats, views
from mkslog.formats.split import linecut, split_plan
from mkslog.parse.pipeline import parse_file

ROOT = Path(__file__).resolve().parent.parent
FORMATS = list(named_formats())


def lines_of(name: str) -> pl.DataFrame:
    plan = split_plan(compile_format(name))
    lines = pl.DataFrame({"line": real_lines()})
    return lines.filter(pl.col("line").str.contains(plan.pattern))


def groups(plan, fields) -> list[str]:
    return [plan.group(f) for f in fields]


def test_the_extension_is_built():
    assert linecut is not None


@pytest.mark.parametrize("name", FORMATS)
def test_every_field_of_every_plain_line_is_cut_as_polars_cuts_it(name):
    fmt = compile_format(name)
    plan = split_plan(fmt)
    lines = lines_of(name)
    if name in ("combined", "timed"):
        assert len(lines) > 3000
    everything = fmt.fields_for(None)
    for fields in [everything, *([f] for f in everything)]:
        native = plan.take_native(lines, fields)
        assert native is not None
        expected = plan.take(lines, fields).select(groups(plan, fields))
        assert native.select(groups(plan, fields)).equals(expected), [f.var for f in fields]


def test_made_up_lines_with_every_kind_of_value():
    fmt = compile_format("timed")
    plan = split_plan(fmt)
    rng = random.Random(3)
    pieces = ["日本語", "é", "\U0001f600", "a", "x" * 30, "", "-", "Mozilla/5.0 (X11; Linux)"]
    made = []
    for i in range(3000):
        addr = rng.choice(["1.2.3.4", "2001:db8::1", "例え.jp", "-", ""])
        user = rng.choice(["-", "ユーザー", "u" * 20])
        path = "/" + rng.choice(pieces).replace(" ", "") + rng.choice(["", "?q=" + rng.choice(pieces).replace(" ", "")])
        made.append(f'{addr} - {user} [0{i % 9 + 1}/Nov/2026:0{i % 10}:00:00 +0900] "GET {path} HTTP/1.1" '
                    f'{rng.choice(["200", "-", "5"])} {rng.choice(["0", "-", "123456789"])} '
                    f'"{rng.choice(pieces)}" "{rng.choice(pieces)}" {rng.choice(["0.1", "-"])} '
                    f'{rng.choice(["0.1", "-", "0.1, 0.2", "0.1 : 0.3"])}')
    lines = pl.DataFrame({"line": made}).filter(pl.col("line").str.contains(plan.pattern))
    assert len(lines) > 2500
    fields = fmt.fields_for(None)
    native = plan.take_native(lines, fields).select(groups(plan, fields))
    assert native.equals(plan.take(lines, fields).select(groups(plan, fields)))
    for part in (lines.slice(777, 500), pl.concat([lines.slice(0, 10), lines.slice(100, 90)], rechunk=False)):
        assert plan.take_native(part, fields).select(groups(plan, fields)).equals(
            plan.take(part, fields).select(groups(plan, fields)))


def test_fields_that_grow_and_shrink_between_chunks_keep_their_values():
    """Each cut's buffer starts at what the same field took in the last call and takes a mapping
    that an earlier result gave back: a field far longer than the last time (the buffer grows),
    far shorter, a call with other cuts, and results kept alive while later calls reuse the
    mappings of those let go. Every result equals polars' cut at the end."""
    fmt = compile_format("timed")
    plan = split_plan(fmt)

    def chunk(agent_length: int, n: int, seed: int) -> pl.DataFrame:
        rng = random.Random(seed)
        return pl.DataFrame({"line": [
            f'10.0.{i % 250}.{rng.randrange(1, 250)} - - [01/Nov/2026:00:00:{i % 60:02d} +0900] '
            f'"GET /api/v1/knowledge/{rng.randrange(10**6)} HTTP/1.1" 200 {i} "-" '
            f'"{"a" * rng.randrange(agent_length // 2, agent_length + 1)}" 0.{i % 999:03d} 0.001'
            for i in range(n)]})

    everything = fmt.fields_for(None)
    agent_only = [f for f in everything if f.var == "$http_user_agent"]
    steps = [(40, 5000, everything), (4000, 3000, everything), (13, 8000, everything), (400, 2000, agent_only),
             (900, 6000, everything), (0, 100, everything), (2000, 4000, everything)]
    kept = []
    for seed, (agent_length, n, fields) in enumerate(steps):
        lines = chunk(agent_length, n, seed)
        kept.append((lines, fields, plan.take_native(lines, fields)))
        if seed % 2:  # let an earlier result go: its mappings serve the next calls
            kept.pop(0)
    for lines, fields, native in kept:
        assert native.select(groups(plan, fields)).equals(plan.take(lines, fields).select(groups(plan, fields)))


def test_the_buffers_kept_for_reuse_are_unmapped_when_a_read_ends():
    """Each extension keeps the mappings of freed buffers for the next chunk (up to 48 MiB); a read's
    end gives them all back, or they would stay mapped through the queries that follow."""
    from mkslog.native import BUFFER_MODULES, forget_buffers, linesplit

    fmt = compile_format("timed")
    plan = split_plan(fmt)
    lines = lines_of("timed")
    del_me = plan.take_native(lines, fmt.fields_for(None))
    assert del_me is not None
    del del_me
    assert linecut.cached() > 0  # the columns' buffers went back to the cache
    forget_buffers()
    assert linecut.cached() == 0 and linesplit.cached() == 0
    frame = parse_file(str(ROOT / "sample_logs/nginx/mirai-knowledge-system-access.log"), "access", "timed")
    assert len(frame) > 1000
    import importlib

    assert {name: importlib.import_module(f"mkslog.native.{name}").cached() for name in BUFFER_MODULES} == dict.fromkeys(
        BUFFER_MODULES, 0)


def test_a_line_that_is_not_plain_is_refused():
    fmt = compile_format("combined")
    plan = split_plan(fmt)
    bad = pl.DataFrame({"line": ['1.2.3.4 - - [01/Nov/2026:00:00:00 +0900] "GET / HTTP/1.1" 200 5 "-" "a"b"']})
    with pytest.raises(ValueError, match="not a plain line"):
        plan.take_native(bad, fmt.fields_for(None))


@pytest.mark.parametrize("name", ["combined", "timed"])
def test_a_full_parse_is_the_same_frame_with_and_without_the_c_code(name, monkeypatch):
    logs = {"combined": "tests/data/corpus/elastic-examples__apache_logs",
            "timed": "sample_logs/nginx/mirai-knowledge-system-access.log"}
    path = str(ROOT / logs[name])
    fast = parse_file(path, "access", name)
    monkeypatch.setenv(views.DISABLE_ENV, "1")
    slow = parse_file(path, "access", name)
    assert len(fast) > 1000
    assert fast.equals(slow)


def test_a_parse_takes_the_c_cut_and_the_c_request_parts(monkeypatch):
    """The equalities above would also hold if the parser never reached the C code: count its calls."""
    from types import SimpleNamespace

    from mkslog.formats import requestparts
    from mkslog.formats.split import SplitPlan

    calls = {"cut": 0, "request": 0}
    cut, native = SplitPlan.take_native, requestparts.requestline

    def counted_cut(self, lines, wanted):
        taken = cut(self, lines, wanted)
        calls["cut"] += taken is not None
        return taken

    def counted_request(*args):
        calls["request"] += 1
        return native.request_parts(*args)

    monkeypatch.setattr(SplitPlan, "take_native", counted_cut)
    monkeypatch.setattr(requestparts, "requestline", SimpleNamespace(request_parts=counted_request))
    frame = parse_file(str(ROOT / "sample_logs/nginx/mirai-knowledge-system-access.log"), "access", "timed")
    assert len(frame) > 1000 and calls["cut"] >= 1 and calls["request"] >= 1


def test_first_words_are_polars_first_words_on_real_and_made_up_lines():
    from mkslog.formats.split import first_word, first_words

    rng = random.Random(5)
    pieces = ["1.2.3.4", "2001:db8::1234:5678:9abc:def0", "日本語", "x" * 12, "y" * 13, "", " ", "\t", "é" * 7]
    made = ["".join(rng.choice(pieces) for _ in range(rng.randrange(0, 6))) for _ in range(3000)]
    for lines in (pl.Series("line", real_lines()), pl.Series("line", made), pl.Series("line", made).slice(7, 900)):
        words = first_words(lines)
        assert words is not None and words.name == "line"
        assert words.to_list() == lines.to_frame().select(first_word(pl.col("line"))).to_series().to_list()
    assert first_words(pl.Series("line", ["a b", None])) is None  # nulls: polars answers


def test_top_ips_parse_takes_the_c_first_words(monkeypatch):
    from mkslog import scan
    from mkslog.formats import split

    calls = []
    native = split.first_words

    def counted(lines):
        calls.append(len(lines))
        return native(lines)

    monkeypatch.setattr("mkslog.parse.access.first_words", counted)
    path = str(ROOT / "sample_logs/nginx/mirai-knowledge-system-access.log")
    fast = scan(path, "timed").select("remote_addr").collect()
    monkeypatch.setenv(views.DISABLE_ENV, "1")
    slow = scan(path, "timed").select("remote_addr").collect()
    assert sum(calls) >= len(fast) > 1000 and fast.equals(slow)
