"""Portable column types: what the store writes, so that DuckDB, Spark and Trino read it alike.

The frames mkslog builds keep their natural types (``status`` UInt16, ``bytes_sent`` UInt64);
unsigned Parquet integers are read by Spark as ``decimal(20,0)`` (UInt64) and Trino has known
trouble with them. The store writes each unsigned column as the signed type wide enough for its
values (UInt8 -> Int16, UInt16 -> Int32, UInt32 -> Int64, UInt64 -> Int64) and :func:`to_frame`
casts them back on read, so ``mkslog.scan(store=...)`` has the types of a text scan. A UInt64 value
above 2**63 - 1 does not fit: it is stored as null and counted (the ingest reports it).

>>> portable_schema({"status": pl.UInt16, "bytes_sent": pl.UInt64, "path": pl.String})
{'status': Int32, 'bytes_sent': Int64, 'path': String}
>>> df, lost = to_portable(pl.DataFrame({"bytes_sent": [5, 2**64 - 1]}, schema={"bytes_sent": pl.UInt64}))
>>> df["bytes_sent"].to_list(), lost
([5, None], {'bytes_sent': 1})
"""

from __future__ import annotations

import polars as pl

from ..parse.records import MULTILINE_SCHEMA
from ..parse.stats import TAIL_SCHEMA

SIGNED = {pl.UInt8: pl.Int16, pl.UInt16: pl.Int32, pl.UInt32: pl.Int64, pl.UInt64: pl.Int64}
INT64_MAX = 2**63 - 1


def portable_type(dtype: pl.DataType) -> pl.DataType:
    for unsigned, signed in SIGNED.items():
        if dtype == unsigned:
            return signed
    return dtype


def portable_schema(schema: dict) -> dict:
    """``schema`` with every unsigned integer column as its signed type (see the module text)."""
    return {name: portable_type(dtype) for name, dtype in schema.items()}


def to_portable(df: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, int]]:
    """``df`` in portable types, and per column how many values did not fit (stored as null)."""
    casts = {c: portable_type(t) for c, t in df.schema.items() if portable_type(t) != t}
    if not casts:
        return df, {}
    wide = [c for c in casts if df.schema[c] == pl.UInt64]
    lost: dict[str, int] = {}
    if wide:
        counts = df.select((pl.col(c) > INT64_MAX).sum() for c in wide).row(0)
        lost = {c: n for c, n in zip(wide, counts, strict=True) if n}
    return df.with_columns(pl.col(c).cast(t, strict=False) for c, t in casts.items()), lost


def to_frame(lf: pl.LazyFrame, schema: dict) -> pl.LazyFrame:
    """A scan of portable part files back in the frame's types ``schema`` (exact: the values came from them)."""
    casts = {c: t for c, t in schema.items() if portable_type(t) != t}
    return lf.with_columns(pl.col(c).cast(t) for c, t in casts.items()) if casts else lf


def union_schema(stored: dict | None, new: dict) -> dict:
    """The stored columns, then new format columns, then the multi-line columns (of multi-line
    record kinds) and source/file/line_no: never narrower.

    >>> union_schema({"ts": pl.Int64, "line_no": pl.Int64}, {"ts": pl.Int64, "x": pl.String, "line_no": pl.Int64})
    {'ts': Int64, 'x': String, 'line_no': Int64}
    """
    if stored is None:
        return new
    last = {**MULTILINE_SCHEMA, **TAIL_SCHEMA}
    merged = {k: v for k, v in stored.items() if k not in last}
    for k, v in new.items():
        if k not in last:
            merged.setdefault(k, v)
    merged.update({k: v for k, v in last.items() if k in stored or k in new})
    return merged


__all__ = ["INT64_MAX", "portable_schema", "portable_type", "to_frame", "to_portable", "union_schema"]
