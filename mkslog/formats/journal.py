"""The systemd journal as ``journalctl`` prints it: ``-o short-iso`` and ``-o json``, one kind ``journal``.

``journalctl -u mirai-knowledge-system -o short-iso`` writes ``2026-11-18T14:05:00+0900 host unit[pid]: message``;
a message of several lines goes on in lines indented to the message column. ``journalctl -o json`` writes one
JSON object per line whose values are strings: ``__REALTIME_TIMESTAMP`` (microseconds since the epoch),
``PRIORITY`` (syslog 0-7), ``_HOSTNAME``, ``SYSLOG_IDENTIFIER``, ``_PID``, ``MESSAGE`` (newlines escaped).
Both forms are one :class:`RecordFormat`, so a file may even mix them. A line that neither starts an entry
nor continues one (indented) is a counted reject: ``-- Boot 3f2c... --``, ``-- No entries --``, a cut JSON
object (a line journalctl was cut off in). Columns: ``ts`` (UTC; both forms carry the instant, so ``source_tz`` is not needed), ``level``
(PRIORITY 0-2 ``CRITICAL``, 3 ``ERROR``, 4 ``WARNING``, 5-6 ``INFO``, 7 ``DEBUG``; short-iso carries no
priority, so there it is the level word the message starts with, ``[ERROR]`` or ``ERROR``, else null),
``priority`` (Int8, JSON only), ``host``, ``identifier`` (the unit's syslog identifier), ``pid``, ``message``.

>>> import re
>>> m = re.match(JOURNAL.pattern, "2026-11-18T14:05:00+0900 web01 gunicorn[812]: Booting worker")
>>> m["host"], m["identifier"], m["pid"], m["message"]
('web01', 'gunicorn', '812', 'Booting worker')
>>> bool(re.match(JOURNAL.start, '{"__REALTIME_TIMESTAMP" : "1763442300000000", "MESSAGE" : "x"}'))
True
"""

from __future__ import annotations

import polars as pl

from .fixed import FIXED, TS, RecordFormat

DATE_ISO = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:[+-][0-9]{4}|Z)"
#: An entry of ``-o json``: an object with the journal's timestamp field (journalctl writes it first).
JSON_START = r'^\{.*"__REALTIME_TIMESTAMP"\s*:.*\}\s*$'
#: syslog priority -> the level names mkslog's other logs use.
PRIORITY_LEVELS = {0: "CRITICAL", 1: "CRITICAL", 2: "CRITICAL", 3: "ERROR", 4: "WARNING", 5: "INFO", 6: "INFO",
                   7: "DEBUG"}
_LEVEL_WORD = r"^\[?(CRITICAL|ERROR|WARNING|WARN|INFO|DEBUG)\]?[\s:]"

JOURNAL_SCHEMA: dict[str, pl.DataType] = {
    "ts": TS, "level": pl.String, "priority": pl.Int8, "host": pl.String, "identifier": pl.String,
    "pid": pl.Int64, "message": pl.String,
}


def _field(name: str) -> pl.Expr:
    return pl.col("json").str.json_path_match(f"$.{name}")


def _journal_convert(source_tz: str) -> list[pl.Expr]:
    iso = pl.col("ts").str.replace(r"Z$", "+0000")
    short_ts = pl.coalesce(iso.str.strptime(pl.Datetime("us", "UTC"), "%Y-%m-%dT%H:%M:%S%.f%z", strict=False),
                           iso.str.strptime(pl.Datetime("us", "UTC"), "%Y-%m-%dT%H:%M:%S%z", strict=False))
    micros = _field("__REALTIME_TIMESTAMP").cast(pl.Int64, strict=False)
    json_ts = micros.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    priority = _field("PRIORITY").cast(pl.Int8, strict=False)
    short_level = pl.col("message").str.extract(_LEVEL_WORD, 1).replace({"WARN": "WARNING"})
    json_level = priority.replace_strict(PRIORITY_LEVELS, default=None, return_dtype=pl.String)
    is_json = pl.col("json").is_not_null()
    return [
        pl.when(is_json).then(json_ts).otherwise(short_ts).alias("ts"),
        pl.when(is_json).then(json_level).otherwise(short_level).alias("level"),
        priority.alias("priority"),
        pl.coalesce(_field("_HOSTNAME"), pl.col("host")).alias("host"),
        pl.coalesce(_field("SYSLOG_IDENTIFIER"), _field("_COMM"), pl.col("identifier")).alias("identifier"),
        pl.coalesce(_field("_PID"), pl.col("pid")).cast(pl.Int64, strict=False).alias("pid"),
        pl.when(is_json).then(_field("MESSAGE")).otherwise(pl.col("message")).alias("message"),
    ]


JOURNAL = RecordFormat(
    name="journal",
    kind="journal",
    start=rf"^(?:{DATE_ISO} \S+ |{JSON_START[1:]})",
    # one outer group, so "the line matched" is its first group whichever form the line has
    pattern=(
        rf"^(?P<entry>(?P<json>\{{.*\}})\s*|(?P<ts>{DATE_ISO}) (?P<host>\S+) "
        r"(?P<identifier>[^\s\[:]+)(?:\[(?P<pid>[0-9]+)\])?: ?(?P<message>.*))$"
    ),
    schema=JOURNAL_SCHEMA,
    convert=_journal_convert,
    expect="journalctl -o short-iso (YYYY-mm-ddTHH:MM:SS+zzzz host unit[pid]: message) or -o json",
    extra={"continuation": r"^[ \t]"},
)

#: Every fixed-layout format by kind: :data:`mkslog.formats.fixed.FIXED` and the journal (what
#: ``record_format`` and kind detection look kinds up in).
RECORD_FORMATS: dict[str, RecordFormat] = {**FIXED, JOURNAL.kind: JOURNAL}

__all__ = ["JOURNAL", "JOURNAL_SCHEMA", "PRIORITY_LEVELS", "RECORD_FORMATS"]
