"""mkslog.report.resources: hourly maxima and the hours over each threshold."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from mkslog.report.resources import metrics_hourly, threshold_breaches


def test_threshold_breaches_and_hourly_maximum():
    ts = [datetime(2026, 11, 18, 14, m) for m in (0, 10, 20)] + [datetime(2026, 11, 18, 15, 0)]
    lf = pl.LazyFrame({"ts": ts, "cpu": [50.0, 95.0, 60.0, 81.0], "memory": [10.0] * 4, "disk": [86.0] * 4})
    hourly = metrics_hourly(lf)
    assert hourly["cpu"].to_list() == [95.0, 81.0]
    breaches = {r["metric"]: r for r in threshold_breaches(hourly, {"cpu": 80, "memory": 85, "disk": 85}).to_dicts()}
    assert (breaches["cpu"]["hours"], breaches["cpu"]["peak"]) == (2, 95.0)
    assert breaches["memory"]["hours"] == 0 and breaches["disk"]["hours"] == 2
