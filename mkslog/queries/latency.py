"""Response times: exact percentiles per endpoint, hour or status, and the slow requests.

Percentiles use **linear interpolation between the two nearest ranks**, the definition of
numpy's default ``np.percentile(x, q)`` and of polars' ``quantile(q, interpolation="linear")``:
with the ``n`` values sorted, ``h = (n - 1) * q`` and ``p = x[floor(h)] + (h - floor(h)) *
(x[floor(h) + 1] - x[floor(h)])``. They are exact, not sketched: the scan streams
``(key, request_time in microseconds) -> count`` pairs, and the percentiles are read off those
counts, so memory grows with the number of distinct timings per key (a few thousand for nginx's
millisecond ``$request_time``), not with the number of requests. Rounding to the microsecond
loses nothing for nginx (ms) or gunicorn ``%(D)s`` (us) timings.

Note: the operations manual's one-liner ``awk '{sum+=$10} END {print sum/NR}'`` averages field 10
of a ``combined`` line, which is ``$body_bytes_sent``, the response size, not a time. These
functions read the real ``$request_time`` and raise :class:`~mkslog.errors.QueryError` when the
log format has none, instead of inventing numbers.

>>> import polars as pl
>>> lf = pl.LazyFrame({"request_time": [0.1, 0.2, 0.3, 0.4]})
>>> latency_stats(lf).select("count", "p50_ms", "p90_ms", "max_ms").to_dicts()
[{'count': 4, 'p50_ms': 250.0, 'p90_ms': 370.0, 'max_ms': 400.0}]
"""

from __future__ import annotations

import polars as pl

from ..errors import QueryError
from .common import NO_TIMING, collect, endpoint, micros, require_columns, require_timing, seconds
from .localtime import LocalClock

QUANTILES = (0.5, 0.9, 0.95, 0.99)
BY = ("endpoint", "hour", "status")
#: The column of a latency histogram that holds a request time in whole microseconds (Float64: an
#: absurd logged time overflows no integer, see :func:`~mkslog.queries.common.micros`).
MICROS = "__us"


def _key(by: str | None, lf: pl.LazyFrame) -> pl.Expr | None:
    if by is None:
        return None
    if by == "endpoint":
        return endpoint(lf=lf)
    if by == "hour":
        return LocalClock.of(lf).truncate("1h").alias("hour")
    if by == "status":
        return pl.col("status").cast(pl.Int64).alias("status")
    raise QueryError(f"latency by {by!r} is not supported: choose one of {', '.join(BY)} or none")


def timing_histogram(lf: pl.LazyFrame, by: str | None = None) -> pl.DataFrame:
    """``[key,] __us, n``: how many requests took each whole number of microseconds (one streaming
    pass; ``us`` is null for requests without a timing)."""
    require_timing(lf)
    us = micros().alias(MICROS)
    key = _key(by, lf)
    keys = [us] if key is None else [key, us]
    return collect(lf.group_by(keys).agg(pl.len().cast(pl.Int64).alias("n")))


def weighted_stats(hist: pl.DataFrame, keys: list[str], quantiles=QUANTILES) -> pl.DataFrame:
    """count, mean_ms, p50_ms ... max_ms per key from a histogram ``keys + [__us, n]``
    (exact; linear interpolation between ranks, as numpy's default)."""
    hist = hist.drop_nulls(MICROS).sort([*keys, MICROS])
    over = keys or None
    hist = hist.with_columns(
        pl.col("n").cum_sum().over(over).alias("cum") if over else pl.col("n").cum_sum().alias("cum"),
        pl.col("n").sum().over(over).alias("total") if over else pl.col("n").sum().alias("total"),
    )
    aggs = [
        pl.col("n").sum().alias("count"),
        ((pl.col(MICROS) * pl.col("n")).sum() / pl.col("n").sum() / 1000).alias("mean_ms"),
    ]
    for q in quantiles:
        h = (pl.col("total") - 1) * q
        lo, hi = h.floor(), (h.floor() + 1).clip(upper_bound=pl.col("total") - 1)
        x_lo = pl.col(MICROS).filter(pl.col("cum") > lo).first()
        x_hi = pl.col(MICROS).filter(pl.col("cum") > hi).first()
        frac = (h - h.floor()).first()
        aggs.append(((x_lo + frac * (x_hi - x_lo)) / 1000).alias(f"p{round(q * 100):g}_ms"))
    aggs.append((pl.col(MICROS).max() / 1000).alias("max_ms"))
    if keys:
        out = hist.group_by(keys).agg(aggs)
    else:
        out = hist.select(aggs)
    # round to the nanosecond: hides float noise of the interpolation (302.89999999999776 -> 302.9)
    return out.with_columns(pl.col("count").cast(pl.Int64), pl.exclude("count", *keys).cast(pl.Float64).round(6))


def latency_stats(lf: pl.LazyFrame, by: str | None = None, n: int | None = None) -> pl.DataFrame:
    """Response time statistics in milliseconds: ``[key,] count, mean_ms, p50_ms, p90_ms,
    p95_ms, p99_ms, max_ms``, overall (``by=None``) or per ``endpoint`` (folded path, busiest
    first), ``hour`` (time buckets in the frame's timezone) or ``status``.

    ``count`` counts the requests that carry a timing. Percentiles are exact with linear
    interpolation (numpy's default); see the module docstring. Raises QueryError when the log
    has no ``$request_time`` (the manual's ``$10`` is the body size, not a time). ``n`` keeps
    the first ``n`` rows.
    """
    hist = timing_histogram(lf, by)
    if hist.is_empty():
        return _empty(by)
    if hist[MICROS].null_count() == hist.height:
        raise QueryError(NO_TIMING)
    keys = [] if by is None else [by]
    stats = weighted_stats(hist, keys)
    if by == "endpoint":
        stats = stats.sort(["count", "endpoint"], descending=[True, False], nulls_last=True)
    elif by is not None:
        stats = stats.sort(by, nulls_last=True)
    return stats.head(n) if n is not None else stats


def _empty(by: str | None) -> pl.DataFrame:
    schema: dict[str, pl.DataType] = {}
    if by is not None:
        schema[by] = {"endpoint": pl.String, "hour": pl.Datetime("us", "UTC"), "status": pl.Int64}[by]
    schema["count"] = pl.Int64
    for name in ("mean_ms", *(f"p{round(q * 100):g}_ms" for q in QUANTILES), "max_ms"):
        schema[name] = pl.Float64
    return pl.DataFrame(schema=schema)


def slow_requests(lf: pl.LazyFrame, threshold="1s", n: int | None = None, by_endpoint: bool = False) -> pl.DataFrame:
    """Requests slower than ``threshold`` (``'1s'``, ``'500ms'``, seconds as a number, a timedelta).

    Per request, slowest first: ts, remote_addr, method, path, status, request_time_ms (at most
    ``n`` rows). With ``by_endpoint``: endpoint, slow, requests, slow_share, max_ms, the
    endpoints with slow requests, most slow first. Raises QueryError when the log has no
    ``$request_time`` (see :func:`latency_stats`).
    """
    require_timing(lf)
    limit = seconds(threshold)
    rt = pl.col("request_time")
    if by_endpoint:
        require_columns(lf, "path", what="slow requests by endpoint")
        per = collect(
            lf.group_by(endpoint(lf=lf)).agg(
                (rt > limit).sum().cast(pl.Int64).alias("slow"),
                pl.len().cast(pl.Int64).alias("requests"),
                rt.is_not_null().sum().cast(pl.Int64).alias("__timed"),
                (rt.max() * 1000).alias("max_ms"),
            )
        )
        if per.height and per["__timed"].sum() == 0:
            raise QueryError(NO_TIMING)
        out = (per.filter(pl.col("slow") > 0)
               .with_columns((pl.col("slow") / pl.col("requests")).alias("slow_share"))
               .sort(["slow", "endpoint"], descending=[True, False], nulls_last=True)
               .select("endpoint", "slow", "requests", "slow_share", "max_ms"))
        return out.head(n) if n is not None else out
    cols = [c for c in ("ts", "remote_addr", "method", "path", "status") if c in lf.collect_schema()]
    slow = lf.filter(rt > limit).select(*cols, (rt * 1000).alias("request_time_ms"))
    slow = slow.sort(["request_time_ms", *cols[:1]], descending=[True, False])
    out = collect(slow.head(n) if n is not None else slow)
    if out.is_empty() and collect(lf.filter(rt.is_not_null()).select(rt).head(1)).is_empty():
        if collect(lf.select(pl.len())).item():  # rows, but none with a timing
            raise QueryError(NO_TIMING)
    return out.with_columns(pl.col("status").cast(pl.Int64)) if "status" in out.columns else out
