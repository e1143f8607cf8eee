"""mkslog.report.serverlogs and .visitors: the weekly report's error-log and visitor sections on
the bundled sample week (its outage: 60 connection-refused 502s and 11 timed-out 504s)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mkslog.report.serverlogs import error_templates, gateway_errors, master_starts, service_note, worker_days
from mkslog.report.visitors import visitor_panels, weekday_grid
from mkslog.report.weeklogs import WeekLogs

CONFIG = Path(__file__).resolve().parent.parent / "mkslog.example.toml"


@pytest.fixture(scope="module")
def logs():
    return WeekLogs(CONFIG, "2026-W47", tz="Asia/Tokyo")


def test_server_error_sections(logs):
    assert "nginx-error" not in logs.missing and "gunicorn-error" not in logs.missing
    assert gateway_errors(logs).rows() == [(502, "127.0.0.1:5000", "refused", 60), (504, "127.0.0.1:5000", "timeout", 11)]
    assert error_templates(logs, 2)["count"].to_list() == [119, 60]
    boots = master_starts(logs)
    assert str(service_note(boots, "en")).endswith("0 boot loop(s), 1 time(s) down after a failed boot.</p>")
    days = worker_days(logs)
    assert days.filter(days["ts"].dt.day() == 18)["timeouts"].to_list() == [43]


def test_visitor_panels_without_a_host_field(logs):
    panels = visitor_panels(logs.access, 5)
    assert "vhosts" not in panels  # the sample's format has no $host
    assert set(panels) >= {"referrers", "browsers", "os", "bots", "not_found", "static", "bytes_endpoint",
                           "bytes_client", "hour_weekday"}
    assert all(not r.startswith("http") for refs in panels["not_found"]["referrers"] for r in refs)
    grid = weekday_grid(panels["hour_weekday"])
    assert grid.shape == (24, 8) and grid.drop("hour").sum_horizontal().sum() == logs.access.collect().height
