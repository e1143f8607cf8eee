"""Queries: pure functions, LazyFrame in, polars DataFrame out.

>>> import polars as pl
>>> lf = pl.LazyFrame({"remote_addr": ["a", "b", "a"]})
>>> top_ips(lf, 1).to_dicts()
[{'remote_addr': 'a', 'requests': 2, 'share': 0.6666666666666666}]
"""

from __future__ import annotations

import polars as pl


def top_ips(lf: pl.LazyFrame, n: int = 10) -> pl.DataFrame:
    """The ``n`` client addresses with the most requests: remote_addr, requests, share of all.
    Ties are broken by address so the answer is stable."""
    counts = lf.group_by("remote_addr").agg(pl.len().alias("requests"))
    return (
        counts.with_columns((pl.col("requests") / pl.col("requests").sum()).alias("share"))
        .sort(["requests", "remote_addr"], descending=[True, False])
        .head(n)
        .with_columns(pl.col("requests").cast(pl.Int64))
        .collect(engine="streaming")
    )
