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

from ..errors import MkslogError
from ..text import FORMULA_REGEX


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


def export(lf: pl.LazyFrame, path: str | os.PathLike) -> None:
    """Stream ``lf`` into ``path``; the kind follows the extension. Written to a temporary name
    and renamed, so a failed export leaves no half file."""
    path = os.fspath(path)
    tmp = f"{path}.part"
    if path.endswith(".parquet"):
        sink = lambda: lf.sink_parquet(tmp)  # noqa: E731
    elif path.endswith(".csv"):
        sink = lambda: guard_formulas(lf).sink_csv(tmp)  # noqa: E731
    elif path.endswith((".jsonl", ".ndjson")):
        sink = lambda: lf.sink_ndjson(tmp)  # noqa: E731
    else:
        raise MkslogError(f"cannot tell the output kind of {path}: end it with .parquet, .csv or .jsonl")
    try:
        sink()
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
