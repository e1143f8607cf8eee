"""One format model (issue 12, must-have 3): every kind's format is data, mkslog's own line layouts
are one table each that the writers format with and the reader compiles, and a table that cannot
work is refused when it is built, with the field named.

The round trips write real files the way ``mkslog health`` and ``mkslog backup`` do (their writer
functions, lines modelled on the operations manual's health_check.log, metrics.log, backup.log) and
read them back through ``mkslog.scan``.
"""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
import pytest

import mkslog
from mkslog import loglines
from mkslog.errors import FormatError
from mkslog.formats import ACCESS_FORMATS, LogFormat, compile_format
from mkslog.formats import Field as AccessField
from mkslog.formats.fixed import FIXED, LAYOUTS
from mkslog.formats.journal import JOURNAL, JOURNAL_JSON, JOURNAL_SHORT, RECORD_FORMATS
from mkslog.formats.layout import FIELD_TYPES, compile_layout, layout_schema
from mkslog.formats.pylogging import PyLogFormat, compile_logging
from mkslog.kinds import KINDS
from mkslog.linelayout import FIELD_TYPES as TYPE_NAMES
from mkslog.linelayout import Derive, Field, Layout, LayoutError, Maybe

UTC = dt.UTC
STAMP = Field("ts", "local_time:%Y-%m-%d %H:%M:%S")


# --------------------------------------------------------------------------------------------
# every kind has a data format


def test_every_kind_has_a_data_format():
    for kind in KINDS:
        if kind == "access":
            formats = [compile_format(name) for name in ACCESS_FORMATS]
            assert all(isinstance(f, LogFormat) and f.fields for f in formats)
            assert all(isinstance(p, str | AccessField) for f in formats for p in f.pieces)
        elif kind == "app":
            fmt = compile_logging("mks")
            assert isinstance(fmt, PyLogFormat) and [f.column for f in fmt.fields] == ["ts", "level", "logger",
                                                                                      "message"]
        else:
            rf = RECORD_FORMATS[kind]
            layout = rf.extra["layout"]
            assert isinstance(layout, Layout) and layout.kind == kind
            assert all(isinstance(p, str | Maybe | Field) for p in layout.pieces)
            # the schema is computed from the table: field types and derivations, nothing written twice
            assert {c: rf.schema[c] for c in layout.columns} == layout_schema(layout), kind


def test_every_field_type_has_a_fragment_and_a_converter():
    assert set(FIELD_TYPES) == set(TYPE_NAMES)


def test_the_compiled_layouts_are_the_parsers_formats():
    for kind, layout in LAYOUTS.items():
        assert FIXED[kind].extra["layout"] is layout
        assert FIXED[kind].pattern == compile_layout(layout).pattern
    assert JOURNAL.extra["layout"] is JOURNAL_SHORT and JOURNAL.extra["json"] is JOURNAL_JSON
    assert list(JOURNAL.schema) == list(JOURNAL_JSON)


# --------------------------------------------------------------------------------------------
# writers and reader share the table: written with the writers, read back through mkslog.scan


def test_own_lines_written_by_the_writers_read_back_through_scan(tmp_path):
    zone = "Asia/Tokyo"
    when = dt.datetime(2026, 11, 18, 5, 5, tzinfo=UTC)  # 14:05 in Tokyo
    ts = loglines.stamp(when, zone)
    health = tmp_path / "health_check.log"
    health.write_text("\n".join([
        loglines.health_line(ts, True, loglines.health_timing(200, 12)),
        loglines.health_line(ts, False, "HTTP 503 (maintenance)"),
        loglines.health_line(ts, True),
    ]) + "\n", encoding="utf-8")
    metrics = tmp_path / "metrics.log"
    metrics.write_text(loglines.metrics_line(ts, 12.54, 40.06, 63) + "\n" + loglines.metrics_line(ts, 0, 99.99, 100)
                       + "\n", encoding="utf-8")
    backup = tmp_path / "backup.log"
    folder = "/var/backups/mirai-knowledge-system/weekly/20261118"
    backup.write_text("\n".join(loglines.backup_line(ts, m) for m in (
        "Starting weekly backup",
        f"Config backup completed: {folder}/config.tar.gz (1.5M)",
        "ERROR: Weekly backup failed: disk full\nno space left",
    )) + "\n", encoding="utf-8")

    def read(path, kind, *cols):
        stats = mkslog.ParseStats()
        df = mkslog.scan([path], kind=kind, source_tz=zone, stats=stats).collect()
        assert stats.total.rejected == 0 and stats.total.parsed == len(df)
        return df.select(*cols).rows()

    assert read(health, "health", "ts", "ok", "status", "message", "reason", "status_code", "elapsed_ms") == [
        (when, True, "OK", "Service is running", "200, 12 ms", 200, 12.0),
        (when, False, "ERROR", "Service is down", "HTTP 503 (maintenance)", None, None),
        (when, True, "OK", "Service is running", None, None, None),
    ]
    assert read(metrics, "metrics", "ts", "cpu", "memory", "disk") == [(when, 12.5, 40.1, 63.0),
                                                                         (when, 0.0, 100.0, 100.0)]
    assert read(backup, "backup", "ts", "level", "backup_kind", "event", "path", "size_bytes", "reason") == [
        (when, "INFO", "weekly", "start", None, None, None),
        (when, "INFO", "weekly", "config", f"{folder}/config.tar.gz", round(1.5 * 1024 ** 2), None),
        (when, "ERROR", "weekly", "failed", None, None, "disk full | no space left"),
    ]


@pytest.mark.parametrize("layout", [loglines.HEALTH, loglines.METRICS, loglines.BACKUP], ids=lambda x: x.name)
def test_a_line_formatted_from_a_table_matches_its_compiled_pattern(layout):
    values = {"ts": "2026-11-18 14:05:00", "status": "OK", "message": "Service is running", "reason": "200, 7 ms",
              "cpu": 1.25, "memory": 2, "disk": 3}
    line = layout.format(**{f.name: values[f.name] for f in layout.fields})
    rf = FIXED[layout.kind]
    pattern = rf.pattern if rf.rest is None else rf.pattern + "(?P<" + rf.rest + ">.*)$"
    groups = re.match(pattern, line).groupdict()
    assert groups == {f.name: format(values[f.name], f.write) for f in layout.fields}


def test_a_writer_cannot_split_a_record():
    with pytest.raises(LayoutError, match="'message' has a line break"):
        loglines.BACKUP.format(ts="2026-11-18 14:05:00", message="one\ntwo")
    with pytest.raises(LayoutError, match="field 'status' needs a value"):
        loglines.HEALTH.format(ts="2026-11-18 14:05:00", message="x")
    with pytest.raises(LayoutError, match="no field cpuu"):
        loglines.METRICS.format(ts="2026-11-18 14:05:00", cpuu=1, cpu=1, memory=1, disk=1)
    # the writers escape first: the health reason keeps its control characters inert
    assert loglines.health_line("2026-11-18 14:05:00", False, "a\nb").endswith("(a\\x0ab)")


# --------------------------------------------------------------------------------------------
# a table that cannot work is refused, naming the field


@pytest.mark.parametrize(("pieces", "derived", "message"), [
    ((STAMP, " ", Field("size", "bytes")), (), "field 'size' has unknown type 'bytes'"),
    ((STAMP, " ", Field("ts", "int")), (), "column 'ts' \\(field 'ts'\\) is given twice"),
    ((STAMP, " ", Field("when", "offset_time:%H:%M %z"), " ", Field("utc_offset", "int")), (),
     "column 'utc_offset' \\(field 'utc_offset'\\) is given twice"),
    ((STAMP, " ", Field("message", "text"), Field("detail", "rest")), (),
     "free-text fields 'message' and 'detail' follow each other"),
    ((STAMP, " ", Field("message", "text"), Maybe(" "), Field("detail", "rest")), (),
     "free-text fields 'message' and 'detail' follow each other"),
    ((STAMP, " ", Field("message", "rest")), (Derive("code", "int64", "extract", ("reason",), {"regex": "x", "group": 1}),),
     "derivation 'code' needs field 'reason', which the layout does not have"),
    ((STAMP, " ", Field("message", "rest")), (Derive("size", "int64", "human_size", ("message",),
                                                      only_if=("event", ("data",))),),
     "derivation 'size' needs field 'event'"),
    ((STAMP, " ", Field("message", "rest")), (Derive("kind", "str", "guess", ("message",)),),
     "derivation 'kind' has unknown rule 'guess'"),
    ((STAMP, " ", Field("message", "rest")), (Derive("n", "int32", "equals", ("message",), {"value": "x"}),),
     "derivation 'n' has unknown dtype 'int32'"),
    ((STAMP, " ", Field("message", "rest")), (Derive("n", "bool", "equals", ("message",)),),
     "derivation 'n' \\(rule equals\\) needs parameter\\(s\\) value"),
    ((STAMP, " ", Field("message", "rest")), (Derive("message", "str", "equals", ("message",), {"value": "x"}),),
     "derivation 'message' has the name of a column already given"),
    ((Field("ts", "local_time"), " ", Field("message", "rest")), (), "field 'ts' of type local_time needs an argument"),
    ((STAMP, " ", Field("2nd", "int")), (), "field name '2nd' is no identifier"),
])
def test_a_broken_table_is_refused_naming_the_field(pieces, derived, message):
    with pytest.raises(LayoutError, match=f"^layout demo: {message}") as caught:
        Layout("demo", "demo", pieces, derived)
    assert isinstance(caught.value, FormatError)  # the CLI prints it as Error: ..., never a traceback


def test_a_bad_order_or_start_is_refused():
    pieces = (STAMP, " ", Field("message", "rest"))
    with pytest.raises(LayoutError, match="order must name each column once: message, ts"):
        Layout("demo", "demo", pieces, order=("ts",))
    with pytest.raises(LayoutError, match="start_through='level' names no field"):
        Layout("demo", "demo", pieces, start_through="level")
    with pytest.raises(LayoutError, match="layout demo: field 'ts': datefmt '%H:%M %Z': cannot read back %Z"):
        compile_layout(Layout("demo", "demo", (Field("ts", "local_time:%H:%M %Z"), " ", Field("x", "rest"))))


def test_a_new_table_reads_a_real_line_with_its_derivations(tmp_path):
    # a layout written here, not one of mkslog's: the model is general (a cron line modelled on
    # the manual's disk_check.sh: "2026-11-18 14:05:00 [WARN] /var 91% used")
    layout = Layout("disk", "demo", (
        STAMP, " [", Field("level", "level_word"), "] ", Field("mount", "token"), " ", Field("used", "percent"),
        " used", Field("note", "rest", optional=True, prefix=" (", suffix=")")),
        derived=(Derive("full", "bool", "equals", ("level",), {"value": "CRIT"}),))
    rf = compile_layout(layout)
    assert rf.expect == "YYYY-mm-dd HH:MM:SS [level] mount used used[ (note)]"
    line = layout.format(ts="2026-11-18 14:05:00", level="crit", mount="/var", used=91, note="soon full")
    assert line == "2026-11-18 14:05:00 [crit] /var 91 used (soon full)"
    frame = pl.DataFrame({"line": [line, "2026-11-18 14:06:00 [WARN] /srv 80% used"]})
    groups = frame.select(pl.col("line").str.extract_groups(rf.pattern)).unnest("line")
    got = groups.select(rf.convert("UTC")).rows()
    assert got == [(dt.datetime(2026, 11, 18, 14, 5, tzinfo=UTC), "CRIT", "/var", 91.0, "soon full", True),
                   (dt.datetime(2026, 11, 18, 14, 6, tzinfo=UTC), "WARN", "/srv", 80.0, None, False)]
