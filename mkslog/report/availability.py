"""Availability from the health log: uptime, runs of checks with the same outcome, outages.

>>> from datetime import datetime
>>> lf = pl.LazyFrame({"ts": [datetime(2026, 11, 16, 0, m) for m in (0, 5, 10)], "ok": [True, False, True]})
>>> uptime(lf), outages(lf)["checks"].to_list()
(0.6666666666666666, [1])
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from ..present import i18n
from ..present.html import Html, text


def uptime(health: pl.LazyFrame | None) -> float | None:
    """The share of health checks that were OK (None without checks)."""
    if health is None:
        return None
    return health.select(pl.col("ok").cast(pl.Float64).mean()).collect().item()


def health_intervals(health: pl.LazyFrame) -> pl.DataFrame:
    """start, end, ok, checks: runs of consecutive health checks with the same outcome. A run lasts
    from its first check to the first check of the next run (the last run: to its last check).

    >>> from datetime import datetime
    >>> lf = pl.LazyFrame({"ts": [datetime(2026, 11, 16, 0, m) for m in (0, 5, 10, 15)], "ok": [True, False, False, True]})
    >>> health_intervals(lf).select("ok", "checks", (pl.col("end") - pl.col("start")).alias("d")).rows()
    [(True, 1, datetime.timedelta(seconds=300)), (False, 2, datetime.timedelta(seconds=600)), (True, 1, datetime.timedelta(0))]
    """
    checks = health.select("ts", "ok").drop_nulls().sort("ts").collect()
    if checks.is_empty():
        return pl.DataFrame(schema={"start": checks.schema["ts"], "end": checks.schema["ts"], "ok": pl.Boolean,
                                    "checks": pl.Int64})
    runs = (
        checks.with_columns((pl.col("ok") != pl.col("ok").shift()).fill_null(True).cum_sum().alias("run"))
        .group_by("run", maintain_order=True)
        .agg(pl.col("ts").first().alias("start"), pl.col("ts").last().alias("last"),
             pl.col("ok").first(), pl.len().cast(pl.Int64).alias("checks"))
    )
    return runs.select("start", pl.col("start").shift(-1).fill_null(pl.col("last")).alias("end"), "ok", "checks")


def outages(health: pl.LazyFrame) -> pl.DataFrame:
    """start, end, duration, checks: the intervals in which health checks failed (see
    :func:`health_intervals`; the end is the first OK check after the failures)."""
    runs = health_intervals(health)
    return (runs.filter(~pl.col("ok"))
            .select("start", "end", (pl.col("end") - pl.col("start")).alias("duration"), "checks"))


def availability_note(health: pl.LazyFrame, lang: str = "en") -> Html:
    """One sentence: uptime %, number of checks, outages and their total duration."""
    down = outages(health)
    n = health.select(pl.len()).collect().item()
    total = down["duration"].sum() if down.height else timedelta(0)
    return text(i18n.t("prose.uptime", lang, uptime=i18n.fmt_pct(uptime(health), lang, 2), checks=i18n.fmt_int(n),
                       outages=down.height, down=i18n.fmt_duration(total, lang)))


__all__ = ["availability_note", "health_intervals", "outages", "uptime"]
