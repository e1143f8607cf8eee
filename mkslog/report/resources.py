"""Resources from the metrics log: hourly maxima of CPU, memory and disk, and the hours over the
``[thresholds]`` of mkslog.toml.

>>> from datetime import datetime
>>> hourly = metrics_hourly(pl.LazyFrame({"ts": [datetime(2026, 11, 16, 9, m) for m in (0, 30)],
...                                       "cpu": [50.0, 91.0], "memory": [40.0, 40.0], "disk": [60.0, 60.0]}))
>>> threshold_breaches(hourly, {"cpu": 80, "memory": 85, "disk": 85})["hours"].to_list()
[1, 0, 0]
"""

from __future__ import annotations

import polars as pl

from ..present import i18n
from ..present.html import Html, esc
from .weeklogs import WeekLogs

RESOURCES = ("cpu", "memory", "disk")


def metrics_hourly(metrics: pl.LazyFrame) -> pl.DataFrame:
    """ts (start of each hour), cpu, memory, disk: the hourly maximum of each (a week of one-minute
    samples would be 10,080 points per line; the maximum keeps every threshold crossing visible)."""
    return (metrics.group_by(pl.col("ts").dt.truncate("1h"))
            .agg(pl.col(c).max() for c in RESOURCES).sort("ts").collect())


def threshold_breaches(hourly: pl.DataFrame, thresholds: dict[str, float]) -> pl.DataFrame:
    """metric, limit, hours (over the limit), peak, peak_at: per resource, from :func:`metrics_hourly`.

    >>> from datetime import datetime
    >>> df = pl.DataFrame({"ts": [datetime(2026, 11, 16, h) for h in (1, 2)], "cpu": [50.0, 93.5],
    ...                    "memory": [40.0, 41.0], "disk": [60.0, 60.0]})
    >>> threshold_breaches(df, {"cpu": 80, "memory": 85, "disk": 85}).row(0)
    ('cpu', 80.0, 1, 93.5, datetime.datetime(2026, 11, 16, 2, 0))
    """
    rows = []
    for metric in RESOURCES:
        limit = float(thresholds[metric])
        values = hourly.select("ts", metric).drop_nulls(metric)
        peak = values.sort(metric, descending=True).head(1)
        rows.append({
            "metric": metric, "limit": limit, "hours": values.filter(pl.col(metric) > limit).height,
            "peak": peak[metric].item() if peak.height else None, "peak_at": peak["ts"].item() if peak.height else None,
        })
    return pl.DataFrame(rows, schema={"metric": pl.String, "limit": pl.Float64, "hours": pl.Int64,
                                      "peak": pl.Float64, "peak_at": hourly.schema["ts"]})


def resources_note(breaches: pl.DataFrame, thresholds: dict[str, float], lang: str = "en") -> Html:
    """The thresholds, and for each resource that crossed its threshold: for how long and its peak."""
    lines = [i18n.t("prose.resources", lang, **{k: f"{float(v):g}" for k, v in thresholds.items()
                                                  if k in RESOURCES})]
    for metric, limit, hours, peak, peak_at in breaches.filter(pl.col("hours") > 0).iter_rows():
        lines.append(i18n.t("prose.over", lang, metric=i18n.t(f"metric.{metric}", lang), limit=f"{limit:g}",
                            hours=hours, peak=f"{peak:g}", when=i18n.fmt_datetime(peak_at, lang)))
    return Html("".join(f'<p class="mks-note">{esc(line)}</p>' for line in lines))


def thresholds(logs: WeekLogs) -> dict[str, float]:
    """The ``[thresholds]`` for cpu, memory and disk (the manual's 80 / 85 / 85 % by default)."""
    return {m: logs.threshold(m) for m in RESOURCES}


__all__ = ["RESOURCES", "metrics_hourly", "resources_note", "threshold_breaches", "thresholds"]
