r"""Row formats for scripts: newline-delimited JSON (``nl``) and tab-separated values (``tsv``).

``nl``: one JSON object per row and line, the value rules of ``--as json`` (times ISO 8601 with
offset, NaN as null, every control character escaped, U+2028/U+2029 too, so no reader splits a
row). ``tsv``: a header row, then one line per row; in each cell ``\`` ``tab`` ``newline`` ``CR``
are written ``\\`` ``\t`` ``\n`` ``\r`` and every other control character ``\xNN`` (so a row is
one line and nothing in it drives a terminal); null and NaN are an empty cell; lists are joined
by ``, ``. Text cells get the formula guard of CSV (a leading ``'`` before ``= + - @``, so a
spreadsheet opening the file runs nothing), and a cell that starts with ``'`` gets one more, so
:func:`tsv_unescape` gives back the exact value: strip one leading ``'``, undo the escapes.
Read it with ``csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)`` and :func:`tsv_unescape`.

>>> import polars as pl
>>> df = pl.DataFrame({"path": ["/a\tb", "=cmd"], "n": [1, 2]})
>>> print(tsv_text(df).replace("\t", " | "), end="")
path | n
/a\tb | 1
'=cmd | 2
>>> [tsv_unescape(c) for c in ["/a\\tb", "'=cmd", "''quoted"]]
['/a\tb', '=cmd', "'quoted"]
"""

from __future__ import annotations

import json
import math
import re
from datetime import date, datetime
from typing import Any

import polars as pl

from ..text import FORMULA_REGEX

# json.dumps escapes C0 controls itself; DEL, the C1 controls (0x9b is an 8-bit CSI) and the two
# Unicode line separators (str.splitlines() splits on them) it leaves raw
_JSON_RAW = re.compile("[\x7f-\x9f\u2028\u2029]")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def no_nan(value: Any) -> Any:
    """``value`` with every NaN and infinity (also inside dicts and lists) as None: JSON has no NaN.

    >>> no_nan({"a": [float("nan"), 1.5]})
    {'a': [None, 1.5]}
    """
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: no_nan(v) for k, v in value.items()}
    if isinstance(value, list):
        return [no_nan(v) for v in value]
    return value


def json_text(value: Any, *, indent: int | None = None) -> str:
    r"""``value`` as JSON, indented or on one line, with every control character escaped.

    >>> json_text({"ua": "a" + chr(0x9b) + chr(0x2028)})
    '{"ua": "a\\u009b\\u2028"}'
    """
    text = json.dumps(no_nan(value), ensure_ascii=False, indent=indent, default=_json_default)
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def nl_text(rows: list[dict]) -> str:
    """One JSON object per row, one row per line.

    >>> print(nl_text([{"a": 1}, {"a": float("nan")}]), end="")
    {"a": 1}
    {"a": null}
    """
    return "".join(json_text(row) + "\n" for row in rows)


#: Each character a TSV cell writes otherwise: the backslash first, so escapes stay unambiguous;
#: the Unicode line separators too (str.splitlines() splits on them).
_TSV_FROM = ["\\", "\t", "\n", "\r", "\u2028", "\u2029"] + [
    chr(c) for c in [*range(0x00, 0x09), *range(0x0b, 0x0d), *range(0x0e, 0x20), *range(0x7f, 0xa0)]]
_TSV_TO = ["\\\\", "\\t", "\\n", "\\r", "\\u2028", "\\u2029"] + [f"\\x{ord(c):02x}" for c in _TSV_FROM[6:]]
_TSV_MAP = dict(zip(_TSV_FROM, _TSV_TO, strict=True))
_TSV_ESCAPE = re.compile("[" + re.escape("".join(_TSV_FROM)) + "]")
_TSV_UNESCAPE = re.compile(r"\\(\\|t|n|r|x[0-9a-f]{2}|u[0-9a-f]{4})")


def tsv_cell(text: str) -> str:
    r"""One text as a TSV cell, by the rules of :func:`tsv_column` (for headers and lone values).

    >>> tsv_cell("=a\tb")
    "'=a\\tb"
    """
    cell = _TSV_ESCAPE.sub(lambda m: _TSV_MAP[m.group()], text)
    return "'" + cell if re.match(FORMULA_REGEX, cell) or cell.startswith("'") else cell


def tsv_column(col: pl.Expr) -> pl.Expr:
    """A text column as TSV cells: escaped (one pass, Aho-Corasick) and guarded, null kept (empty)."""
    escaped = col.str.replace_many(_TSV_FROM, _TSV_TO)
    guard = escaped.str.contains(FORMULA_REGEX) | escaped.str.starts_with("'")
    return pl.when(guard).then(pl.lit("'") + escaped).otherwise(escaped)


#: The control characters :func:`mkslog.text.terminal_safe` escapes (all but tab and newline).
_TERMINAL_FROM = _TSV_FROM[6:]
_TERMINAL_TO = _TSV_TO[6:]


def inert_columns(lf: pl.LazyFrame) -> pl.LazyFrame:
    r"""Every text column of ``lf`` with its control characters shown as ``\xNN`` (tab and newline
    kept), vectorised: :func:`mkslog.text.terminal_safe` over millions of records.

    >>> inert_columns(pl.LazyFrame({"ua": ["a\x1b[2Jb\tc"], "n": [1]})).collect().row(0)
    ('a\\x1b[2Jb\tc', 1)
    """
    strings = [name for name, dtype in lf.collect_schema().items() if dtype == pl.String]
    return lf.with_columns(pl.col(c).str.replace_many(_TERMINAL_FROM, _TERMINAL_TO) for c in strings)


def tsv_columns(lf: pl.LazyFrame, time_format: str | None = None) -> pl.LazyFrame:
    """Every column of ``lf`` as the text of its TSV cells (vectorised: the same rules for a
    query's table and for ``parse``'s millions of records). ``time_format``: strftime of the
    datetime columns (None: they are already text)."""
    changes = []
    for name, dtype in lf.collect_schema().items():
        col = pl.col(name)
        if dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum):
            changes.append(tsv_column(col.cast(pl.String)))
        elif isinstance(dtype, pl.List):
            changes.append(tsv_column(col.list.eval(pl.element().cast(pl.String).fill_null(""))
                                      .list.join(", ")))
        elif isinstance(dtype, pl.Datetime | pl.Date) and time_format:
            changes.append(col.dt.to_string(time_format if isinstance(dtype, pl.Datetime) else "%Y-%m-%d"))
        elif dtype.is_float():
            changes.append(col.fill_nan(None).cast(pl.String))
        elif dtype == pl.Boolean:
            changes.append(pl.when(col).then(pl.lit("true")).when(~col).then(pl.lit("false")))
        else:
            changes.append(col.cast(pl.String))
    return lf.with_columns(change.alias(name) for change, name in zip(changes, lf.collect_schema(), strict=True))


def tsv_text(df: pl.DataFrame, *, headers: bool = True) -> str:
    """``df`` (times already text) as TSV, with a header row unless ``headers`` is False."""
    cells = tsv_columns(df.lazy()).collect()
    head = "\t".join(tsv_cell(c) for c in df.columns) + "\n" if headers else ""
    return head + "".join("\t".join("" if v is None else v for v in row) + "\n" for row in cells.iter_rows())


def tsv_unescape(cell: str) -> str:
    r"""The value a TSV cell holds: one leading ``'`` (the guard) removed, the escapes undone.

    >>> tsv_unescape(r"'-a\x1b\\n")
    '-a\x1b\\n'
    """
    if cell.startswith("'"):
        cell = cell[1:]
    return _TSV_UNESCAPE.sub(_unescape_one, cell)


def _unescape_one(match: re.Match) -> str:
    code = match.group(1)
    return {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}.get(code) or chr(int(code[1:], 16))


__all__ = ["inert_columns", "json_text", "nl_text", "no_nan", "tsv_cell", "tsv_column", "tsv_columns", "tsv_text", "tsv_unescape"]
