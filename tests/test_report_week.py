"""mkslog.report.week: the report's ISO week from last, this or 2026-W47, in the display timezone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mkslog.errors import TimeSpecError
from mkslog.report.week import resolve_week


def test_resolve_week_last_this_and_iso():
    now = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # Wednesday of W48 in Tokyo
    assert resolve_week("last", "Asia/Tokyo", now=now).label == "2026-W47"
    assert resolve_week("this", "Asia/Tokyo", now=now).label == "2026-W48"
    week = resolve_week("2026-W47", "Asia/Tokyo")
    assert (week.first_day.isoformat(), week.last_day.isoformat()) == ("2026-11-16", "2026-11-22")
    assert week.previous().label == "2026-W46"
    assert resolve_week("2027-W01", "UTC").previous().label == "2026-W53"
    with pytest.raises(TimeSpecError):
        resolve_week("2026-11-18", "UTC")
