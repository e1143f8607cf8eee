"""The report's period: an ISO week in the display timezone, from ``last``, ``this`` or ``2026-W47``.

A week runs from Monday 00:00 to the next Monday 00:00 local time; its bounds are UTC instants,
so a week across a daylight-saving change is still exactly the local days it names.

>>> w = resolve_week("2026-W47", "Asia/Tokyo")
>>> w.label, w.previous().label, w.last_day.isoformat()
('2026-W47', '2026-W46', '2026-11-22')
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..errors import TimeSpecError
from ..timespec import interval, zone

WEEK_WORDS = {"last": "last week", "this": "this week", "last week": "last week", "this week": "this week"}


@dataclass(frozen=True)
class Week:
    """An ISO week ``[start, end)`` (UTC instants of local midnights) in the display timezone ``tz``."""

    label: str
    start: datetime
    end: datetime
    tz: str

    @property
    def first_day(self):
        """The Monday, a local date."""
        return self.start.astimezone(zone(self.tz)).date()

    @property
    def last_day(self):
        """The Sunday, a local date."""
        return (self.end.astimezone(zone(self.tz)) - timedelta(seconds=1)).date()

    def previous(self) -> Week:
        """The ISO week before this one."""
        monday = self.first_day - timedelta(days=7)
        year, week, _ = monday.isocalendar()
        return resolve_week(f"{year}-W{week:02d}", self.tz)


def resolve_week(spec: str, tz: str = "UTC", *, now: datetime | None = None) -> Week:
    """``last``, ``this`` or an ISO week (``2026-W47``) -> :class:`Week` in timezone ``tz``.

    >>> w = resolve_week("2026-W47", "Asia/Tokyo")
    >>> w.label, w.start.isoformat(), w.first_day.isoformat(), w.last_day.isoformat()
    ('2026-W47', '2026-11-15T15:00:00+00:00', '2026-11-16', '2026-11-22')
    """
    text = " ".join(str(spec).strip().lower().split())
    start, end = interval(WEEK_WORDS.get(text, text), tz=tz, now=now)
    first = start.astimezone(zone(tz))
    if end - start != timedelta(days=7) or first.weekday() != 0 or first.hour != 0:
        raise TimeSpecError(f"not a week: {spec!r} (give last, this or an ISO week such as 2026-W47)")
    year, week, _ = first.date().isocalendar()
    return Week(f"{year}-W{week:02d}", start, end, tz)


__all__ = ["WEEK_WORDS", "Week", "resolve_week"]
