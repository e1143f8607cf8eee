"""mkslog's own log lines (``health_check.log``, ``metrics.log``, ``backup.log``): one table each
(:data:`HEALTH`, :data:`METRICS`, :data:`BACKUP`, :class:`mkslog.linelayout.Layout`: fields, types,
derived columns) that every writer formats with (:meth:`Layout.format <mkslog.linelayout.Layout.format>`)
and the reader compiles (:mod:`mkslog.formats.fixed`), so that the two cannot drift apart.

The layouts are the operations manual's, byte for byte, because other tools grep them::

    2025-01-06 09:30:00 - OK: Service is running (200, 12 ms)
    2025-01-06 09:35:00 - ERROR: Service is down (connection refused)
    2025-01-06 09:30:00,CPU:12.5,Memory:40.1,Disk:63
    2025-01-06 02:00:01 - Starting daily backup

**Time zone.** The stamp carries no offset (the manual's ``date '+%Y-%m-%d %H:%M:%S'``), so writer and
reader share the zone instead: ``source_timezone`` of mkslog.toml, by default the machine's own zone
(:func:`machine_timezone`). Writers stamp lines in that zone (:func:`stamp`), the reader reads them in
it, so a line reads back at the instant it was written, also on a box whose clock runs in UTC while
mkslog.toml says ``source_timezone = "Asia/Tokyo"``.

Standard library only: :mod:`mkslog.health` and :mod:`mkslog.backup` import it and must never load polars.

>>> import datetime as dt
>>> when = dt.datetime(2025, 1, 6, 0, 30, tzinfo=dt.UTC)
>>> health_line(stamp(when, "Asia/Tokyo"), True, "200, 12 ms")
'2025-01-06 09:30:00 - OK: Service is running (200, 12 ms)'
>>> metrics_line(stamp(when, "UTC"), 12.5, 40.1, 63)
'2025-01-06 00:30:00,CPU:12.5,Memory:40.1,Disk:63'
>>> backup_line(stamp(when, "America/New_York"), "Starting daily backup")
'2025-01-05 19:30:00 - Starting daily backup'
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import zoneinfo
from collections.abc import Mapping
from pathlib import Path

from .errors import ConfigError
from .linelayout import Derive, Field, Layout

#: The stamp of every line: strftime layout, the same text as a chrono (polars) format.
TS_LAYOUT = "%Y-%m-%d %H:%M:%S"
STAMP = Field("ts", f"local_time:{TS_LAYOUT}")

# --------------------------------------------------------------------------------------------
# the line layouts: the writers below format with them, mkslog.formats.fixed compiles them for the reader

OK_TEXT = "OK: Service is running"
DOWN_TEXT = "ERROR: Service is down"
#: The detail of a healthy check, ``(200, 12 ms)``: the reader takes code and time from it.
HEALTH_TIMING = r"^(?P<code>[0-9]{3}), (?P<ms>[0-9]+(?:\.[0-9]+)?) ms$"
HEALTH = Layout(
    name="health",
    kind="health",
    pieces=(STAMP, " - ", Field("status", "caps"), ": ", Field("message", "text"),
            Field("reason", "rest", optional=True, prefix=" (", suffix=")")),
    derived=(
        Derive("ok", "bool", "equals", ("status",), {"value": "OK"}),
        Derive("status_code", "uint16", "extract", ("reason",), {"regex": HEALTH_TIMING, "group": "code"}),
        Derive("elapsed_ms", "float64", "extract", ("reason",), {"regex": HEALTH_TIMING, "group": "ms"}),
    ),
    order=("ts", "ok", "status", "message", "reason", "status_code", "elapsed_ms"),
    expect_words=f"YYYY-mm-dd HH:MM:SS - {OK_TEXT} / - {DOWN_TEXT} (reason)",
)

#: A metric as the manual's script and hand-written lines give it: ``12.5`` or ``12%`` (type percent).
METRICS = Layout(
    name="metrics",
    kind="metrics",
    pieces=(STAMP, ",CPU:", Field("cpu", "percent", write=".1f"), ",Memory:", Field("memory", "percent", write=".1f"),
            ",Disk:", Field("disk", "percent")),
    start_through="ts",
    expect_words="YYYY-mm-dd HH:MM:SS,CPU:n,Memory:n,Disk:n",
)

BACKUP_KINDS = ("daily", "weekly", "monthly", "manual")
#: (event, regex on the message with optional groups kind/path/target/reason), first match wins.
BACKUP_EVENTS: tuple[tuple[str, str], ...] = (
    ("start", r"^Starting (?P<kind>[A-Za-z]+) backup$"),
    ("data", r"^Data backup completed: (?P<path>.+?)(?: \([^()]*\))?$"),
    ("config", r"^Config backup completed: (?P<path>.+?)(?: \([^()]*\))?$"),
    ("database", r"^Database backup completed: (?P<path>.+?)(?: \([^()]*\))?$"),
    ("completed", r"^(?P<kind>[A-Za-z]+) backup completed successfully"),
    ("failed", r"^ERROR: (?P<kind>[A-Za-z]+) backup failed: ?(?P<reason>.*)$"),
    ("verified", r"^Verification OK: (?P<path>.+)$"),
    ("verify_failed", r"^ERROR: Verification failed: (?P<path>.+?): (?P<reason>.*)$|^ERROR: Verification failed: (?P<path2>.+)$"),
    ("removed", r"^Removed expired backup: (?P<path>.+)$"),
    ("restored", r"^Restored (?P<path>.+?) to (?P<target>.+)$"),
)


def _event_group(name: str, dtype: str = "str", **params: object) -> Derive:
    return Derive(name, dtype, "match_group", ("message",), {"table": BACKUP_EVENTS, "group": name, **params})


BACKUP = Layout(
    name="backup",
    kind="backup",
    pieces=(STAMP, " - ", Field("message", "rest")),
    derived=(
        Derive("level", "str", "prefix_level", ("message",), {"words": ("ERROR", "WARNING"), "default": "INFO"}),
        # the kind the message names, else the folder of its path (/daily/, /weekly/ ...)
        Derive("backup_kind", "str", "match_group", ("message",), {
            "table": BACKUP_EVENTS, "group": "kind", "lower": True, "choices": BACKUP_KINDS,
            "fallback": "/(" + "|".join(BACKUP_KINDS) + ")/"}),
        Derive("event", "str", "first_match", ("message",), {"table": BACKUP_EVENTS, "default": "other"}),
        _event_group("path", also=("path2",)),
        _event_group("target"),
        Derive("size_bytes", "int64", "human_size", ("message",), only_if=("event", ("data", "config", "database"))),
        _event_group("reason"),
    ),
    order=("ts", "level", "message", "backup_kind", "event", "path", "target", "size_bytes", "reason"),
)

# C0 controls, DEL and C1 controls: a reason may quote a server's Location header, and it must
# neither break the one-line log format nor inject mail headers.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def one_line(text: object, limit: int | None = 300) -> str:
    r"""Escape control characters and cap the length (``limit=None``: no cap), so untrusted text
    stays on one log line.

    >>> one_line("/login\r\nX-Evil: 1")
    '/login\\x0d\\x0aX-Evil: 1'
    """
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))
    return text if limit is None or len(text) <= limit else text[: limit - 3] + "..."


def health_line(ts: str, ok: bool, detail: str | None = None) -> str:
    """A health_check.log line; ``detail`` in parentheses (``200, 12 ms`` or why it is down).

    >>> health_line("2025-01-06 09:35:00", False, "HTTP 500")
    '2025-01-06 09:35:00 - ERROR: Service is down (HTTP 500)'
    >>> health_line("2025-01-06 09:35:00", True)
    '2025-01-06 09:35:00 - OK: Service is running'
    """
    status, message = (OK_TEXT if ok else DOWN_TEXT).split(": ", 1)
    # Control characters escaped: a newline in a reason would split the record in two.
    return HEALTH.format(ts=ts, status=status, message=message, reason=None if detail is None else one_line(detail, None))


def health_timing(code: int, elapsed_ms: int) -> str:
    """The detail of a healthy check, as :data:`HEALTH_TIMING` reads it back.

    >>> health_timing(200, 12)
    '200, 12 ms'
    """
    return f"{code}, {elapsed_ms} ms"


def metrics_line(ts: str, cpu: float, memory: float, disk: int) -> str:
    """A metrics.log line: CPU and memory with one decimal, disk in whole percent as ``df`` prints it.

    >>> metrics_line("2025-01-06 09:30:00", 12.54, 40.06, 63)
    '2025-01-06 09:30:00,CPU:12.5,Memory:40.1,Disk:63'
    """
    return METRICS.format(ts=ts, cpu=cpu, memory=memory, disk=disk)


def backup_line(ts: str, message: str) -> str:
    """A backup.log line; a message of several lines is joined with `` | `` (one event, one line).

    >>> backup_line("2025-01-06 02:00:12", "ERROR: Daily backup failed: pg_dump: error\\ndetail")
    '2025-01-06 02:00:12 - ERROR: Daily backup failed: pg_dump: error | detail'
    """
    return BACKUP.format(ts=ts, message=" | ".join(str(message).splitlines()))


def alert_line(ts: str, kind: str, subject: str) -> str:
    """An alerts.log line (``ALERT`` or ``RESOLVED``), in the health log's layout.

    >>> alert_line("2025-01-06 09:35:00", "ALERT", "service down: http://h/ (HTTP 500)")
    '2025-01-06 09:35:00 - ALERT: service down: http://h/ (HTTP 500)'
    """
    return HEALTH.format(ts=ts, status=kind, message=one_line(subject))


# --------------------------------------------------------------------------------------------
# the shared zone


def stamp(when: dt.datetime | None = None, zone: str | None = None) -> str:
    """The line stamp of ``when`` (default: now) as wall time of ``zone`` (default: the machine's).

    An aware ``when`` is converted to ``zone``; a naive one is taken as that zone's wall time already.

    >>> stamp(dt.datetime(2025, 7, 1, 12, 0, tzinfo=dt.UTC), "America/New_York")
    '2025-07-01 08:00:00'
    >>> stamp(dt.datetime(2025, 1, 6, 9, 30))
    '2025-01-06 09:30:00'
    """
    if when is None:
        when = dt.datetime.now(dt.UTC)
    if when.tzinfo is not None:
        when = when.astimezone(zone_info(zone))
    return when.strftime(TS_LAYOUT)


def zone_info(name: str | None = None) -> zoneinfo.ZoneInfo:
    """The ZoneInfo of ``name`` (default: :func:`machine_timezone`); a ConfigError for an unknown name.

    >>> zone_info("Asia/Tokyo").key
    'Asia/Tokyo'
    """
    name = name or machine_timezone()
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"unknown timezone {name!r} in source_timezone: give an IANA name such as Asia/Tokyo or UTC "
            "(fix mkslog.toml)"
        ) from None


def machine_timezone() -> str:
    """The machine's own zone, resolved once per process (see :func:`resolve_machine_timezone`)."""
    return _machine()[0]


def machine_timezone_origin() -> str:
    """Where :func:`machine_timezone` came from, in words, e.g. ``machine zone, from /etc/localtime``."""
    return _machine()[1]


@functools.cache
def _machine() -> tuple[str, str]:
    return resolve_machine_timezone()


def resolve_machine_timezone(
    environ: Mapping[str, str] | None = None,
    localtime: str | os.PathLike = "/etc/localtime",
    timezone_file: str | os.PathLike = "/etc/timezone",
) -> tuple[str, str]:
    """(IANA zone name, where it came from) of the machine, as the C library sees its local time:
    ``TZ`` when set, else the zone ``/etc/localtime`` links to, else ``/etc/timezone`` (Debian),
    else UTC. A ``TZ`` that is set but empty means UTC, as it does for the C library; a ``TZ``
    or ``/etc/localtime`` that names no IANA zone (``JST-9``, a copied file) falls back to UTC and
    says so: ``mkslog config`` shows it, and ``source_timezone`` in mkslog.toml overrides it.

    >>> resolve_machine_timezone({"TZ": ":America/New_York"})
    ('America/New_York', 'machine zone, from TZ')
    >>> resolve_machine_timezone({"TZ": "JST-9"})[0]
    'UTC'
    """
    environ = os.environ if environ is None else environ
    tz = environ.get("TZ")
    if tz is not None:
        if not tz.strip(": "):
            return "UTC", "machine zone: TZ is empty, which means UTC"
        key = _zone_key(tz.removeprefix(":"))
        if key:
            return key, "machine zone, from TZ"
        return "UTC", f"machine zone: TZ={tz!r} is no IANA zone name, UTC assumed (set source_timezone)"
    path = Path(localtime)
    if path.is_symlink():
        key = _zone_key(os.path.realpath(path))
        if key:
            return key, f"machine zone, from {path}"
    try:
        key = _zone_key(Path(timezone_file).read_text(encoding="utf-8").strip())
    except (OSError, UnicodeError):
        key = None
    if key:
        return key, f"machine zone, from {timezone_file}"
    if path.exists():
        return "UTC", f"machine zone: {path} names no IANA zone, UTC assumed (set source_timezone)"
    return "UTC", f"machine zone: no TZ and no {path}, UTC"


def _zone_key(value: str) -> str | None:
    """An IANA key from a zone name or a zoneinfo file path (``.../zoneinfo/posix/Asia/Tokyo``)."""
    if os.path.isabs(value):
        _, found, rest = value.partition("/zoneinfo/")
        if not found:
            return None
        value = rest.removeprefix("posix/").removeprefix("right/")
    if value in ("localtime", "posixrules", "Factory"):  # files in zoneinfo folders, no zones to polars
        return None
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
    return value
