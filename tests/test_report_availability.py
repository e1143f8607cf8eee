"""mkslog.report.availability: uptime, runs of health checks and outages."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
import pytest

from mkslog.report.availability import health_intervals, outages, uptime


def test_health_runs_outages_and_uptime():
    ts = [datetime(2026, 11, 18, 13, 50) + timedelta(minutes=5 * i) for i in range(8)]
    ok = [True, True, False, False, False, True, True, True]
    lf = pl.LazyFrame({"ts": ts, "ok": ok})
    down = outages(lf)
    assert down.rows() == [(ts[2], ts[5], timedelta(minutes=15), 3)]
    assert uptime(lf) == pytest.approx(5 / 8)
    assert health_intervals(lf)["ok"].to_list() == [True, False, True]
