"""The C line checks (mkslog/native/linedfa.c over formats/bytedfa.py) give polars' regex answers.

Every line of the bundled sample logs and the copied corpus, under every built-in format's two
patterns; single-byte edits of real lines (quotes, backslashes, multi-byte characters, control
bytes, truncations); random patterns of the DFA's subset over random text with non-ASCII
characters; sliced and chunked Series; and tables that would read out of bounds.
"""

from __future__ import annotations

import random

import polars as pl
import pytest
from line_samples import real_lines

from mkslog.formats import compile_format, linematch, named_formats, views
from mkslog.formats.bytedfa import compile_dfa
from mkslog.formats.linematch import contains, native_available, tables
from mkslog.formats.split import split_plan

FORMATS = list(named_formats())


def patterns(name: str) -> list[str]:
    fmt = compile_format(name)
    return [fmt.pattern(set()), split_plan(fmt).pattern]


def polars_way(lines: pl.Series, pattern: str) -> list[bool]:
    return lines.str.contains(pattern).to_list()


def test_the_extension_is_built_and_used():
    """CI installs a C compiler: a missing extension would halve the speed without a word."""
    assert linematch.linedfa is not None and native_available()
    for name in FORMATS:
        assert all(compile_dfa(p) is not None for p in patterns(name))


@pytest.mark.parametrize("name", FORMATS)
def test_every_real_line_gets_polars_answer(name):
    lines = pl.Series("line", real_lines())
    assert len(lines) > 50000
    for pattern in patterns(name):
        got = contains(lines, pattern)
        assert got.dtype == pl.Boolean and got.name == "line"
        assert got.to_list() == polars_way(lines, pattern)


@pytest.mark.parametrize("name", ["timed", "main", "combined", "gunicorn"])
def test_edited_lines_get_polars_answer(name):
    rng = random.Random(name)
    base = [line for line in real_lines() if line.count('"') >= 6][:400]
    assert len(base) == 400
    alphabet = ['"', "\\", " ", "-", "[", "]", ":", "/", ".", "0", "9", "a", "\t", "\x00", "\x1b", "é", "日",
                "\U0001f600", "\r", "+", ","]
    edited = []
    for line in base:
        for _ in range(12):
            chars = list(line)
            at = rng.randrange(len(chars) + 1)
            choice = rng.random()
            if choice < 0.4:
                chars.insert(at, rng.choice(alphabet))
            elif choice < 0.7 and at < len(chars):
                chars[at] = rng.choice(alphabet)
            elif choice < 0.85 and at < len(chars):
                del chars[at]
            else:
                chars = chars[:at]
            edited.append("".join(chars))
    edited += ["", "x", '"', "1.2.3.4", "a" * 12, "a" * 13]  # empty, short (inline views) and long
    lines = pl.Series("line", base + edited)
    for pattern in patterns(name):
        assert contains(lines, pattern).to_list() == polars_way(lines, pattern)


def random_pattern(rng: random.Random, depth: int = 0) -> str:
    """A pattern of the subset: literals, classes (negated ones match non-ASCII), groups,
    alternation and every quantifier."""
    atoms = ["a", "b", " ", '"', r"\\", r"\.", "[0-9]", "[a-c]", "[^ ]", '[^"\\\\]', "[^a]", ".", "[+-]"]
    parts = []
    for _ in range(rng.randint(1, 3)):
        if depth < 1 and rng.random() < 0.3:
            inner = "|".join(random_pattern(rng, depth + 1) for _ in range(rng.randint(1, 3)))
            atom = f"(?:{inner})"
        else:
            atom = rng.choice(atoms)
        atom += rng.choice(["", "", "*", "+", "?", "{2}", "{1,3}", "{0,2}", "{2,}"])
        parts.append(atom)
    return "".join(parts)


def test_random_patterns_get_polars_answer():
    rng = random.Random(7)
    alphabet = ["a", "b", "c", " ", '"', "\\", ".", "0", "5", "+", "-", "é", "日", "\U0001f600", "\t"]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))) for _ in range(3000)]
    lines = pl.Series("line", texts)
    checked = 0
    for _ in range(200):
        body = random_pattern(rng)
        for pattern in (f"^{body}$", f"^{body}"):
            if compile_dfa(pattern) is None:
                continue
            checked += 1
            assert contains(lines, pattern).to_list() == polars_way(lines, pattern), pattern
    assert checked > 200


def test_a_dfa_too_large_for_two_byte_rows_gives_the_same_answers():
    # the C walk keeps rows in two bytes when every row fits (n_states * n_classes <= 65536) and
    # in four otherwise: a many-word alternation is past that line, a smaller one below it
    rng = random.Random(3)
    words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(12)) for _ in range(170)]
    texts = [f"{w} {rng.randint(0, 999)}" for w in words] + [f"{w[:-1]}x 7" for w in words] + ["", " 1"]
    lines = pl.Series("line", texts)
    for count, wide in ((170, True), (150, False)):
        pattern = "^(?:" + "|".join(words[:count]) + ") [0-9]+$"
        dfa = compile_dfa(pattern)
        assert (dfa.n_states * dfa.n_classes > 65536) is wide
        got = contains(lines, pattern).to_list()
        assert got == polars_way(lines, pattern)
        assert sum(got) >= count


@pytest.mark.parametrize("pattern", [r"^\d+$", r"^(?i)get$", "^é$", "a$", r"^\w", "^a**$", "^[[:alpha:]]$",
                                     "^a{1000}$", r"^\bx$"])
def test_patterns_outside_the_subset_take_polars_regex(pattern):
    assert compile_dfa(pattern) is None
    lines = pl.Series("line", ["١٢", "12", "GET", "get", "é", "xa", "a", "x"])
    try:
        expected = polars_way(lines, pattern)
    except pl.exceptions.ComputeError:
        return  # polars rejects it too
    assert contains(lines, pattern).to_list() == expected


def test_sliced_chunked_and_null_series():
    pattern = patterns("combined")[0]
    lines = pl.Series("line", real_lines()[-3000:])
    sliced = lines.slice(1234, 777)
    assert contains(sliced, pattern).to_list() == polars_way(sliced, pattern)
    chunked = pl.concat([lines.slice(0, 100), lines.slice(2000, 500), sliced], rechunk=False)
    assert chunked.n_chunks() == 3
    assert contains(chunked, pattern).to_list() == polars_way(chunked, pattern)
    with_null = pl.Series("line", [lines[0], None, "x"])
    assert contains(with_null, pattern).to_list() == polars_way(with_null, pattern)
    assert contains(with_null, pattern).to_list()[1] is None


def test_switched_off_gives_the_same_answers(monkeypatch):
    pattern = patterns("timed")[0]
    lines = pl.Series("line", real_lines()[-2000:])
    fast = contains(lines, pattern)
    monkeypatch.setenv(views.DISABLE_ENV, "1")
    assert not native_available()
    assert contains(lines, pattern).to_list() == fast.to_list()


def test_bad_tables_and_views_are_refused():
    t = tables(compile_dfa(patterns("combined")[0]))
    arrow = pl.Series(["a" * 40]).to_arrow(compat_level=pl.CompatLevel.newest())
    views, data = arrow.buffers()[1], tuple(arrow.buffers()[2:])
    match = linematch.linedfa.match_views

    def call(**changes):
        args = dict(views=views, buffers=data, offset=0, length=1, classes=t.classes, next=t.next,
                    n_classes=t.n_classes, start=t.start, special=t.special, accept=t.accept, accel=t.accel,
                    whole=t.whole)
        args.update(changes)
        return match(*args.values())

    assert call() == (b"\x00", 0)
    for changes in ({"classes": b"\xff" * 256}, {"next": b"\xff" * len(t.next)}, {"start": 1},
                    {"length": 2}, {"buffers": ()}, {"classes": b"\x00" * 10}, {"special": 0}):
        with pytest.raises(ValueError):
            call(**changes)


@pytest.mark.parametrize("kind", ["app", "nginx-error", "gunicorn-error", "health", "metrics", "backup", "journal"])
def test_record_starts_get_polars_answer(kind):
    """The record kinds' start patterns (matched as prefixes: no ``$``) and header cuts."""
    from mkslog.parse.records import record_format

    rf = record_format(kind)
    lines = pl.Series("line", [*real_lines(), "\x1b[31m2026-11-23 00:00:00,396 INFO x: y", "2026-11-23 00:00"])
    cut = rf.extra.get("header_cut")
    for pattern in [rf.start] + ([cut.pattern] if cut is not None else []):
        assert contains(lines, pattern).to_list() == polars_way(lines, pattern), pattern


def test_a_parse_checks_its_lines_in_c(monkeypatch):
    """The equalities above would also hold if contains never reached the C loop: count its calls."""
    from pathlib import Path
    from types import SimpleNamespace

    from mkslog.parse.pipeline import parse_file

    log = Path(__file__).resolve().parent.parent / "sample_logs/nginx/mirai-knowledge-system-access.log"
    calls, real = [], linematch.linedfa

    def counted(*args):
        calls.append(1)
        return real.match_views(*args)

    monkeypatch.setattr(linematch, "linedfa", SimpleNamespace(match_views=counted))
    frame = parse_file(str(log), "access", "timed")
    assert len(frame) > 1000 and calls


def test_the_clf_time_regex_takes_29_feb_in_leap_years_only():
    """A query without ``ts`` trusts the regex of $time_local for real dates: over every year
    0000-9999 the C check, polars' regex and both timestamp readers agree with the calendar."""
    import calendar

    from mkslog.formats.clocktimes import clf_clock
    from mkslog.formats.fields import CLF_TIME

    years = range(10000)
    stamps = pl.Series("t", [f"29/Feb/{y:04d}:00:00:00 +0000" for y in years])
    leap = [calendar.isleap(y) for y in years]
    pattern = f"^{CLF_TIME}$"
    assert contains(stamps, pattern).to_list() == polars_way(stamps, pattern) == leap
    read = stamps.str.strptime(pl.Datetime("us", "UTC"), "%d/%b/%Y:%H:%M:%S %z", strict=False)
    assert read.is_not_null().to_list() == leap
    clock = clf_clock(stamps, "c")
    assert clock is None or clock.struct.field(clock.struct.fields[0]).is_not_null().to_list() == leap
    others = pl.Series("t", [f"{d}/{m}/2027:00:00:00 +0000" for d in ("28", "29", "30", "31")
                             for m in ("Jan", "Feb", "Mar", "Apr")])
    assert contains(others, pattern).to_list() == polars_way(others, pattern) == [
        True, True, True, True, True, False, True, True, True, False, True, True, True, False, True, False]
