"""The incident notebook's join of the two logs: the application errors that belong to one client.

The app log does not carry the client address of a failed request: a record belongs to the client
when it names the address, or when it was written within a window of a 5xx answer to it.

>>> from datetime import datetime
>>> app = pl.LazyFrame({"ts": [datetime(2026, 11, 18, 10, 0, 20)], "level": ["ERROR"], "logger": ["app"],
...                     "message": ["db timeout"]})
>>> access = pl.LazyFrame({"ts": [datetime(2026, 11, 18, 10, 0)], "remote_addr": ["203.0.113.5"], "status": [502]})
>>> app_errors_near(app, access, "203.0.113.5")["match"].to_list()
['near a 5xx']
"""

from __future__ import annotations

import polars as pl


def app_errors_near(app: pl.LazyFrame, access: pl.LazyFrame, ip: str, *, window: str = "1m",
                    level: str = "ERROR") -> pl.DataFrame:
    """The app log's records at ``level`` or above that belong to one client address: those that
    mention ``ip`` in their text, and those within ``window`` of a 5xx answer to it (the app log
    does not carry the client address of a failed request; the time ties the two together).
    Columns: ts, level, logger, message, exc_type, match (``mentions ip`` / ``near a 5xx``)."""
    from ..filters import at_least
    from ..timespec import parse_duration

    span = parse_duration(window)
    schema = app.collect_schema()
    detail = pl.col("detail").fill_null("") if "detail" in schema else pl.lit("")
    exc_type = pl.col("exc_type") if "exc_type" in schema else pl.lit(None, pl.String)
    errors = (app.filter(at_least(level)).drop_nulls("ts")
              .select("ts", "level", "logger", "message", exc_type.alias("exc_type"), detail.alias("__detail"))
              .collect().sort("ts"))
    fails = access.filter((pl.col("remote_addr") == ip) & (pl.col("status") >= 500)).select("ts").collect()
    mentions = pl.col("message").str.contains(ip, literal=True) | pl.col("__detail").str.contains(ip, literal=True)
    if fails.height:
        near = errors.join_asof(fails.sort("ts").with_columns(pl.col("ts").alias("__5xx")), on="ts",
                                strategy="nearest", tolerance=span)
        near = near.with_columns(pl.col("__5xx").is_not_null().alias("__near"))
    else:
        near = errors.with_columns(pl.lit(False).alias("__near"))
    out = near.sort("ts").with_columns(
        pl.when(mentions).then(pl.lit("mentions ip")).when(pl.col("__near")).then(pl.lit("near a 5xx"))
        .otherwise(None).alias("match"))
    return out.filter(pl.col("match").is_not_null()).select("ts", "level", "logger", "message", "exc_type", "match")


#: Bucket sizes for one client's timeline, smallest first.
BUCKETS = (("1m", 60), ("5m", 300), ("10m", 600), ("30m", 1800), ("1h", 3600), ("6h", 21600), ("1d", 86400))


def activity_every(access: pl.LazyFrame, ip: str, *, buckets: int = 48) -> str:
    """A bucket size that draws one client's requests as a shape, not a dot: the smallest of
    :data:`BUCKETS` that splits the span of its requests into at most ``buckets`` (a one-hour burst
    is 1-minute buckets; a week of visits, hours).

    >>> from datetime import datetime
    >>> lf = pl.LazyFrame({"ts": [datetime(2026, 11, 18, 10, 0), datetime(2026, 11, 18, 10, 59)], "remote_addr": ["a", "a"]})
    >>> activity_every(lf, "a")
    '5m'
    """
    first, last = (access.filter(pl.col("remote_addr") == ip)
                   .select(pl.col("ts").min().alias("a"), pl.col("ts").max().alias("b")).collect().row(0))
    span = 0 if first is None else (last - first).total_seconds()
    return next((name for name, seconds in BUCKETS if span / seconds <= buckets), BUCKETS[-1][0])


def padded_timeline(timeline: pl.DataFrame, every: str, ts: str = "ts") -> pl.DataFrame:
    """``timeline`` (``ip_activity``'s, one row per bucket with requests) with the empty buckets
    between its rows and one on each side as zeros, so a burst rises from zero and falls back.

    >>> from datetime import datetime
    >>> df = pl.DataFrame({"ts": [datetime(2026, 11, 18, 10)], "requests": [40]})
    >>> padded_timeline(df, "1h")["requests"].to_list()
    [0, 40, 0]
    """
    if timeline.is_empty():
        return timeline
    from ..queries.traffic import fill_buckets
    from ..timespec import parse_duration

    step = parse_duration(every)
    edges = pl.DataFrame({ts: [timeline[ts].min() - step, timeline[ts].max() + step]},
                         schema={ts: timeline.schema[ts]})
    return fill_buckets(pl.concat([timeline, edges], how="diagonal"), every, ts)


__all__ = ["BUCKETS", "activity_every", "app_errors_near", "padded_timeline"]
