"""Where the records of a chunk of a multi-line log start, and the counts that tell a format that
does not fit: every line is tested against the format's record-start regex (a line the header
cut vouches for needs no second test), lines that begin with a timestamp yet start no record are
counted, and after a whole file :func:`check_record_starts` turns the counts into warnings.

>>> from mkslog.parse.records import record_format
>>> from mkslog.sources import Chunk
>>> rf = colourless_format(record_format("app"))
>>> lines, invalid = record_starts(Chunk(b"2026-11-18 14:05:00,123 ERROR app.api: boom\\n  more\\n", 1, 0), rf)
>>> lines.get_column("start").to_list(), lines.get_column("__vouched").to_list(), invalid
([True, False], [True, False], 0)
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from ..formats.asctime import colourless
from ..formats.linematch import contains
from ..formats.pywords import HeaderCut
from ..formats.record import RecordFormat
from ..sources import Chunk
from .lines import numbered_lines
from .stats import ParseStats

#: A line that begins with a timestamp, in any common layout (after colour codes): counted per
#: file to warn when far fewer lines start records (a format or datefmt that does not fit).
TS_PREFIX = r"^(?:\x1b\[[0-9;]*m)*\[?[0-9]{4}[-/][0-9]{2}[-/][0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}"


def record_starts(chunk: Chunk, rf: RecordFormat) -> tuple[pl.DataFrame, int]:
    """The chunk's lines (line_no, line) with their ``start`` flag, and its count of invalid UTF-8 lines.

    With a header cut (:mod:`mkslog.formats.pywords`), each line is checked against the cut's
    pattern first, into ``__vouched``: a line it vouches for starts a record (the pattern is the
    format's header with every field narrowed, and the start is that header's beginning), so the
    start regex runs only on the other lines, and the first lines are not checked a second time
    for the cut (one check of the first lines less: 14 ms per 100k records)."""
    lines, invalid = numbered_lines(chunk)
    line = lines.get_column("line")
    cut = header_cut_of(rf)
    if cut is None:
        return lines.with_columns(contains(line, rf.start).alias("start")), invalid
    vouched = contains(line, cut.pattern)
    others = (~vouched).arg_true()
    start = vouched.clone().scatter(others, contains(line.gather(others), rf.start)) if len(others) else vouched
    return lines.with_columns(start.alias("start"), vouched.alias("__vouched")), invalid


def header_cut_of(rf: RecordFormat) -> HeaderCut | None:
    """The header cut of ``rf`` where it applies: a chunk without colour codes (its pattern has none)."""
    return rf.extra.get("header_cut") if rf.extra.get("colourless") else None


def count_starts(flagged: pl.DataFrame, chunk: Chunk, stats: ParseStats, name: str) -> None:
    """Count record starts, lines that begin with a timestamp yet start none, and (in a file's
    first chunk) the lines of its orphan record: the evidence of a format that does not fit."""
    start = flagged.get_column("start")
    # continuation lines only: the timestamp test runs on the few lines that start no record
    missed = flagged.filter(~pl.col("start")).filter(pl.col("line").str.contains(TS_PREFIX)).select("line_no", "line")
    orphan = 0
    if chunk.offset == 0:
        first = start.arg_true()
        orphan = int(first[0]) if len(first) else len(flagged)
    stats.count_starts(name, starts=int(start.sum()), missed=len(missed),
                       first_missed=missed.row(0) if len(missed) else None, orphan_lines=orphan)


_COLOURLESS: dict[int, tuple[RecordFormat, RecordFormat]] = {}


def colourless_format(rf: RecordFormat) -> RecordFormat:
    """``rf`` for chunks without an ESC byte: its regexes without the colour codes they skip
    (:func:`mkslog.formats.asctime.colourless`); the same records, found faster.

    >>> from mkslog.parse.records import record_format
    >>> colourless_format(record_format("app")).start.startswith("^(?:[0-9]{4}")
    True
    """
    if id(rf) not in _COLOURLESS:  # the format is kept with its variant: its id cannot be reused
        if len(_COLOURLESS) > 256:
            _COLOURLESS.clear()
        plain = replace(rf, start=colourless(rf.start), pattern=colourless(rf.pattern),
                        partial=colourless(rf.partial) if rf.partial else None, extra={**rf.extra, "colourless": True})
        _COLOURLESS[id(rf)] = (rf, plain)
    return _COLOURLESS[id(rf)][1]


def check_record_starts(stats: ParseStats, name: str, rf: RecordFormat) -> None:
    """After a whole file: the warnings of :meth:`ParseStats.check_record_starts` for ``rf``."""
    hint = ("give the format (format=/--log-format) and its datefmt" if rf.kind == "app"
            else "check that the file is a " + rf.kind + " log (kind=/--kind)")
    stats.check_record_starts(name, rf.name, hint)


__all__ = ["TS_PREFIX", "check_record_starts", "colourless_format", "count_starts", "header_cut_of", "record_starts"]
