"""Traffic queries over access logs: top IPs and endpoints, requests over time, status codes.

>>> import polars as pl
>>> lf = pl.LazyFrame({"remote_addr": ["a", "b", "a"], "path": ["/k/1", "/k/2", "/"], "status": [200, 404, 200]})
>>> top_endpoints(lf, 1).select("endpoint", "requests").to_dicts()
[{'endpoint': '/k/{id}', 'requests': 2}]
"""

from __future__ import annotations

import polars as pl

from .addresses import network, prefixes
from .common import collect, endpoint, require_columns, share, status_class
from .localtime import LocalClock


def top_ips(lf: pl.LazyFrame, n: int = 10, group: int | str | tuple | None = None) -> pl.DataFrame:
    """The ``n`` client addresses with the most requests: remote_addr, requests, share of all.
    Ties are broken by address so the answer is stable.

    With ``group`` the ``n`` networks instead: network, requests, share, addresses (how many
    distinct addresses of it made requests). ``group`` is an IPv4 prefix length (``24``), an
    IPv6 one (``64``; ``"/32"`` for a short IPv6 prefix) or both (``"24/64"``, ``(24, 64)``); a
    family given no length is counted per address, and a value that is no address (``-``) per
    value, so every request is counted somewhere (see :mod:`~mkslog.queries.addresses`).

    >>> top_ips(pl.LazyFrame({"remote_addr": ["a", "b", "a"]}), 1).to_dicts()
    [{'remote_addr': 'a', 'requests': 2, 'share': 0.6666666666666666}]
    >>> lf = pl.LazyFrame({"remote_addr": ["10.1.0.7", "10.1.0.9", "2001:db8::1", "2001:DB8::2", "10.2.0.1"]})
    >>> top_ips(lf, 2, group="24/64").rows()
    [('10.1.0.0/24', 2, 0.4, 2), ('2001:db8::/64', 2, 0.4, 2)]
    """
    counts = lf.group_by("remote_addr").agg(pl.len().alias("requests"))
    if group is not None:
        v4, v6 = prefixes(group)
        # one row per distinct address first, so the per-value IPv6 work runs once per address
        per_address = counts.with_columns(network(pl.col("remote_addr"), v4, v6),
                                          network(pl.col("remote_addr"), 32, 128).alias("address"))
        grouped = per_address.group_by("network").agg(pl.col("requests").sum(),
                                                       pl.col("address").n_unique().cast(pl.Int64).alias("addresses"))
        return collect(
            grouped.with_columns(share("requests"))
            .sort(["requests", "network"], descending=[True, False], nulls_last=True)
            .head(n)
            .select("network", pl.col("requests").cast(pl.Int64), "share", "addresses")
        )
    return collect(
        counts.with_columns(share("requests"))
        .sort(["requests", "remote_addr"], descending=[True, False], nulls_last=True)
        .head(n)
        .with_columns(pl.col("requests").cast(pl.Int64))
    )


def top_endpoints(lf: pl.LazyFrame, n: int = 10, raw: bool = False) -> pl.DataFrame:
    """The ``n`` most requested endpoints: endpoint, requests, share, status_4xx, status_5xx.

    Paths are folded (``/api/v1/knowledge/123`` -> ``/api/v1/knowledge/{id}``, uuids ->
    ``{uuid}``, long hex -> ``{hash}``, see :func:`~mkslog.queries.common.fold_path`) unless
    ``raw``; the query string is never part of the endpoint. A request line that did not split
    into method, path and protocol has a null endpoint.
    """
    require_columns(lf, "path", "status", what="top_endpoints")
    # folded per request, not per distinct path: memory stays bounded by the number of endpoints even
    # when paths hold a new uuid or hash on every request
    counts = lf.group_by(endpoint(raw, lf)).agg(
        pl.len().cast(pl.Int64).alias("requests"),
        (pl.col("status") // 100 == 4).sum().cast(pl.Int64).alias("status_4xx"),
        (pl.col("status") // 100 == 5).sum().cast(pl.Int64).alias("status_5xx"),
    )
    return collect(
        counts.with_columns(share("requests"))
        .sort(["requests", "endpoint"], descending=[True, False], nulls_last=True)
        .head(n)
        .select("endpoint", "requests", "share", "status_4xx", "status_5xx")
    )


def requests_over_time(lf: pl.LazyFrame, every: str = "1d") -> pl.DataFrame:
    """Requests per time bucket: ts (bucket start, in the frame's timezone), requests,
    unique_ips, status_4xx, status_5xx, bytes_sent. ``every`` is a polars duration (``1h``,
    ``1d``, ``1w``). Buckets without requests between the first and last are included with zeros.

    >>> from datetime import datetime, UTC
    >>> lf = pl.LazyFrame({"ts": [datetime(2026, 11, d, tzinfo=UTC) for d in (20, 20, 22)],
    ...                    "remote_addr": ["a", "b", "a"], "status": [200, 500, 200], "bytes_sent": [1, 2, 3]})
    >>> requests_over_time(lf, "1d")["requests"].to_list()
    [2, 0, 1]
    """
    require_columns(lf, "ts", "remote_addr", "status", what="requests_over_time")
    has_bytes = "bytes_sent" in lf.collect_schema()
    counts = collect(
        lf.group_by(LocalClock.of(lf).truncate(every)).agg(
            pl.len().cast(pl.Int64).alias("requests"),
            pl.col("remote_addr").n_unique().cast(pl.Int64).alias("unique_ips"),
            (pl.col("status") // 100 == 4).sum().cast(pl.Int64).alias("status_4xx"),
            (pl.col("status") // 100 == 5).sum().cast(pl.Int64).alias("status_5xx"),
            (pl.col("bytes_sent").sum() if has_bytes else pl.lit(None)).cast(pl.Int64).alias("bytes_sent"),
        )
    )
    return fill_buckets(counts.drop_nulls("ts"), every)


#: At most this many buckets are filled in (11 years of hours): a timestamp far from the others (a
#: year 0 or 9999 that reached the query) would otherwise make millions of empty rows.
MAX_FILLED_BUCKETS = 100_000


def fill_buckets(df: pl.DataFrame, every: str, ts: str = "ts") -> pl.DataFrame:
    """``df`` sorted by ``ts`` with the missing buckets between its first and last added as zeros,
    unless that would take more than :data:`MAX_FILLED_BUCKETS` buckets: then only the buckets
    that hold rows. The bounds stay in polars (no Python datetime: year 0 has none).

    >>> from datetime import datetime
    >>> df = pl.DataFrame({"ts": [datetime(2026, 1, 1), datetime(2026, 1, 3)], "n": [1, 2]})
    >>> fill_buckets(df, "1d")["n"].to_list()
    [1, 0, 2]
    >>> far = pl.DataFrame({"ts": ["0001-01-01", "2026-01-01"], "n": [1, 2]}).with_columns(pl.col("ts").str.to_datetime())
    >>> fill_buckets(far, "1h")["n"].to_list()
    [1, 2]
    """
    if df.is_empty():
        return df
    df = df.sort(ts)
    dtype = df.schema[ts]
    first, last = pl.col(ts).min(), pl.col(ts).max()
    # the number of buckets, from the span and the length of one bucket (a month counts 31 days)
    step = pl.select(pl.lit(0).cast(pl.Datetime("us")).dt.offset_by(every).dt.epoch("us")).item()
    span = df.select((last - first).dt.total_microseconds()).item()
    if span // max(step, 1) + 1 > MAX_FILLED_BUCKETS:
        return df
    grid = df.select(pl.datetime_range(first, last, every, time_unit=dtype.time_unit,
                                       time_zone=dtype.time_zone).alias(ts))
    filled = grid.join(df, on=ts, how="left")
    zeros = [pl.col(c).fill_null(0) for c, t in df.schema.items() if c != ts and t.is_integer()]
    return filled.with_columns(zeros).select(df.columns)


def status_breakdown(lf: pl.LazyFrame) -> pl.DataFrame:
    """One row per status code: class (``2xx`` ...), status, requests, share (of all requests),
    class_requests and class_share (the totals of its class), by status code."""
    require_columns(lf, "status", what="status_breakdown")
    counts = collect(lf.group_by("status").agg(pl.len().cast(pl.Int64).alias("requests")))
    total = counts["requests"].sum()
    return (
        counts.with_columns(status_class(), pl.col("status").cast(pl.Int64))
        .with_columns(pl.col("requests").sum().over("class").alias("class_requests"))
        .with_columns(
            (pl.col("requests") / total).alias("share"),
            (pl.col("class_requests") / total).alias("class_share"),
        )
        .sort("status", nulls_last=True)
        .select("class", "status", "requests", "share", "class_requests", "class_share")
    )
