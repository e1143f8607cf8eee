"""An access line longer than 1 MiB (MAX_LINE_BYTES) is a counted reject before any check or cut
sees it, whose kept text is its first 4096 characters; a line of exactly the limit still parses; the lines
around it parse as before, in top-ips' projection and in a full parse."""

from __future__ import annotations

import polars as pl
import pytest

from mkslog.parse.access import KEPT_CHARS, MAX_LINE_BYTES
from mkslog.parse.pipeline import parse_file
from mkslog.parse.stats import ParseStats

HEAD = '1.2.3.4 - - [22/Nov/2026:00:00:05 +0900] "GET /'
TAIL = ' HTTP/1.1" 200 5 "-" "curl/8" 0.1 0.1'


def line_of(size: int, filler: str = "a") -> str:
    body = size - len(HEAD) - len(TAIL)
    return HEAD + filler * (body // len(filler.encode())) + "b" * (body % len(filler.encode())) + TAIL


@pytest.mark.parametrize("columns", [None, ["remote_addr"]])
def test_a_line_over_the_limit_is_a_counted_reject(tmp_path, columns):
    ok = line_of(200)
    lines = [ok, line_of(MAX_LINE_BYTES), line_of(MAX_LINE_BYTES + 1), ok, line_of(3 * MAX_LINE_BYTES, "é")]
    path = tmp_path / "long.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert [len(x.encode()) for x in lines[1:3]] == [MAX_LINE_BYTES, MAX_LINE_BYTES + 1]
    stats = ParseStats()
    frame = parse_file(str(path), "access", "timed", stats=stats)
    assert stats.total.lines == 5 and stats.total.parsed == 3 and stats.total.rejected == 2
    assert frame.get_column("remote_addr").to_list() == ["1.2.3.4"] * 3
    assert frame.get_column("path").str.len_bytes().max() == MAX_LINE_BYTES - len(HEAD) - len(TAIL) + 1
    rejects = stats.rejects()
    assert rejects.get_column("line_no").to_list() == [3, 5]
    assert rejects.get_column("reason").str.starts_with("line longer than 1 MiB").all()
    assert f"({MAX_LINE_BYTES + 1} bytes)" in rejects.get_column("reason")[0]
    kept = rejects.get_column("line").to_list()
    assert kept == [lines[2][:KEPT_CHARS], lines[4][:KEPT_CHARS]]


def test_top_ips_counts_around_a_huge_line(tmp_path):
    from mkslog import scan

    path = tmp_path / "huge.log"
    path.write_text("\n".join([line_of(300), line_of(5 * MAX_LINE_BYTES), line_of(300)]) + "\n", encoding="utf-8")
    stats = ParseStats()
    top = scan(str(path), "timed", stats=stats).select("remote_addr").collect()
    assert top.get_column("remote_addr").to_list() == ["1.2.3.4", "1.2.3.4"]
    assert (stats.total.parsed, stats.total.rejected) == (2, 1)
    assert stats.rejects().select("line_no", pl.col("reason").str.head(22)).row(0) == (2, "line longer than 1 MiB")
