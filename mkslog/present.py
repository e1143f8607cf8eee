"""Presenters: a polars DataFrame as a terminal table, JSON, CSV or Markdown, with untrusted text
made inert (control characters escaped; CSV cells guarded against formula injection).

JSON shape (stable, for scripts): a list of objects, one per row, keys = column names;
datetimes as ISO 8601 strings with offset. CSV: a header row, then one row per record.

>>> import polars as pl
>>> print(render(pl.DataFrame({"ip": ["=cmd|calc", "1.2.3.4"], "n": [2, 1]}), "csv"), end="")
ip,n
'=cmd|calc,2
1.2.3.4,1
"""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import date, datetime
from typing import Any

import polars as pl

from .cli_common import safe_text

FORMATS = ("table", "json", "csv", "markdown")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula, with control characters escaped."""
    if value is None:
        return ""
    text = _scalar(value)
    if isinstance(value, str) and text.startswith(_FORMULA_START):
        text = "'" + text
    return safe_text(text)


def _scalar(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) < 1e15 else str(value)
    return str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def render(df: pl.DataFrame, fmt: str = "table", *, title: str | None = None, terminal: bool | None = None) -> str:
    """``df`` as text in one of :data:`FORMATS`."""
    if fmt == "json":
        return json.dumps(df.to_dicts(), ensure_ascii=False, indent=2, default=_json_default) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow([csv_cell(c) for c in df.columns])
        for row in df.iter_rows():
            writer.writerow([csv_cell(v) for v in row])
        return buf.getvalue()
    if fmt == "markdown":
        head = "| " + " | ".join(df.columns) + " |\n|" + "|".join("---" for _ in df.columns) + "|\n"
        body = "".join(
            "| " + " | ".join(_cell(v).replace("|", "\\|") for v in row) + " |\n" for row in df.iter_rows()
        )
        return (f"### {safe_text(title)}\n\n" if title else "") + head + body
    terminal = sys.stdout.isatty() if terminal is None else terminal
    return _table(df, title, terminal)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S%z")
    return safe_text(value)


def _table(df: pl.DataFrame, title: str | None, terminal: bool) -> str:
    if terminal:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=safe_text(title) if title else None)
        for col in df.columns:
            numeric = df.schema[col].is_numeric()
            table.add_column(col, justify="right" if numeric else "left")
        for row in df.iter_rows():
            table.add_row(*(_cell(v).replace("[", "\\[") for v in row))
        console = Console(file=io.StringIO(), force_terminal=True, width=max(80, _width()))
        console.print(table)
        return console.file.getvalue()
    # plain aligned text when piped: easy to grep and diff
    cells = [[_cell(v) for v in row] for row in df.iter_rows()]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(df.columns)]
    right = [df.schema[c].is_numeric() for c in df.columns]
    def fmt_row(row):
        return "  ".join((v.rjust(w) if r else v.ljust(w)) for v, w, r in zip(row, widths, right, strict=True)).rstrip()
    lines = ([safe_text(title)] if title else []) + [fmt_row(df.columns)] + [fmt_row(r) for r in cells]
    return "\n".join(lines) + "\n"


def _width() -> int:
    import shutil

    return shutil.get_terminal_size((120, 40)).columns
