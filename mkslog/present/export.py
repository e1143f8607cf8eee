"""Write a parsed LazyFrame to Parquet, CSV or JSON Lines, streaming (bounded memory).

CSV cells that a spreadsheet would run as a formula (starting ``= + - @``) get a leading ``'``.

>>> import polars as pl, tempfile, os
>>> p = os.path.join(tempfile.mkdtemp(), "x.csv")
>>> export(pl.LazyFrame({"ua": ["=HYPERLINK(1)", "ok"]}), p)
>>> open(p).read()
"ua\\n'=HYPERLINK(1)\\nok\\n"
"""

from __future__ import annotations

import os

import polars as pl

from ..errors import OutputError
from ..text import FORMULA_REGEX

#: CSV times: ISO 8601 with the zone's offset as +09:00 (not +0900), milliseconds always (a stream
#: cannot look ahead to see whether a column needs them: one precision per column).
CSV_TIME = "%Y-%m-%dT%H:%M:%S%.3f%:z"


def guard_formulas(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Every text column of ``lf`` with a leading ``'`` where a spreadsheet would see a formula
    (the cell starts as :data:`mkslog.text.FORMULA_REGEX` says); other columns as they are.

    >>> guard_formulas(pl.LazyFrame({"ua": ["@SUM(A1)", "curl"], "n": [-1, 2]})).collect().rows()
    [("'@SUM(A1)", -1), ('curl', 2)]
    """
    strings = [name for name, dtype in lf.collect_schema().items() if dtype == pl.String]
    return lf.with_columns(
        pl.when(pl.col(c).str.contains(FORMULA_REGEX)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in strings
    )


#: The file kinds :func:`export` writes, by extension.
EXPORT_SUFFIXES = (".parquet", ".csv", ".jsonl", ".ndjson")


def check_export_path(path: str | os.PathLike) -> str:
    """``path`` when :func:`export` can tell its kind from the extension, else an error saying how to fix it.

    >>> check_export_path("records.txt")
    Traceback (most recent call last):
    ...
    mkslog.errors.OutputError: cannot tell the output kind of records.txt: end it with .parquet, .csv or .jsonl
    """
    path = os.fspath(path)
    if not path.endswith(EXPORT_SUFFIXES):
        raise OutputError(f"cannot tell the output kind of {path}: end it with .parquet, .csv or .jsonl")
    return path


def export(lf: pl.LazyFrame, path: str | os.PathLike) -> None:
    """Stream ``lf`` into ``path``; the kind follows the extension. Written to a temporary name
    and renamed, so a failed export leaves no half file. Times are ISO 8601 with the offset of
    their zone (``2026-11-19T03:00:09.000+09:00`` in CSV), as the query commands write them."""
    path = check_export_path(path)
    tmp = f"{path}.part"
    if path.endswith(".parquet"):
        sink = lambda: lf.sink_parquet(tmp)  # noqa: E731
    elif path.endswith(".csv"):
        sink = lambda: guard_formulas(lf).sink_csv(tmp, datetime_format=CSV_TIME)  # noqa: E731
    elif path.endswith((".jsonl", ".ndjson")):
        sink = lambda: lf.sink_ndjson(tmp)  # noqa: E731
    try:
        sink()
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
