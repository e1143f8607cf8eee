"""The one-screen overview: traffic, errors, latency, top talkers and parse health in one row.

>>> from datetime import datetime, UTC
>>> import polars as pl
>>> lf = pl.LazyFrame({"ts": [datetime(2026, 11, 20, tzinfo=UTC)] * 3, "remote_addr": ["a", "b", "a"],
...                    "path": ["/k/1", "/k/2", "/"], "status": [200, 500, 200], "request_time": [0.1, 0.2, 0.3]})
>>> row = summary(lf).row(0, named=True)
>>> row["requests"], row["unique_ips"], row["error_rate"], row["p50_ms"], row["top_endpoint"]
(3, 2, 0.3333333333333333, 200.0, '/k/{id}')
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from .app import at_least
from .common import collect, endpoint, fan_out, micros, require_columns
from .latency import MICROS, weighted_stats


def summary(
    lf: pl.LazyFrame,
    app_lf: pl.LazyFrame | None = None,
    stats=None,
) -> pl.DataFrame:
    """One row: first_seen, last_seen, requests, unique_ips, status_4xx, status_5xx, error_rate
    (the 5xx share), p50_ms, p95_ms, p99_ms (exact, linear interpolation; null without timings),
    top_ip, top_ip_requests, top_endpoint (folded), top_endpoint_requests, then app_errors (records
    at ERROR or above, when ``app_lf`` is given) and rejected_lines (when ``stats``, one
    :class:`~mkslog.parse.access.ParseStats` or several, is given; read after the scan, so pass the
    stats of ``lf``/``app_lf``). The access log is read once (see :func:`fan_out`).
    """
    require_columns(lf, "ts", "remote_addr", "path", "status", what="summary")
    status = pl.col("status")
    parts = {
        "totals": ([], {
            "requests": (pl.len().cast(pl.Int64), "sum"),
            "status_4xx": ((status // 100 == 4).sum().cast(pl.Int64), "sum"),
            "status_5xx": ((status // 100 == 5).sum().cast(pl.Int64), "sum"),
            "first_seen": (pl.col("ts").min(), "min"),
            "last_seen": (pl.col("ts").max(), "max"),
        }),
        "ips": ([pl.col("remote_addr")], {"n": (pl.len().cast(pl.Int64), "sum")}),
        "endpoints": ([pl.col("endpoint")], {"n": (pl.len().cast(pl.Int64), "sum")}),
    }
    timed = "request_time" in lf.collect_schema()
    cols = [pl.col("ts", "remote_addr", "status"), endpoint(lf=lf)]  # folded by the streaming engine, in parallel
    if timed:
        cols.append(micros().alias(MICROS))
        parts["timing"] = ([pl.col(MICROS)], {"n": (pl.len().cast(pl.Int64), "sum")})
    got = fan_out(lf.select(cols), parts)
    # the timestamps stay in polars: a year 0 or 10000 that reached here has no Python datetime
    seen = got["totals"].select("first_seen", "last_seen")
    row = got["totals"].drop("first_seen", "last_seen").row(0, named=True)
    requests = row["requests"] or 0
    top_ip = _top(got["ips"], "remote_addr")
    top_ep = _top(got["endpoints"], "endpoint")
    pct = {"p50_ms": None, "p95_ms": None, "p99_ms": None}
    if timed and got["timing"][MICROS].drop_nulls().len():
        q = weighted_stats(got["timing"], [], quantiles=(0.5, 0.95, 0.99)).row(0, named=True)
        pct = {k: q[k] for k in pct}
    out = {
        "requests": requests,
        "unique_ips": got["ips"]["remote_addr"].drop_nulls().len(),
        "status_4xx": row["status_4xx"] or 0,
        "status_5xx": row["status_5xx"] or 0,
        "error_rate": (row["status_5xx"] or 0) / requests if requests else None,
        **pct,
        "top_ip": top_ip[0],
        "top_ip_requests": top_ip[1],
        "top_endpoint": top_ep[0],
        "top_endpoint_requests": top_ep[1],
    }
    schema = {"requests": pl.Int64, "unique_ips": pl.Int64, "status_4xx": pl.Int64, "status_5xx": pl.Int64,
              "error_rate": pl.Float64, "p50_ms": pl.Float64, "p95_ms": pl.Float64, "p99_ms": pl.Float64,
              "top_ip": pl.String, "top_ip_requests": pl.Int64, "top_endpoint": pl.String,
              "top_endpoint_requests": pl.Int64}
    if app_lf is not None:
        require_columns(app_lf, "level", what="summary of the app log")
        out["app_errors"] = collect(app_lf.filter(at_least("ERROR")).select(pl.len().cast(pl.Int64))).item()
        schema["app_errors"] = pl.Int64
    if stats is not None:
        many = [stats] if not isinstance(stats, Iterable) else list(stats)
        out["rejected_lines"] = sum(s.total.rejected for s in many)
        schema["rejected_lines"] = pl.Int64
    return pl.concat([seen, pl.DataFrame([out], schema=schema)], how="horizontal")


def _top(counts: pl.DataFrame, key: str) -> tuple[str | None, int | None]:
    best = counts.drop_nulls(key).sort(["n", key], descending=[True, False]).head(1)
    return (best[key][0], best["n"][0]) if best.height else (None, None)
