"""The weekly report's period: an ISO week, which is one kind of :class:`mkslog.timespec.Period`
(the reports' day, week, month and range all live in :mod:`mkslog.timespec`).

>>> w = resolve_week("2026-W47", "Asia/Tokyo")
>>> w.label, w.previous().label, w.last_day.isoformat()
('2026-W47', '2026-W46', '2026-11-22')
"""

from __future__ import annotations

from datetime import datetime

from ..timespec import Period, resolve_period

#: A week is a :class:`~mkslog.timespec.Period` of kind ``week``.
Week = Period


def resolve_week(spec: str, tz: str = "UTC", *, now: datetime | None = None) -> Period:
    """``last``, ``this`` or an ISO week (``2026-W47``) -> the week's :class:`~mkslog.timespec.Period`.

    >>> w = resolve_week("2026-W47", "Asia/Tokyo")
    >>> w.label, w.start.isoformat(), w.first_day.isoformat(), w.last_day.isoformat()
    ('2026-W47', '2026-11-15T15:00:00+00:00', '2026-11-16', '2026-11-22')
    """
    return resolve_period("week", spec, tz, now=now)


__all__ = ["Week", "resolve_week"]
