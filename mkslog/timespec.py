"""Time filters for ``--since`` / ``--until``: words, durations, dates, ISO weeks -> UTC instants,
and the reports' periods (:class:`Period`: a day, an ISO week, a month or a range).

Every spec names an interval ``[start, end)`` in the display timezone: a date is that whole day,
``2026-11`` that month, ``2026-W47`` that ISO week (Monday to Monday), ``yesterday``/``today``
the day, ``last week``/``this week`` the week, while a datetime, ``now`` or a duration back
from now (``7d``, ``2h``, ``30m``, ``90s``, ``2w``) is an instant. ``--since X`` starts at
X's start and ``--until X`` ends at X's end, so ``--since 2026-11-20 --until 2026-11-20`` is
that one day. Anything else goes to python-dateutil (``Nov 20 2026``, ``2026-11-20T14:00+09:00``);
a value without an offset is read in the display timezone. Standard library and dateutil only.

>>> from datetime import datetime, timezone
>>> now = datetime(2026, 11, 25, 3, 0, tzinfo=timezone.utc)          # 12:00 in Tokyo
>>> [t.isoformat() for t in time_range("last week", None, tz="Asia/Tokyo", now=now)[:1]]
['2026-11-15T15:00:00+00:00']
>>> time_range("2h", None, tz="UTC", now=now)[0].isoformat()
'2026-11-25T01:00:00+00:00'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError, TimeSpecError

EXAMPLES = ("2026-11-20, '2026-11-20 14:00', yesterday, today, 7d, 2h, 30m, 'last week', 'this week', "
            "2026-W47, 2026-11")
_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600,
          "d": 86400, "day": 86400, "w": 604800, "week": 604800, "ms": 0.001}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]+)(?:\s+ago)?\s*$")
_ISO_WEEK = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.IGNORECASE)
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


def zone(name: str | tzinfo | None) -> tzinfo:
    """A tzinfo for an IANA name (``Asia/Tokyo``, ``UTC``); a clear error for an unknown one."""
    if isinstance(name, tzinfo):
        return name
    if not name or name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise TimeSpecError(f"unknown timezone {name!r}: use an IANA name such as Asia/Tokyo or UTC") from None


def check_timezone(tz: str) -> str:
    """``tz`` when it names an IANA zone, else a ConfigError that says what to give.

    >>> check_timezone("Asia/Tokyo")
    'Asia/Tokyo'
    """
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"unknown timezone {tz!r}: give an IANA name such as Asia/Tokyo or UTC") from None
    return tz


def parse_duration(text: str | float | int | timedelta, *, default_unit: str = "s") -> timedelta:
    """``'1s'``, ``'500ms'``, ``'1.5 s'``, ``'2h'``, ``'7d'`` -> timedelta; a bare number is in ``default_unit``.

    >>> parse_duration("500ms"), parse_duration("2h"), parse_duration(1000, default_unit="ms")
    (datetime.timedelta(microseconds=500000), datetime.timedelta(seconds=7200), datetime.timedelta(seconds=1))
    """
    if isinstance(text, timedelta):
        return text
    if isinstance(text, int | float):
        return timedelta(seconds=float(text) * _UNITS[default_unit])
    raw = str(text).strip().lower()
    try:
        return timedelta(seconds=float(raw) * _UNITS[default_unit])
    except ValueError:
        pass
    m = _DURATION.match(raw)
    unit = _unit(m.group(2)) if m else None
    if unit is None:
        raise TimeSpecError(f"cannot understand duration {text!r}: give e.g. 500ms, 1s, 1.5s, 30m, 2h or 7d")
    return timedelta(seconds=float(m.group(1)) * _UNITS[unit])


def _unit(word: str) -> str | None:
    """``'hours'`` -> ``'hour'``; None when not a unit."""
    if word in _UNITS:
        return word
    return word[:-1] if word.endswith("s") and word[:-1] in _UNITS else None


def interval(spec: str, *, tz: str | tzinfo | None = "UTC", now: datetime | None = None) -> tuple[datetime, datetime]:
    """The interval ``[start, end)`` that ``spec`` names, as UTC datetimes (equal for an instant).

    >>> now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    >>> [t.date().isoformat() for t in interval("2026-W47", now=now)]
    ['2026-11-16', '2026-11-23']
    """
    zi = zone(tz)
    now = (now or datetime.now(UTC)).astimezone(zi)
    today = now.date()
    text = " ".join(str(spec).strip().lower().split())
    if not text:
        raise TimeSpecError(f"empty time: give one of {EXAMPLES}")
    monday = today - timedelta(days=today.weekday())
    words = {
        "now": None,
        "today": (today, today + timedelta(days=1)),
        "yesterday": (today - timedelta(days=1), today),
        "tomorrow": (today + timedelta(days=1), today + timedelta(days=2)),
        "this week": (monday, monday + timedelta(days=7)),
        "last week": (monday - timedelta(days=7), monday),
        "this month": (today.replace(day=1), _next_month(today.replace(day=1))),
        "last month": (_prev_month(today.replace(day=1)), today.replace(day=1)),
    }
    if text in words:
        if words[text] is None:
            return _utc(now), _utc(now)
        first, after = words[text]
        return _local(first, zi), _local(after, zi)
    if (m := _DURATION.match(text)) and _unit(m.group(2)):
        back = now - parse_duration(f"{m.group(1)}{m.group(2)}")
        return _utc(back), _utc(back)
    if m := _ISO_WEEK.match(text):
        try:
            first = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
        except ValueError:
            raise TimeSpecError(f"no such ISO week: {spec!r} (weeks run from W01 to W52 or W53)") from None
        return _local(first, zi), _local(first + timedelta(days=7), zi)
    if m := _MONTH.match(text):
        try:
            first = date(int(m.group(1)), int(m.group(2)), 1)
        except ValueError:
            raise TimeSpecError(f"no such month: {spec!r}") from None
        return _local(first, zi), _local(_next_month(first), zi)
    return _parse_free(str(spec), zi, now)


def _parse_free(spec: str, zi: tzinfo, now: datetime) -> tuple[datetime, datetime]:
    from dateutil import parser

    d0, d1 = datetime(2000, 1, 1), datetime(2001, 2, 2, 23, 59, 59, 999999)
    try:
        a, b = parser.parse(spec, default=d0), parser.parse(spec, default=d1)
        value = parser.parse(spec, default=datetime.combine(now.date(), datetime.min.time()))
    except (ValueError, OverflowError):
        raise TimeSpecError(f"cannot understand time {spec!r}: give one of {EXAMPLES}") from None
    time_given = a.time() != d0.time() or b.time() != d1.time()
    if time_given or value.tzinfo is not None:
        local = value if value.tzinfo is not None else value.replace(tzinfo=zi)
        return _utc(local), _utc(local)
    first = value.date()
    if a.day != b.day:  # no day given: the month
        first = first.replace(day=1)
        return _local(first, zi), _local(_next_month(first), zi)
    return _local(first, zi), _local(first + timedelta(days=1), zi)


def time_range(
    since: str | None, until: str | None, *, tz: str | tzinfo | None = "UTC", now: datetime | None = None
) -> tuple[datetime | None, datetime | None]:
    """``(start, end)`` in UTC for ``--since``/``--until`` (None where not given); ``end`` is exclusive.

    >>> now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    >>> [t.isoformat() for t in time_range("2026-11-20", "2026-11-20", tz="Asia/Tokyo", now=now)]
    ['2026-11-19T15:00:00+00:00', '2026-11-20T15:00:00+00:00']
    """
    start = interval(since, tz=tz, now=now)[0] if since else None
    end = interval(until, tz=tz, now=now)[1] if until else None
    if start is not None and end is not None and start >= end:
        raise TimeSpecError(
            f"--since {since!r} ({start.isoformat()}) is not before --until {until!r} ({end.isoformat()})"
        )
    return start, end


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _local(day: date, zi: tzinfo) -> datetime:
    """Local midnight of ``day`` in ``zi``, as UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=zi).astimezone(UTC)


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def _prev_month(first: date) -> date:
    return date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)


PERIOD_KINDS = ("day", "week", "month", "range")
_WEEK_WORDS = {"last": "last week", "this": "this week"}
_DAY_WORDS = {"last": "yesterday", "this": "today"}
_MONTH_WORDS = {"last": "last month", "this": "this month"}


@dataclass(frozen=True)
class Period:
    """A report's period ``[start, end)`` (UTC instants) in the display timezone ``tz``: a local
    day, an ISO week, a calendar month or any range. ``label`` names it in file names.

    >>> p = resolve_period("month", "2026-11", "Asia/Tokyo")
    >>> p.label, p.previous().label, p.last_day.isoformat(), len(p.days())
    ('2026-11', '2026-10', '2026-11-30', 30)
    """

    kind: str
    label: str
    start: datetime
    end: datetime
    tz: str

    @property
    def first_day(self) -> date:
        """The first local date of the period."""
        return self.start.astimezone(zone(self.tz)).date()

    @property
    def last_day(self) -> date:
        """The last local date of the period (the one its last instant falls on)."""
        return (self.end.astimezone(zone(self.tz)) - timedelta(microseconds=1)).date()

    def days(self) -> list[date]:
        """Every local date the period touches, in order."""
        n = (self.last_day - self.first_day).days + 1
        return [self.first_day + timedelta(days=i) for i in range(n)]

    def previous(self) -> Period:
        """The period before: the day, ISO week or calendar month before, or a range of the same
        length that ends where this one starts.

        >>> resolve_period("week", "2027-W01", "UTC").previous().label
        '2026-W53'
        >>> resolve_period("range", "2026-11-16/2026-11-18", "UTC").previous().label
        '2026-11-13_2026-11-15'
        """
        if self.kind == "day":
            return resolve_period("day", (self.first_day - timedelta(days=1)).isoformat(), self.tz)
        if self.kind == "week":
            year, week, _ = (self.first_day - timedelta(days=7)).isocalendar()
            return resolve_period("week", f"{year}-W{week:02d}", self.tz)
        if self.kind == "month":
            before = _prev_month(self.first_day.replace(day=1))
            return resolve_period("month", f"{before.year}-{before.month:02d}", self.tz)
        return range_period(self.start - (self.end - self.start), self.start, self.tz)


def resolve_period(kind: str, spec: str, tz: str = "UTC", *, now: datetime | None = None) -> Period:
    """``kind`` (day, week, month) and its spec -> :class:`Period` in ``tz``. ``last`` and ``this``
    name the period before the current one and the current one; a day is ``2026-11-18`` or
    ``yesterday``, a week ``2026-W47``, a month ``2026-11``. For ``range``, spec is ``SINCE/UNTIL``
    (anything ``--since``/``--until`` take).

    >>> now = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
    >>> [resolve_period(k, "last", "Asia/Tokyo", now=now).label for k in ("day", "week", "month")]
    ['2026-11-24', '2026-W47', '2026-10']
    """
    if kind not in PERIOD_KINDS:
        raise TimeSpecError(f"unknown period kind {kind!r}: use one of {', '.join(PERIOD_KINDS)}")
    text = " ".join(str(spec).strip().lower().split())
    if kind == "range":
        since, _, until = str(spec).partition("/")
        start, end = time_range(since or None, until or None, tz=tz, now=now)
        if start is None or end is None:
            raise TimeSpecError(f"a range needs both --since and --until (got {spec!r})")
        return range_period(start, end, tz)
    words = {"day": _DAY_WORDS, "week": _WEEK_WORDS, "month": _MONTH_WORDS}[kind]
    start, end = interval(words.get(text, text), tz=tz, now=now)
    first = start.astimezone(zone(tz))
    local_end = end.astimezone(zone(tz))
    whole_days = first.time() == local_end.time() == datetime.min.time() and end > start
    if kind == "week":
        if not whole_days or first.weekday() != 0 or (local_end.date() - first.date()).days != 7:
            raise TimeSpecError(f"not a week: {spec!r} (give last, this or an ISO week such as 2026-W47)")
        year, week, _ = first.date().isocalendar()
        return Period("week", f"{year}-W{week:02d}", start, end, str(tz))
    if kind == "month":
        if not whole_days or first.day != 1 or local_end.date() != _next_month(first.date()):
            raise TimeSpecError(f"not a month: {spec!r} (give last, this or a month such as 2026-11)")
        return Period("month", f"{first:%Y-%m}", start, end, str(tz))
    if not whole_days or (local_end.date() - first.date()).days != 1:
        raise TimeSpecError(f"not a day: {spec!r} (give yesterday, today or a date such as 2026-11-18)")
    return Period("day", first.date().isoformat(), start, end, str(tz))


def range_period(start: datetime, end: datetime, tz: str = "UTC") -> Period:
    """The period ``[start, end)``; its label is its first and last local day when it runs from
    midnight to midnight, else its bounds to the minute.

    >>> range_period(datetime(2026, 11, 16, tzinfo=UTC), datetime(2026, 11, 16, 12, 30, tzinfo=UTC)).label
    '2026-11-16T0000_2026-11-16T1230'
    """
    if start >= end:
        raise TimeSpecError(f"the range {start.isoformat()} to {end.isoformat()} is empty: since must be before until")
    zi = zone(tz)
    a, b = start.astimezone(zi), end.astimezone(zi)
    if a.time() == b.time() == datetime.min.time():
        label = f"{a.date().isoformat()}_{(b - timedelta(days=1)).date().isoformat()}"
    else:
        label = f"{a:%Y-%m-%dT%H%M}_{b:%Y-%m-%dT%H%M}"
    return Period("range", label, start.astimezone(UTC), end.astimezone(UTC), str(tz))


__all__ = ["check_timezone", "interval", "parse_duration", "time_range", "zone", "EXAMPLES", "PERIOD_KINDS", "Period",
           "range_period", "resolve_period"]
