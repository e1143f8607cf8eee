"""--since/--until: every accepted form, relative to a fixed `now`, in the display timezone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mkslog.errors import TimeSpecError
from mkslog.timespec import interval, parse_duration, time_range, zone

# Wednesday 2026-11-25 12:00 in Tokyo (ISO week 2026-W48)
NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


def tokyo(*args) -> datetime:
    return datetime(*args, tzinfo=zone("Asia/Tokyo")).astimezone(UTC)


@pytest.mark.parametrize("spec, start, end", [
    ("today", tokyo(2026, 11, 25), tokyo(2026, 11, 26)),
    ("yesterday", tokyo(2026, 11, 24), tokyo(2026, 11, 25)),
    ("Yesterday", tokyo(2026, 11, 24), tokyo(2026, 11, 25)),
    ("this week", tokyo(2026, 11, 23), tokyo(2026, 11, 30)),
    ("last week", tokyo(2026, 11, 16), tokyo(2026, 11, 23)),
    ("last  week", tokyo(2026, 11, 16), tokyo(2026, 11, 23)),
    ("this month", tokyo(2026, 11, 1), tokyo(2026, 12, 1)),
    ("last month", tokyo(2026, 10, 1), tokyo(2026, 11, 1)),
    ("2026-W47", tokyo(2026, 11, 16), tokyo(2026, 11, 23)),
    ("2026w01", tokyo(2025, 12, 29), tokyo(2026, 1, 5)),
    ("2026-11", tokyo(2026, 11, 1), tokyo(2026, 12, 1)),
    ("2026-12", tokyo(2026, 12, 1), tokyo(2027, 1, 1)),
    ("2026-11-20", tokyo(2026, 11, 20), tokyo(2026, 11, 21)),
    ("Nov 20 2026", tokyo(2026, 11, 20), tokyo(2026, 11, 21)),
    ("2026-11-20 14:00", tokyo(2026, 11, 20, 14), tokyo(2026, 11, 20, 14)),
    ("2026-11-20T14:00:00+00:00", datetime(2026, 11, 20, 14, tzinfo=UTC), datetime(2026, 11, 20, 14, tzinfo=UTC)),
    ("14:30", tokyo(2026, 11, 25, 14, 30), tokyo(2026, 11, 25, 14, 30)),
    ("now", NOW, NOW),
    ("7d", NOW - timedelta(days=7), NOW - timedelta(days=7)),
    ("2h", NOW - timedelta(hours=2), NOW - timedelta(hours=2)),
    ("30m", NOW - timedelta(minutes=30), NOW - timedelta(minutes=30)),
    ("2 hours ago", NOW - timedelta(hours=2), NOW - timedelta(hours=2)),
    ("1w", NOW - timedelta(weeks=1), NOW - timedelta(weeks=1)),
])
def test_interval(spec, start, end):
    assert interval(spec, tz="Asia/Tokyo", now=NOW) == (start, end)


def test_days_follow_the_display_timezone():
    # 01:00 UTC on the 25th is still the 24th in New York
    now = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    assert interval("today", tz="America/New_York", now=now)[0] == datetime(2026, 11, 24, 5, tzinfo=UTC)
    assert interval("today", tz="UTC", now=now)[0] == datetime(2026, 11, 25, tzinfo=UTC)


def test_time_range_since_start_until_end():
    start, end = time_range("2026-11-20", "2026-11-20", tz="Asia/Tokyo", now=NOW)
    assert (start, end) == (tokyo(2026, 11, 20), tokyo(2026, 11, 21))
    assert time_range(None, "yesterday", tz="Asia/Tokyo", now=NOW) == (None, tokyo(2026, 11, 25))
    assert time_range("2h", None, tz="UTC", now=NOW) == (NOW - timedelta(hours=2), None)
    assert time_range(None, None, now=NOW) == (None, None)


def test_time_range_rejects_an_empty_window():
    with pytest.raises(TimeSpecError, match="is not before --until"):
        time_range("today", "yesterday", tz="Asia/Tokyo", now=NOW)


@pytest.mark.parametrize("spec", ["soon", "3 fortnights", "", "2026-W60", "2026-13", "last decade"])
def test_bad_specs_name_the_accepted_forms(spec):
    with pytest.raises(TimeSpecError) as err:
        interval(spec, tz="UTC", now=NOW)
    assert repr(spec) in str(err.value) or "empty" in str(err.value)


def test_unknown_timezone():
    with pytest.raises(TimeSpecError, match="unknown timezone 'Mars/Base'"):
        zone("Mars/Base")
    assert zone("UTC") is UTC


@pytest.mark.parametrize("text, seconds", [
    ("1s", 1), ("500ms", 0.5), ("1.5s", 1.5), ("1.5 s", 1.5), ("2h", 7200), ("30m", 1800), ("7d", 604800),
    ("2 hours", 7200), ("3 mins", 180), (2, 2), (0.25, 0.25), (timedelta(seconds=3), 3),
])
def test_parse_duration(text, seconds):
    assert parse_duration(text).total_seconds() == pytest.approx(seconds)


def test_parse_duration_default_unit_and_errors():
    assert parse_duration("1000", default_unit="ms").total_seconds() == 1
    with pytest.raises(TimeSpecError, match="500ms"):
        parse_duration("fast")
