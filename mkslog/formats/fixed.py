"""The fixed-layout logs: nginx error log, gunicorn error log, and the lines the manual's cron
scripts write (``health_check.log``, ``metrics.log``, ``backup.log``; mkslog writes them now, and
their layouts are defined once in :mod:`mkslog.loglines`, for its writers and this reader alike).

Each compiles to a :class:`RecordFormat`: a regex that marks the first line of a record, a regex
with named groups over that line, and polars expressions that type the groups. The record parser
(:mod:`mkslog.parse.records`) joins continuation lines of the multi-line kinds onto their record.

Timestamps without an offset (all of these except gunicorn's) are local times of the source
timezone: they are made tz-aware with ``dt.replace_time_zone(source_tz, ambiguous="earliest",
non_existent="null")`` and converted to UTC. mkslog's own writers stamp their lines in that same
zone (``source_timezone``, by default the machine's), so those lines read back at their instant.

>>> import re
>>> fmt = FIXED["metrics"]
>>> re.match(fmt.pattern, "2026-11-18 14:05:00,CPU:12.5,Memory:40.1,Disk:63")["cpu"]
'12.5'
>>> bool(re.match(FIXED["nginx-error"].start, "2016/10/25 14:49:34 [error] 54053#0: *1 open() failed"))
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from .. import loglines

#: A value in double quotes as nginx writes it: anything but a quote, or a backslash escape.
QUOTED = r'(?:[^"\\]|\\.)*'
DATE_SLASH = r"[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}"  # nginx error_log
DATE_GUNICORN = r"\[[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}\]"
TS = pl.Datetime("us", "UTC")
BACKUP_KINDS = ("daily", "weekly", "monthly", "manual")

Converter = Callable[[str], list[pl.Expr]]


@dataclass(frozen=True)
class RecordFormat:
    """A log format the record parser understands.

    ``start``: regex (no captures) that a line starting a record matches; ``pattern``: regex with
    named groups over such a line; ``convert(source_tz)``: expressions from the group columns to the
    typed ``schema`` columns. ``multiline``: lines not matching ``start`` continue the record above
    (else they are rejects). ``tail``: optional regex with named groups, tried on the last line of
    a multi-line record to fill columns the first line lacked (nginx puts ``client: ...`` after a
    multi-line FastCGI message). ``expect``: the layout in words, for reject reasons. ``rest``:
    when set, ``pattern`` stops before the last field and that field (named ``rest``) is the rest
    of the line: capturing a long message through the regex engine costs per character, slicing
    does not. ``partial``: optional regex over a first line that starts a record but does not
    match ``pattern``; its groups fill the same-named columns (the fields it does have).
    """

    name: str
    kind: str
    start: str
    pattern: str
    schema: dict[str, pl.DataType]
    convert: Callable[[str], list[pl.Expr]]
    multiline: bool = True
    tail: str | None = None
    expect: str = ""
    rest: str | None = None
    partial: str | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)


def local_to_utc(naive: pl.Expr, source_tz: str) -> pl.Expr:
    """A naive local datetime of ``source_tz`` as a UTC instant. In a DST fold the earlier instant
    is taken; a time in a DST gap (that no clock showed) becomes null."""
    return naive.dt.replace_time_zone(source_tz, ambiguous="earliest", non_existent="null").dt.convert_time_zone(
        "UTC"
    )


def parse_local(text: pl.Expr, chrono_format: str, source_tz: str) -> pl.Expr:
    """Text in ``chrono_format`` (no offset) read as local time of ``source_tz``; invalid dates give null."""
    return local_to_utc(text.str.strptime(pl.Datetime("us"), chrono_format, strict=False), source_tz)


def _nullable(col: str) -> pl.Expr:
    c = pl.col(col)
    return pl.when(c.is_in(["", "-"])).then(None).otherwise(c)


# --------------------------------------------------------------------------------------------
# nginx error log

NGINX_ERROR_SCHEMA: dict[str, pl.DataType] = {
    "ts": TS, "level": pl.String, "pid": pl.Int64, "tid": pl.Int64, "cid": pl.Int64, "message": pl.String,
    "client": pl.String, "server": pl.String, "request": pl.String, "upstream": pl.String, "host": pl.String,
    "referrer": pl.String,
}
_NGINX_TAIL = (
    rf'(?:, client: (?P<client>[^,]*))?(?:, server: (?P<server>[^,]*))?(?:, request: "(?P<request>{QUOTED})")?'
    rf'(?:, upstream: "(?P<upstream>{QUOTED})")?(?:, host: "(?P<host>{QUOTED})")?'
    rf'(?:, referrer: "(?P<referrer>{QUOTED})")?$'
)


def _nginx_convert(source_tz: str) -> list[pl.Expr]:
    return [
        parse_local(pl.col("ts"), "%Y/%m/%d %H:%M:%S", source_tz).alias("ts"),
        pl.col("level").str.to_uppercase().alias("level"),
        pl.col("pid").cast(pl.Int64, strict=False),
        pl.col("tid").cast(pl.Int64, strict=False),
        pl.col("cid").cast(pl.Int64, strict=False),
        pl.col("message"),
        *[_nullable(c).alias(c) for c in ("client", "server", "request", "upstream", "host", "referrer")],
    ]


NGINX_ERROR = RecordFormat(
    name="nginx-error",
    kind="nginx-error",
    start=rf"^{DATE_SLASH} \[[a-z]+\] ",
    pattern=(
        rf"^(?P<ts>{DATE_SLASH}) \[(?P<level>[a-z]+)\] (?P<pid>[0-9]+)#(?P<tid>[0-9]+): "
        rf"(?:\*(?P<cid>[0-9]+) )?(?P<message>.*?){_NGINX_TAIL}"
    ),
    schema=NGINX_ERROR_SCHEMA,
    convert=_nginx_convert,
    tail=r"(?:^|, )client: (?P<client>[^,]*)" + _NGINX_TAIL.removeprefix(r"(?:, client: (?P<client>[^,]*))?"),
    expect="YYYY/MM/DD HH:MM:SS [level] pid#tid: *cid message, client: ..., server: ...",
)


# --------------------------------------------------------------------------------------------
# gunicorn error log

GUNICORN_ERROR_SCHEMA: dict[str, pl.DataType] = {
    "ts": TS, "utc_offset": pl.Int16, "level": pl.String, "pid": pl.Int64, "message": pl.String,
    "event": pl.String, "worker_pid": pl.Int64,
}

#: (event, regex on the message), first match wins; anything else is ``other``.
GUNICORN_EVENTS: list[tuple[str, str]] = [
    ("worker_timeout", r"^WORKER TIMEOUT \(pid: ?[0-9]+\)"),
    ("worker_boot", r"^Booting worker with pid: ?[0-9]+"),
    ("worker_exit", r"^Worker exiting \(pid: ?[0-9]+\)|^Worker \(pid: ?[0-9]+\) (?:was sent|exited)"),
    ("start", r"^Starting gunicorn"),
    ("listening", r"^Listening at: "),
    ("shutdown", r"^Shutting down: Master"),
    ("signal", r"^Handling signal: "),
    ("exception", r"^Exception in worker process|^Error handling request"),
]


def _gunicorn_convert(source_tz: str) -> list[pl.Expr]:
    text = pl.col("ts")  # "[2025-02-14 18:08:19 +0000]": it carries its offset, source_tz is not needed
    aware = text.str.strptime(pl.Datetime("us"), "[%Y-%m-%d %H:%M:%S %z]", strict=False)
    sign = pl.when(text.str.slice(21, 1) == "-").then(-1).otherwise(1)
    offset = sign * (text.str.slice(22, 2).cast(pl.Int32, strict=False) * 60
                     + text.str.slice(24, 2).cast(pl.Int32, strict=False))
    msg = pl.col("message")
    event = pl.lit("other")
    for name, regex in reversed(GUNICORN_EVENTS):
        event = pl.when(msg.str.contains(regex)).then(pl.lit(name)).otherwise(event)
    worker = pl.when(event.str.starts_with("worker_")).then(
        msg.str.extract(r"pid: ?([0-9]+)").cast(pl.Int64, strict=False)
    )
    return [
        aware.dt.convert_time_zone("UTC").alias("ts"),
        offset.cast(pl.Int16).alias("utc_offset"),
        pl.col("level").str.to_uppercase().alias("level"),
        pl.col("pid").cast(pl.Int64, strict=False),
        msg,
        event.alias("event"),
        worker.alias("worker_pid"),
    ]


GUNICORN_ERROR = RecordFormat(
    name="gunicorn-error",
    kind="gunicorn-error",
    start=rf"^{DATE_GUNICORN} \[[0-9]+\] \[[A-Za-z]+\]",
    pattern=rf"^(?P<ts>{DATE_GUNICORN}) \[(?P<pid>[0-9]+)\] \[(?P<level>[A-Za-z]+)\] ?",
    rest="message",
    schema=GUNICORN_ERROR_SCHEMA,
    convert=_gunicorn_convert,
    expect="[YYYY-mm-dd HH:MM:SS +zzzz] [pid] [LEVEL] message",
)


# --------------------------------------------------------------------------------------------
# health_check.log, metrics.log, backup.log: one line per event, written by mkslog.health.checks /
# mkslog.backup.create (and the manual's shell scripts before them). The stamp, the starts and the patterns
# come from mkslog.loglines, which the writers format with: reader and writer share one definition.

HEALTH_SCHEMA: dict[str, pl.DataType] = {
    "ts": TS, "ok": pl.Boolean, "status": pl.String, "message": pl.String, "reason": pl.String,
    "status_code": pl.UInt16, "elapsed_ms": pl.Float64,
}


def _health_convert(source_tz: str) -> list[pl.Expr]:
    reason = pl.col("reason")
    timing = reason.str.extract_groups(loglines.HEALTH_TIMING)
    return [
        parse_local(pl.col("ts"), loglines.TS_LAYOUT, source_tz).alias("ts"),
        (pl.col("status") == "OK").alias("ok"),
        pl.col("status"),
        pl.col("message"),
        reason,
        timing.struct.field("code").cast(pl.UInt16, strict=False).alias("status_code"),
        timing.struct.field("ms").cast(pl.Float64, strict=False).alias("elapsed_ms"),
    ]


HEALTH = RecordFormat(
    name="health",
    kind="health",
    start=loglines.HEALTH_START,
    pattern=loglines.HEALTH_PATTERN,
    schema=HEALTH_SCHEMA,
    convert=_health_convert,
    multiline=False,
    expect=loglines.HEALTH_EXPECT,
)

METRICS_SCHEMA: dict[str, pl.DataType] = {"ts": TS, "cpu": pl.Float64, "memory": pl.Float64, "disk": pl.Float64}


def _metrics_convert(source_tz: str) -> list[pl.Expr]:
    return [
        parse_local(pl.col("ts"), loglines.TS_LAYOUT, source_tz).alias("ts"),
        *[pl.col(c).cast(pl.Float64, strict=False) for c in ("cpu", "memory", "disk")],
    ]


METRICS = RecordFormat(
    name="metrics",
    kind="metrics",
    start=loglines.METRICS_START,
    pattern=loglines.METRICS_PATTERN,
    schema=METRICS_SCHEMA,
    convert=_metrics_convert,
    multiline=False,
    expect=loglines.METRICS_EXPECT,
)

BACKUP_SCHEMA: dict[str, pl.DataType] = {
    "ts": TS, "level": pl.String, "message": pl.String, "backup_kind": pl.String, "event": pl.String,
    "path": pl.String, "target": pl.String, "size_bytes": pl.Int64, "reason": pl.String,
}

#: (event, regex on the message with optional groups path/target/reason), first match wins.
BACKUP_EVENTS: list[tuple[str, str]] = [
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
]
_SIZE = r"\((?P<num>[0-9]+(?:\.[0-9]+)?) ?(?P<unit>bytes|B|[KMGTP](?:i?B)?)?\)$"
#: Human sizes as ``ls -lh`` / ``du -h`` print them: powers of 1024.
_UNITS = {"": 1, "bytes": 1, "B": 1, **{u: 1024 ** (i + 1) for i, u in enumerate("KMGTP")}}


def _backup_convert(source_tz: str) -> list[pl.Expr]:
    msg = pl.col("message")
    event: pl.Expr = pl.lit("other")
    kind: pl.Expr = pl.lit(None, pl.String)
    path: pl.Expr = pl.lit(None, pl.String)
    target: pl.Expr = pl.lit(None, pl.String)
    reason: pl.Expr = pl.lit(None, pl.String)
    for name, regex in reversed(BACKUP_EVENTS):
        hit = msg.str.contains(regex)
        groups = msg.str.extract_groups(regex)
        names = set(_group_names(regex))
        event = pl.when(hit).then(pl.lit(name)).otherwise(event)
        if "kind" in names:
            kind = pl.when(hit).then(groups.struct.field("kind").str.to_lowercase()).otherwise(kind)
        if "path" in names:
            found = groups.struct.field("path")
            if "path2" in names:
                found = pl.coalesce(found, groups.struct.field("path2"))
            path = pl.when(hit).then(found).otherwise(path)
        if "target" in names:
            target = pl.when(hit).then(groups.struct.field("target")).otherwise(target)
        if "reason" in names:
            reason = pl.when(hit).then(groups.struct.field("reason")).otherwise(reason)
    kind = pl.when(kind.is_in(list(BACKUP_KINDS))).then(kind)
    from_path = msg.str.extract(r"/(daily|weekly|monthly|manual)/", 1)
    size = msg.str.extract_groups(_SIZE)
    unit = size.struct.field("unit").fill_null("").str.replace(r"^([KMGTP])i?B$", "$1").replace_strict(
        _UNITS, default=None, return_dtype=pl.Float64
    )
    size_bytes = (size.struct.field("num").cast(pl.Float64, strict=False) * unit).round(0).cast(pl.Int64)
    level = (
        pl.when(msg.str.starts_with("ERROR:")).then(pl.lit("ERROR"))
        .when(msg.str.starts_with("WARNING:")).then(pl.lit("WARNING"))
        .otherwise(pl.lit("INFO"))
    )
    return [
        parse_local(pl.col("ts"), loglines.TS_LAYOUT, source_tz).alias("ts"),
        level.alias("level"),
        msg,
        pl.coalesce(kind, from_path).alias("backup_kind"),
        event.alias("event"),
        path.alias("path"),
        target.alias("target"),
        pl.when(event.is_in(["data", "config", "database"])).then(size_bytes).alias("size_bytes"),
        reason.alias("reason"),
    ]


def _group_names(regex: str) -> list[str]:
    import re

    return list(re.compile(regex).groupindex)


BACKUP = RecordFormat(
    name="backup",
    kind="backup",
    start=loglines.BACKUP_START,
    pattern=loglines.BACKUP_PATTERN,
    schema=BACKUP_SCHEMA,
    convert=_backup_convert,
    multiline=False,
    expect=loglines.BACKUP_EXPECT,
)

#: The fixed formats by kind name.
FIXED: dict[str, RecordFormat] = {f.kind: f for f in (NGINX_ERROR, GUNICORN_ERROR, HEALTH, METRICS, BACKUP)}
