"""What the record parser (:mod:`mkslog.parse.records`) reads with: a :class:`RecordFormat` (a
record-start regex, a line regex with named groups, polars converters), and the local-time helpers
the formats share. Every record kind compiles to one: the fixed layouts (:mod:`mkslog.formats.layout`),
the journal, Python ``logging`` formats (:mod:`mkslog.formats.pylogging`).

>>> import polars as pl
>>> pl.select(parse_local(pl.lit("2026-11-18 14:05:00"), "%Y-%m-%d %H:%M:%S", "Asia/Tokyo")).item().hour
5
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

TS = pl.Datetime("us", "UTC")
Converter = Callable[[str], list[pl.Expr]]


@dataclass(frozen=True)
class Vocabulary:
    """Every value ``column`` of a format can hold: ``names``, each written in the record's first
    line as itself, and values beyond them (``Level 5``) whose text holds one of ``open_needles``.
    The record parser drops first lines that hold none of the values a query's filter keeps
    (:mod:`mkslog.parse.prefilter`) before it parses anything."""

    column: str
    names: tuple[str, ...]
    open_needles: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordFormat:
    """A log format the record parser understands.

    ``start``: regex (no captures) that a line starting a record matches; ``pattern``: regex with
    named groups over such a line; ``convert(source_tz)``: expressions from the group columns to the
    typed ``schema`` columns. ``multiline``: lines not matching ``start`` continue the record above
    (else they are rejects). ``tail``: optional regex with named groups, tried on the last line of
    a multi-line record to fill columns the first line lacked (nginx puts ``client: ...`` after a
    multi-line FastCGI message). ``expect``: the layout in words, for reject reasons. ``rest``:
    when set, ``pattern`` stops before the last field and that field (named ``rest``) is the rest
    of the line: capturing a long message through the regex engine costs per character, slicing
    does not. ``partial``: optional regex over a first line that starts a record but does not
    match ``pattern``; its groups fill the same-named columns (the fields it does have).
    ``vocabulary``: optional, the values a column can hold and how they are written; ``verbatim``:
    the columns whose values stand in the first line as they are (both: :mod:`mkslog.parse.prefilter`).
    ``specialize(matched, source_tz)``: optional, converters for one chunk's groups that are
    cheaper because of what its values are (every timestamp in one layout), or None. ``extra``:
    what a format kind keeps beside (a Python logging format: ``logformat``, ``header_cut``, the
    :class:`~mkslog.formats.pywords.HeaderCut` of its first lines; the colour-free variant the
    record parser makes of a format: ``colourless``).
    """

    name: str
    kind: str
    start: str
    pattern: str
    schema: dict[str, pl.DataType]
    convert: Converter
    multiline: bool = True
    tail: str | None = None
    expect: str = ""
    rest: str | None = None
    partial: str | None = None
    vocabulary: Vocabulary | None = None
    #: columns whose values are written in a record's first line as they are (a message, a logger)
    verbatim: frozenset[str] = frozenset()
    specialize: Callable[[pl.DataFrame, str], list[pl.Expr] | None] | None = field(default=None, compare=False)
    extra: dict = field(default_factory=dict, compare=False, hash=False)


def local_to_utc(naive: pl.Expr, source_tz: str) -> pl.Expr:
    """A naive local datetime of ``source_tz`` as a UTC instant. In a DST fold the earlier instant
    is taken; a time in a DST gap (that no clock showed) becomes null."""
    return naive.dt.replace_time_zone(source_tz, ambiguous="earliest", non_existent="null").dt.convert_time_zone(
        "UTC"
    )


def parse_local(text: pl.Expr, chrono_format: str, source_tz: str) -> pl.Expr:
    """Text in ``chrono_format`` (no offset) read as local time of ``source_tz``; invalid dates give null."""
    return local_to_utc(text.str.strptime(pl.Datetime("us"), chrono_format, strict=False), source_tz)


__all__ = ["TS", "RecordFormat", "Vocabulary", "local_to_utc", "parse_local"]
