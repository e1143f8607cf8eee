"""Application-log queries: error counts over time, the most frequent exceptions.

They take the frame of ``mkslog.scan(paths, kind="app")``: ts, level, logger, message, detail,
exc_type, exc_message, file, line_no.

>>> from datetime import datetime, UTC
>>> import polars as pl
>>> lf = pl.LazyFrame({"ts": [datetime(2026, 11, 20, h, tzinfo=UTC) for h in (9, 9, 11)],
...                    "level": ["ERROR", "INFO", "CRITICAL"], "message": ["a", "b", "c"]})
>>> error_counts(lf, "1h")["count"].to_list()
[1, 0, 1]
"""

from __future__ import annotations

import polars as pl

from ..filters import at_least  # one severity scale for queries and filters
from .common import collect, require_columns
from .localtime import LocalClock
from .traffic import fill_buckets


def error_counts(app_lf: pl.LazyFrame, every: str = "1h", level: str = "ERROR", fill: bool = True) -> pl.DataFrame:
    """Records at ``level`` or above per time bucket: ts (bucket start, in the frame's timezone), count.

    The manual's ``grep -c ERROR app.log`` and ``awk '{print substr($1,1,13)}' | uniq -c``, with
    levels read from the level field (not any line mentioning ERROR) and tracebacks counted once.
    With ``fill`` the empty buckets between the first and last are included with 0 (for charts);
    without, only buckets with records are listed (like ``uniq -c``).
    """
    require_columns(app_lf, "ts", "level", what="error_counts")
    counts = collect(
        app_lf.filter(at_least(level))
        .group_by(LocalClock.of(app_lf).truncate(every))
        .agg(pl.len().cast(pl.Int64).alias("count"))
    )
    counts = counts.drop_nulls("ts")
    return fill_buckets(counts, every) if fill else counts.sort("ts")


def top_errors(app_lf: pl.LazyFrame, n: int = 10, level: str = "ERROR") -> pl.DataFrame:
    """The ``n`` most frequent errors: exc_type, message, count, share, first_seen, last_seen.

    Records with a traceback are grouped by exception type and message (``TypeError``,
    ``'NoneType' object is not subscriptable``); others by the first line of their message.
    """
    require_columns(app_lf, "ts", "level", "message", what="top_errors")
    schema = app_lf.collect_schema()
    exc_type = pl.col("exc_type") if "exc_type" in schema else pl.lit(None, pl.String)
    exc_msg = pl.col("exc_message") if "exc_message" in schema else pl.lit(None, pl.String)
    first_line = pl.col("message").str.extract(r"^([^\n]*)", 1)
    message = pl.when(exc_type.is_not_null()).then(exc_msg).otherwise(first_line)
    grouped = collect(
        app_lf.filter(at_least(level))
        .group_by(exc_type.alias("exc_type"), message.alias("message"))
        .agg(
            pl.len().cast(pl.Int64).alias("count"),
            pl.col("ts").min().alias("first_seen"),
            pl.col("ts").max().alias("last_seen"),
        )
    )
    total = grouped["count"].sum()
    return (
        grouped.with_columns((pl.col("count") / total).alias("share"))
        .sort(["count", "exc_type", "message"], descending=[True, False, False], nulls_last=True)
        .head(n)
        .select("exc_type", "message", "count", "share", "first_seen", "last_seen")
    )
