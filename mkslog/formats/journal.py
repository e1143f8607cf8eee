"""The systemd journal as ``journalctl`` prints it: ``-o short-iso`` and ``-o json``, one kind ``journal``.

``journalctl -u mirai-knowledge-system -o short-iso`` writes ``2026-11-18T14:05:00+0900 host unit[pid]: message``;
a message of several lines goes on in lines indented to the message column. ``journalctl -o json`` writes one
JSON object per line whose values are strings: ``__REALTIME_TIMESTAMP`` (microseconds since the epoch),
``PRIORITY`` (syslog 0-7), ``_HOSTNAME``, ``SYSLOG_IDENTIFIER``, ``_PID``, ``MESSAGE`` (newlines escaped).
Both forms are data: short-iso a line layout (:data:`JOURNAL_SHORT`, a :class:`~mkslog.linelayout.Layout`), JSON a
mapping of column -> JSON keys -> type (:data:`JOURNAL_JSON`); they compile to one :class:`RecordFormat`, so a
file may even mix them. A line that neither starts an entry
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

from dataclasses import dataclass

import polars as pl

from ..linelayout import Derive, Field, Layout, Maybe
from .fixed import FIXED
from .layout import layout_converters, layout_schema, line_regex, start_regex
from .record import TS, RecordFormat

#: An entry of ``-o json``: an object with the journal's timestamp field (journalctl writes it first).
JSON_START = r'^\{.*"__REALTIME_TIMESTAMP"\s*:.*\}\s*$'
#: syslog priority -> the level names mkslog's other logs use.
PRIORITY_LEVELS = {0: "CRITICAL", 1: "CRITICAL", 2: "CRITICAL", 3: "ERROR", 4: "WARNING", 5: "INFO", 6: "INFO",
                   7: "DEBUG"}
#: The level word a short-iso message starts with (``[ERROR] ...``, ``WARN: ...``).
LEVEL_WORD = r"^\[?(CRITICAL|ERROR|WARNING|WARN|INFO|DEBUG)\]?[\s:]"

#: ``2026-11-18T14:05:00+0900 host unit[pid]: message``; continuation lines are indented.
JOURNAL_SHORT = Layout(
    name="journal",
    kind="journal",
    pieces=(Field("ts", "iso_time"), " ", Field("host", "token"), " ", Field("identifier", "program"),
            Field("pid", "int", optional=True, prefix="[", suffix="]"), ":", Maybe(" "), Field("message", "rest")),
    derived=(Derive("level", "str", "extract", ("message",),
                    {"regex": LEVEL_WORD, "group": 1, "replace": {"WARN": "WARNING"}}),),
    multiline=True,
    start_through="host",
)


@dataclass(frozen=True)
class JsonField:
    """A column of ``-o json``: the JSON keys it is read from (the first present wins) and its type
    (a key of :data:`JSON_TYPES`)."""

    keys: tuple[str, ...]
    type: str


#: JSON type -> (dtype, expression from the key's text).
JSON_TYPES: dict[str, tuple[pl.DataType, object]] = {
    "str": (pl.String, lambda v: v),
    "int8": (pl.Int8, lambda v: v.cast(pl.Int8, strict=False)),
    "int64": (pl.Int64, lambda v: v.cast(pl.Int64, strict=False)),
    "epoch_micros": (TS, lambda v: v.cast(pl.Int64, strict=False).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")),
    "syslog_level": (pl.String, lambda v: v.cast(pl.Int8, strict=False).replace_strict(
        PRIORITY_LEVELS, default=None, return_dtype=pl.String)),
}
#: ``journalctl -o json``: column -> where its value is. Values are strings in the JSON.
JOURNAL_JSON: dict[str, JsonField] = {
    "ts": JsonField(("__REALTIME_TIMESTAMP",), "epoch_micros"),
    "level": JsonField(("PRIORITY",), "syslog_level"),
    "priority": JsonField(("PRIORITY",), "int8"),
    "host": JsonField(("_HOSTNAME",), "str"),
    "identifier": JsonField(("SYSLOG_IDENTIFIER", "_COMM"), "str"),
    "pid": JsonField(("_PID",), "int64"),
    "message": JsonField(("MESSAGE",), "str"),
}
#: The columns of the kind, in frame order: the JSON mapping's, which covers the short form's.
JOURNAL_SCHEMA: dict[str, pl.DataType] = {col: JSON_TYPES[f.type][0] for col, f in JOURNAL_JSON.items()}
_SHORT_SCHEMA = layout_schema(JOURNAL_SHORT)
assert all(JOURNAL_SCHEMA[c] == t for c, t in _SHORT_SCHEMA.items()), "both forms give each column one dtype"


def _json_value(f: JsonField) -> pl.Expr:
    text = pl.coalesce(*[pl.col("json").str.json_path_match(f"$.{key}") for key in f.keys])
    return JSON_TYPES[f.type][1](text)


def _journal_convert(source_tz: str) -> list[pl.Expr]:
    # a line is one form or the other, so each column is the form's value that is not null
    short = layout_converters(JOURNAL_SHORT, source_tz)
    return [pl.coalesce(_json_value(JOURNAL_JSON[col]), *([short[col]] if col in short else [])).alias(col)
            for col in JOURNAL_SCHEMA]


_SHORT_LINE = line_regex(JOURNAL_SHORT, slice_rest=False)[0].removeprefix("^").removesuffix("$")
JOURNAL = RecordFormat(
    name="journal",
    kind="journal",
    start=rf"^(?:{start_regex(JOURNAL_SHORT).removeprefix('^')}|{JSON_START[1:]})",
    # one outer group, so "the line matched" is its first group whichever form the line has
    pattern=rf"^(?P<entry>(?P<json>\{{.*\}})\s*|{_SHORT_LINE})$",
    schema=JOURNAL_SCHEMA,
    convert=_journal_convert,
    expect="journalctl -o short-iso (YYYY-mm-ddTHH:MM:SS+zzzz host unit[pid]: message) or -o json",
    extra={"continuation": r"^[ \t]", "layout": JOURNAL_SHORT, "json": JOURNAL_JSON},
)

#: Every fixed-layout format by kind: :data:`mkslog.formats.fixed.FIXED` and the journal (what
#: ``record_format`` and kind detection look kinds up in).
RECORD_FORMATS: dict[str, RecordFormat] = {**FIXED, JOURNAL.kind: JOURNAL}

__all__ = ["JOURNAL", "JOURNAL_JSON", "JOURNAL_SCHEMA", "JOURNAL_SHORT", "PRIORITY_LEVELS", "RECORD_FORMATS"]
