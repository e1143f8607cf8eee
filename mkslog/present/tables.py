"""Presenters: a polars DataFrame as a terminal table, JSON, CSV or Markdown, with untrusted text
made inert once per target by :mod:`mkslog.text`: control characters escaped everywhere, CSV cells
guarded against formula injection, Markdown cells with HTML and ``|`` escaped, and terminal tables
built from ``rich.text.Text`` (log text is never read as rich markup, so ``[link=...]`` in a path
stays text and never becomes a terminal hyperlink).

JSON shape (stable, for scripts): a list of objects, one per row, keys = column names;
datetimes as ISO 8601 strings with offset, lists as arrays, NaN as null, control characters as
``\\uXXXX`` escapes. A one-row result (a summary) is one object (:func:`render_record`), several
tables one object keyed by section (:func:`render_sections`). CSV: a header row, then one row per
record; lists joined by ``, ``.

>>> import polars as pl
>>> print(render(pl.DataFrame({"ip": ["=cmd|calc", "1.2.3.4"], "n": [2, 1]}), "csv"), end="")
ip,n
'=cmd|calc,2
1.2.3.4,1
"""

from __future__ import annotations

import csv
import io
import math
import re
import sys
from datetime import date, datetime
from typing import Any

import polars as pl

from ..text import csv_safe, markdown_safe, one_line, terminal_safe
from .rows import json_text, nl_text, tsv_text
from .widths import display_width, fit, plan_widths

#: The output formats of a table: ``nl`` is newline-delimited JSON (one object per row), ``tsv``
#: tab-separated values (:mod:`mkslog.present.rows`).
FORMATS = ("table", "json", "csv", "markdown", "nl", "tsv")
#: The formats that hold one table (several sections need JSON, a table or Markdown).
ONE_TABLE = ("csv", "tsv", "nl")


def csv_cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula, with control characters escaped.
    A list becomes its items joined by ``, ``."""
    if value is None:
        return ""
    text = _scalar(value)
    # only text is guarded: a negative number is a number, not a formula
    return csv_safe(text) if isinstance(value, str | list | tuple) else terminal_safe(text)


def _scalar(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) < 1e15 else str(value)
    if isinstance(value, list | tuple):
        return ", ".join("" if v is None else _scalar(v) for v in value)
    return str(value)


def to_json(value: Any) -> str:
    r"""``value`` as indented JSON with every control character escaped (``\u001b``, ``\u009b``),
    datetimes as ISO 8601 with offset, NaN as null.

    >>> to_json({"ua": "a" + chr(0x1b) + "[2J" + chr(0x9b)}).split(": ")[1]
    '"a\\u001b[2J\\u009b"\n}\n'
    """
    return json_text(value, indent=2) + "\n"


#: The instants (epoch seconds, UTC) that are a Python datetime in every timezone: years 1 to 9999
#: with a day to spare for the offset. A year 0 or 10000 that reached a result is beyond them.
PY_FIRST, PY_LAST = -62135510400, 253402214399  # 0001-01-02T00:00:00Z, 9999-12-30T23:59:59Z


def far_times_as_text(df: pl.DataFrame, *, iso: bool) -> pl.DataFrame:
    """``df`` with each Datetime or Date column that holds a value Python has no datetime for (year
    0, 10000) turned into text by polars, as the presenters write times: ISO 8601 (``iso``: JSON,
    CSV) or ``YYYY-mm-dd HH:MM:SS+zzzz`` (tables). Other frames are returned as they are: the value
    is shown as it is, never a crash.

    >>> far = pl.DataFrame({"ts": ["0000-01-01T09:00:00Z", "2026-11-22T00:00:00.5Z"]})
    >>> far = far.with_columns(pl.col("ts").str.to_datetime(time_zone="UTC"))
    >>> far_times_as_text(far, iso=True)["ts"].to_list()
    ['0000-01-01T09:00:00+00:00', '2026-11-22T00:00:00.500000+00:00']
    >>> far_times_as_text(far, iso=False)["ts"].to_list()
    ['0000-01-01 09:00:00+0000', '2026-11-22 00:00:00+0000']
    """
    changes = []
    for name, dtype in df.schema.items():
        if not isinstance(dtype, pl.Datetime | pl.Date):
            continue
        col = pl.col(name)
        seconds = col.dt.epoch("s")
        if not df.select(((seconds < PY_FIRST) | (seconds > PY_LAST)).any()).item():
            continue
        if isinstance(dtype, pl.Date):
            changes.append(col.dt.to_string("%Y-%m-%d"))
            continue
        zone = "%:z" if iso else "%z"
        zone = zone if dtype.time_zone else ""
        whole = f"%Y-%m-%dT%H:%M:%S{zone}" if iso else f"%Y-%m-%d %H:%M:%S{zone}"
        if iso:  # as datetime.isoformat(): microseconds only when there are some
            fraction = f"%Y-%m-%dT%H:%M:%S%.6f{zone}"
            changes.append(pl.when(col.dt.microsecond() == 0).then(col.dt.to_string(whole))
                           .otherwise(col.dt.to_string(fraction)).alias(name))
        else:
            changes.append(col.dt.to_string(whole))
    return df.with_columns(changes) if changes else df


def iso_time(value: datetime) -> str:
    """One time as ISO 8601 with its offset, to the precision it has (seconds, ms or µs).

    >>> from zoneinfo import ZoneInfo
    >>> iso_time(datetime(2026, 11, 19, 3, 0, 9, tzinfo=ZoneInfo("Asia/Tokyo")))
    '2026-11-19T03:00:09+09:00'
    """
    micro = value.microsecond
    return value.isoformat(timespec="seconds" if micro == 0 else "milliseconds" if micro % 1000 == 0 else "microseconds")


def times_as_text(df: pl.DataFrame) -> pl.DataFrame:
    """Every datetime column as ISO 8601 text with its offset (``2026-11-19T03:00:09+09:00``), one
    precision for all of them: seconds, unless a value has a fraction (then ms, or µs when needed),
    so no column mixes ``09`` and ``09.120``, and ``first_seen`` and ``last_seen`` agree.

    >>> t = pl.datetime_range(pl.datetime(2026, 1, 1, time_zone="UTC"), pl.datetime(2026, 1, 1, 0, 0, 1, time_zone="UTC"),
    ...                       "500ms", eager=True)
    >>> times_as_text(pl.DataFrame({"ts": t, "first": t.dt.truncate("1s")})).row(1)
    ('2026-01-01T00:00:00.500+00:00', '2026-01-01T00:00:00.000+00:00')
    """
    times = [name for name, dtype in df.schema.items() if isinstance(dtype, pl.Datetime)]
    if not times:
        return df
    micros = pl.concat([df[name].dt.microsecond().drop_nulls() for name in times])
    frac = "" if (micros == 0).all() else "%.3f" if (micros % 1000 == 0).all() else "%.6f"
    return df.with_columns(
        pl.col(name).dt.to_string(f"%Y-%m-%dT%H:%M:%S{frac}" + ("%:z" if df.schema[name].time_zone else ""))
        for name in times
    )


def render(df: pl.DataFrame, fmt: str = "table", *, title: str | None = None, terminal: bool | None = None,
           headers: bool = True, max_width: int | None = None) -> str:
    """``df`` as text in one of :data:`FORMATS`; times as :func:`times_as_text` writes them.
    ``headers``: False leaves out the header row (and a table's title) of a table, CSV and TSV.
    ``max_width``: a table's width in terminal cells, 0 for no limit, None for the terminal's
    width on a terminal and no limit otherwise (:mod:`mkslog.present.widths` says which columns
    may shrink: never an address, a path, a time or a number)."""
    numbers = _decimals(df)  # before the times become text: a table's number columns keep their types
    types = dict(df.schema)
    df = times_as_text(df)
    if fmt == "json":
        return to_json(df.to_dicts())
    if fmt == "nl":
        return nl_text(df.to_dicts())
    if fmt == "tsv":
        return tsv_text(df, headers=headers)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        if headers:
            writer.writerow([csv_cell(c) for c in df.columns])
        for row in df.iter_rows():
            writer.writerow([csv_cell(v) for v in row])
        return buf.getvalue()
    if fmt == "markdown":
        # a Markdown renderer with HTML enabled would run a <script> from a log: every cell, header
        # and the title are escaped for it (markdown_safe: HTML, |, controls, one line)
        head = ("| " + " | ".join(markdown_safe(c) for c in df.columns) + " |\n|"
                + "|".join("---" for _ in df.columns) + "|\n")
        body = "".join(
            "| " + " | ".join(markdown_safe(_cell(v, c, numbers.get(c))) for v, c in zip(row, df.columns, strict=True))
            + " |\n" for row in df.iter_rows()
        )
        return (f"### {markdown_safe(title)}\n\n" if title else "") + head + body
    if fmt != "table":
        raise ValueError(f"unknown output format {fmt!r}: give one of {', '.join(FORMATS)}")
    terminal = sys.stdout.isatty() if terminal is None else terminal
    if max_width is None:
        max_width = _width() if terminal else 0
    return _table(df, title if headers else None, terminal, numbers, types, headers=headers, limit=max_width)


#: Columns holding a fraction of 1, shown as percentages in tables (JSON and CSV keep the fraction).
_RATIO = re.compile(r"(^|_)(share|rate|ratio)($|_)")


def _decimals(df: pl.DataFrame) -> dict[str, int]:
    """Per float column, the decimals (0 to 3) that show every value of it to the millisecond-ish
    precision of 3 places: one precision per column (``45``, ``302.9``, ``1,736`` become ``45.0``,
    ``302.9``, ``1,736.0``), never ``45.000`` above ``1,736``.

    >>> _decimals(pl.DataFrame({"a": [45.0, 302.9, 1736.0], "c": [0.12345, 1.0, 2.0], "n": [1, 2, 3]}))
    {'a': 1, 'c': 3}
    """
    out = {}
    for name, dtype in df.schema.items():
        if not dtype.is_float():
            continue
        values = df[name].filter(df[name].is_finite())
        at3 = values.round(3)
        out[name] = next((d for d in range(3) if values.is_empty() or ((at3 - values.round(d)).abs() < 1e-9).all()), 3)
    return out


def _cell(value: Any, column: str = "", decimals: int | None = None) -> str:
    """The text of one cell for people, not yet escaped: each target escapes it its own way.
    ``decimals``: the column's precision (:func:`_decimals`); a lone value gets up to 3."""
    if value is None:
        return "-"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "-"
        if _RATIO.search(column):
            return f"{value:.2%}"
        if decimals is None:
            decimals = next(d for d in range(4) if d == 3 or abs(round(value, 3) - round(value, d)) < 1e-9)
        return f"{value:,.{decimals}f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, datetime):
        return iso_time(value)
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value)
    return str(value)


def render_record(df: pl.DataFrame, fmt: str = "table", *, title: str | None = None,
                  terminal: bool | None = None, headers: bool = True, max_width: int | None = None) -> str:
    """A one-row frame (a summary) as ``field | value`` lines for people; for scripts, JSON is one
    object (not a list) and CSV a header row and one value row.

    >>> print(render_record(pl.DataFrame({"requests": [3], "top_ip": ["a"]}), "table", terminal=False), end="")
    field     value
    requests  3
    top_ip    a
    """
    df = times_as_text(df)
    if fmt == "json":
        return to_json(df.to_dicts()[0] if df.height else {})
    if fmt in ("csv", "tsv", "nl"):
        return render(df, fmt, headers=headers)
    row = df.row(0) if df.height else [None] * df.width
    pairs = pl.DataFrame({"field": df.columns, "value": [_cell(v, c) for v, c in zip(row, df.columns, strict=True)]})
    return render(pairs, fmt, title=title, terminal=terminal, headers=headers, max_width=max_width)


def render_sections(sections: dict[str, pl.DataFrame], fmt: str = "table", *, title: str | None = None,
                    terminal: bool | None = None, records: tuple[str, ...] = (), headers: bool = True,
                    max_width: int | None = None) -> str:
    """Several frames under one title (``mkslog ip``). JSON is one object keyed by section (each a list
    of rows; a section named in ``records`` is one object, or null when empty); tables and
    Markdown print the sections one after another. CSV holds one table: render one section."""
    if fmt == "json":
        sections = {name: times_as_text(df) for name, df in sections.items()}
        doc = {name: (df.to_dicts()[0] if df.height else None) if name in records else df.to_dicts()
               for name, df in sections.items()}
        return to_json(doc)
    if fmt in ONE_TABLE:
        raise ValueError(f"{fmt} holds one table: render one section")
    parts = []
    for name, df in sections.items():
        heading = f"{title}: {name}" if title else name
        if name in records:
            parts.append(render_record(df, fmt, title=heading, terminal=terminal, headers=headers,
                                       max_width=max_width))
        else:
            parts.append(render(df, fmt, title=heading, terminal=terminal, headers=headers, max_width=max_width))
    return "\n".join(parts)


def _table(df: pl.DataFrame, title: str | None, terminal: bool, numbers: dict[str, int],
           types: dict[str, pl.DataType], *, headers: bool, limit: int) -> str:
    # one line per row: newlines and tabs are shown escaped, like every other control character
    columns = [one_line(c) for c in df.columns]
    cells = [[one_line(_cell(v, c, numbers.get(c))) for v, c in zip(row, df.columns, strict=True)]
             for row in df.iter_rows()]
    heads = [display_width(c) if headers else 0 for c in columns]
    natural = [max([heads[i]] + [display_width(r[i]) for r in cells]) for i in range(len(columns))]
    right = [df.schema[c].is_numeric() for c in df.columns]
    # a rich table: a border before each column and after the last, one space of padding each side
    overhead = 3 * len(columns) + 1 if terminal else 2 * max(len(columns) - 1, 0)
    widths = plan_widths(list(df.columns), [types[c] for c in df.columns], natural, limit=limit or None,
                         overhead=overhead, headers=heads)
    cells = [[fit(v, w) for v, w in zip(row, widths, strict=True)] for row in cells]
    if terminal:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        # Text objects, never markup strings: rich would turn "[link=http://evil/]" from a log (or
        # a column named after log text) into a real OSC 8 hyperlink; escaping "[" is not enough
        # (a "\\" before it in the log undoes the escape)
        table = Table(title=Text(one_line(title)) if title else None, show_header=headers)
        for col, width, numeric in zip(columns, widths, right, strict=True):
            # the width is ours (widths.plan_widths): rich must neither wrap nor cut a kept column
            table.add_column(Text(col), justify="right" if numeric else "left", width=width, no_wrap=True)
        for row in cells:
            table.add_row(*(Text(v) for v in row))
        total = sum(widths) + overhead
        console = Console(file=io.StringIO(), force_terminal=True, width=max(total, limit or total))
        console.print(table)
        return console.file.getvalue()
    # plain aligned text when piped: easy to grep and diff

    def fmt_row(row):
        return "  ".join(_pad(v, w, r) for v, w, r in zip(row, widths, right, strict=True)).rstrip()
    lines = ([one_line(title)] if title else []) + ([fmt_row(columns)] if headers else [])
    return "\n".join(lines + [fmt_row(r) for r in cells]) + "\n"


def _pad(text: str, width: int, right: bool) -> str:
    """``text`` padded to ``width`` terminal cells (a CJK character takes two)."""
    pad = " " * max(width - display_width(text), 0)
    return pad + text if right else text + pad


def _width() -> int:
    import shutil

    return shutil.get_terminal_size((120, 40)).columns
