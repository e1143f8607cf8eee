"""The sample week's clock: seconds since the window's first local midnight, written the ways the logs do.

Every event of the generator is a float ``t`` (seconds since 00:00 +0900 of the first day; Japan has no
DST, so a day is always 86400 s). :class:`Clock` turns it into each log's timestamp text.

Example (nginx and gunicorn access logs, Python logging's asctime, the nginx error log, the manifest):

>>> from datetime import date
>>> c = Clock(date(2026, 11, 16), 7)
>>> c.clf(3661.5), c.iso_ms(3661.5), c.slash(3661.5)
('16/Nov/2026:01:01:01 +0900', '2026-11-16 01:01:01,500', '2026/11/16 01:01:01')
>>> c.aware(3661.5)
'2026-11-16T01:01:01.500000+09:00'
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from .system import DAY, JST

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Clock:
    """Formats seconds since the window start (local time, +0900, no DST) the ways the logs do."""

    def __init__(self, start: date, n: int) -> None:
        days = [start + timedelta(days=i) for i in range(n)]
        self.start, self.last = start, n * DAY - 1
        # month names by hand: strftime("%b") follows the locale, nginx always writes English
        self.clf_day = [f"{d.day:02d}/{_MONTHS[d.month - 1]}/{d.year}" for d in days]
        self.iso_day = [d.isoformat() for d in days]
        self.slash_day = [d.strftime("%Y/%m/%d") for d in days]

    def _hms(self, t: float) -> tuple[int, str]:
        # clamped to the window so that an event nudged before 0 or past the end stays on a written day
        d, s = divmod(min(max(int(t), 0), self.last), DAY)
        h, s = divmod(s, 3600)
        m, s = divmod(s, 60)
        return d, f"{h:02d}:{m:02d}:{s:02d}"

    def clf(self, t: float) -> str:
        d, hms = self._hms(t)
        return f"{self.clf_day[d]}:{hms} +0900"

    def iso(self, t: float) -> str:
        d, hms = self._hms(t)
        return f"{self.iso_day[d]} {hms}"

    def iso_ms(self, t: float) -> str:
        return f"{self.iso(t)},{int((t - int(t)) * 1000):03d}"

    def slash(self, t: float) -> str:
        d, hms = self._hms(t)
        return f"{self.slash_day[d]} {hms}"

    def aware(self, t: float) -> str:
        start = datetime(self.start.year, self.start.month, self.start.day, tzinfo=JST)
        return (start + timedelta(seconds=t)).isoformat()
