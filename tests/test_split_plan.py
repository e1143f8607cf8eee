"""Fields cut at the quotes of plain lines (mkslog.formats.split) equal what the format's whole regex
captures, checked with Python's ``re`` as an independent reader: on every access file of the real-log
corpus (tests/data/corpus, origins in its SOURCES.md) and on hostile lines modelled on what nginx,
Apache and gunicorn write when a value holds a quote or a backslash (``\\"`` in a user agent, a ``"``
in ``$remote_user``, a user agent ending in a backslash), which are valid but not plain and take the
capturing regex."""

import re
from pathlib import Path

import polars as pl
import pytest
from test_corpus_access import CASES, DATA

import mkslog
from mkslog.formats import compile_format
from mkslog.formats.split import split_plan

CANDIDATES = ["combined", "common", "main", "timed", "gunicorn"]


def _format_for(lines: list[str], spec):
    """The case's format, or (autodetected cases) the named format that matches most lines."""
    specs = spec if isinstance(spec, list) else [spec] if spec else CANDIDATES
    formats = [compile_format(s) for s in specs]
    return max(formats, key=lambda f: sum(bool(f.regex.match(line)) for line in lines))


def _oracle(fmt, line: str) -> dict[str, str] | None:
    m = fmt.regex.match(line)
    return None if m is None else m.groupdict()


@pytest.mark.parametrize(("name", "spec"), [(c[0], c[1]) for c in CASES], ids=[c[0] for c in CASES])
def test_the_cut_of_plain_lines_equals_the_whole_regex_on_the_corpus(name, spec):
    lines = (DATA / name).read_text(encoding="utf-8", errors="replace").splitlines()
    fmt = _format_for(lines, spec)
    plan = split_plan(fmt)
    if plan is None:
        pytest.skip(f"{fmt.name} has no quotes to cut at")
    plain = [line for line in lines if re.match(plan.pattern, line)]
    assert plain, "no plain line: the fast path would never run"
    assert all(_oracle(fmt, line) is not None for line in plain)  # plain implies valid
    cut = plan.take(pl.DataFrame({"line": plain}), fmt.fields)
    for row, line in zip(cut.iter_rows(named=True), plain, strict=True):
        expected = _oracle(fmt, line)
        assert {k: row[k] for k in expected} == expected, line


COMBINED = '{ip} - {user} [10/Oct/2026:13:55:36 +0900] "{request}" 200 512 "{referer}" "{agent}"'
HOSTILE = [
    # valid, not plain: an escaped quote inside the user agent (nginx escape=json, Apache)
    dict(ip="10.0.0.1", user="-", request="GET /a HTTP/1.1", referer="-", agent='Mozilla \\"quoted\\" x'),
    # valid, not plain: a quote in $remote_user (a token up to the next space)
    dict(ip="10.0.0.2", user='bad"user', request="GET /b HTTP/1.1", referer="-", agent="curl/8"),
    # valid, not plain: a user agent that ends in an escaped backslash
    dict(ip="10.0.0.3", user="-", request="GET /c?x=1 HTTP/1.1", referer="http://r/", agent="tool\\\\"),
    # plain, with non-ASCII and tabs inside quotes
    dict(ip="10.0.0.4", user="-", request="GET /日本 HTTP/1.1", referer="-", agent="エージェント\tx"),
    # plain: an empty request and an empty agent
    dict(ip="10.0.0.5", user="-", request="", referer="", agent=""),
]


def test_lines_that_are_valid_but_not_plain_give_the_same_values_as_the_whole_regex(tmp_path):
    fmt = compile_format("combined")
    lines = [COMBINED.format(**v) for v in HOSTILE]
    lines.insert(2, '10.0.0.9 - - [10/Oct/2026:13:55:36 +0900] "GET / HTTP/1.1" 200 5 "-" "un"closed"')  # invalid
    path = tmp_path / "hostile.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    stats = mkslog.ParseStats()
    df = mkslog.read(str(path), "combined", stats=stats)
    valid = [line for line in lines if _oracle(fmt, line) is not None]
    assert len(valid) == 5 and stats.total.rejected == 1 and stats.rejects()["line_no"].to_list() == [3]
    plain = [bool(re.match(split_plan(fmt).pattern, line)) for line in valid]
    assert plain == [False, False, False, True, True]  # both paths are exercised, in one chunk
    by_regex = [_oracle(fmt, line) for line in valid]
    assert df["remote_addr"].to_list() == [g["g0"] for g in by_regex]
    assert df["remote_user"].to_list() == [None if g["g1"] == "-" else g["g1"] for g in by_regex]
    assert df["user_agent"].to_list() == [g["g7"] or None for g in by_regex]
    assert df["referer"].to_list() == [None if g["g6"] in ("-", "") else g["g6"] for g in by_regex]
    assert df["line_no"].to_list() == [1, 2, 4, 5, 6]
    assert df["path"].to_list() == ["/a", "/b", "/c", "/日本", None]


def test_a_projection_and_the_full_parse_agree_on_a_mix_of_plain_and_escaped_lines(tmp_path):
    lines = [COMBINED.format(**v) for v in HOSTILE] * 3
    path = Path(tmp_path / "mix.log")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    full = mkslog.read(str(path), "combined").select("user_agent", "status", "line_no")
    projected = mkslog.scan(str(path), "combined").select("user_agent", "status", "line_no").collect()
    assert full.equals(projected) and len(full) == 15


@pytest.mark.parametrize("columns", [["remote_addr"], ["remote_user"], ["remote_addr", "remote_user", "line_no"]])
def test_leading_fields_cut_at_spaces_equal_the_full_parse_on_valid_lines_plain_or_not(tmp_path, columns):
    """top-ips takes the address as the line's first word (after the whole-line check): the same
    answer as the full parse on lines with quotes in remote_user and escaped agents."""
    lines = [COMBINED.format(**v) for v in HOSTILE] + ["not a line", '10.0.0.8 - "x y" [10/Oct/2026:13:55:36 +0900] "-" 1 1 "-" "-"']
    path = tmp_path / "mix.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    full_stats, projected_stats = mkslog.ParseStats(), mkslog.ParseStats()
    full = mkslog.read(str(path), "combined", stats=full_stats).select(columns)
    projected = mkslog.scan(str(path), "combined", stats=projected_stats).select(columns).collect()
    assert full.equals(projected) and len(full) == 5
    assert projected_stats.rejects()["line_no"].to_list() == full_stats.rejects()["line_no"].to_list() == [6, 7]
