"""The Python ``logging`` format compiler, table-driven: format string, datefmt, line -> record."""

from datetime import UTC, datetime

import pytest

from mkslog.errors import FormatError
from mkslog.formats.datefmt import compile_datefmt
from mkslog.formats.pylogging import NAMED, compile_logging
from mkslog.parse.text import parse_text

TS = datetime(2026, 11, 18, 14, 5, 0, 123000, tzinfo=UTC)
DJANGO = "{levelname} {asctime} {module} {process:d} {thread:d} {message}"

CASES = [
    # (format, datefmt, line, expected subset of the record); source timezone UTC unless said
    ("mks", None, "2026-11-18 14:05:00,123 INFO app_v2.auth: Invalid username or password",
     {"ts": TS, "level": "INFO", "logger": "app_v2.auth", "message": "Invalid username or password"}),
    ("flask", None, "[2026-11-18 14:05:00,123] ERROR in views: Exception on /api/v1/knowledge [GET]",
     {"ts": TS, "level": "ERROR", "module": "views", "message": "Exception on /api/v1/knowledge [GET]", "logger": None}),
    ("logging", None, "WARNING:root:disk almost full: 91%",
     {"ts": None, "level": "WARNING", "logger": "root", "message": "disk almost full: 91%"}),
    ("dashed", None, "2021-04-04 23:20:45,194 - app - ERROR - ERROR: audio exception",
     {"ts": datetime(2021, 4, 4, 23, 20, 45, 194000, tzinfo=UTC), "logger": "app", "level": "ERROR",
      "message": "ERROR: audio exception"}),
    # the message keeps colons, brackets and trailing spaces as written
    ("mks", None, "2026-11-18 14:05:00,123 DEBUG app_v2.db: query: SELECT 1 [0.2 ms]  ",
     {"logger": "app_v2.db", "message": "query: SELECT 1 [0.2 ms]  "}),
    ("mks", None, "2026-11-18 14:05:00,123 INFO app: ", {"message": ""}),
    # width modifiers pad: the regex allows the spaces and the value comes out stripped
    ("%(asctime)s %(levelname)-8s %(name)s: %(message)s", None, "2026-11-18 14:05:00,123 INFO     app: hi",
     {"level": "INFO", "logger": "app", "message": "hi"}),
    ("%(asctime)s %(levelname)-8s %(name)s: %(message)s", None, "2026-11-18 14:05:00,123 CRITICAL app: x",
     {"level": "CRITICAL"}),
    ("%(asctime)s %(levelname)8s %(name)s: %(message)s", None, "2026-11-18 14:05:00,123     INFO app: hi",
     {"level": "INFO"}),
    ("%(filename)s:%(lineno)4d %(message)s", None, "views.py:  42 hello", {"filename": "views.py", "lineno": 42}),
    ("%(filename)s:%(lineno)-4d| %(message)s", None, "views.py:7   | hello", {"lineno": 7, "message": "hello"}),
    # precision truncates a string
    ("%(levelname).1s %(message)s", None, "W careful", {"level": "W", "message": "careful"}),
    # %% is a literal percent sign
    ("%(levelname)s 100%% %(message)s", None, "INFO 100% done", {"level": "INFO", "message": "done"}),
    # a numeric level without a name
    ("%(levelname)s:%(name)s:%(message)s", None, "Level 5:app:trace me", {"level": "Level 5", "logger": "app"}),
    # datefmt without milliseconds, then %(msecs)03d after it: added to ts
    ("%(asctime)s.%(msecs)03d %(levelname)s %(message)s", "%Y-%m-%d %H:%M:%S", "2026-11-18 14:05:00.007 INFO x",
     {"ts": datetime(2026, 11, 18, 14, 5, 0, 7000, tzinfo=UTC), "msecs": 7.0}),
    # datefmt with an offset: the offset wins over the source timezone
    ("%(asctime)s %(message)s", "%Y-%m-%dT%H:%M:%S%z", "2026-11-18T14:05:00+0900 hi",
     {"ts": datetime(2026, 11, 18, 5, 5, 0, tzinfo=UTC), "message": "hi"}),
    ("%(asctime)s %(message)s", "%d/%b/%Y %I:%M:%S %p", "18/Nov/2026 02:05:00 PM hi",
     {"ts": datetime(2026, 11, 18, 14, 5, 0, tzinfo=UTC)}),
    ("[%(asctime)s] %(message)s", "%T %F", "[14:05:00 2026-11-18] hi", {"ts": datetime(2026, 11, 18, 14, 5, tzinfo=UTC)}),
    ("%(asctime)s %(message)s", "%Y-%m-%dT%H:%M:%S%z", "2026-11-18T14:05:00-01:30 colon offset",
     {"ts": datetime(2026, 11, 18, 15, 35, 0, tzinfo=UTC)}),
    ("%(asctime)s %(message)s", "%b %e %H:%M:%S %Y", "Nov  8 14:05:00 2026 space-padded day",
     {"ts": datetime(2026, 11, 8, 14, 5, 0, tzinfo=UTC), "message": "space-padded day"}),
    # the message need not be last (Flask's old debug format)
    ("%(message)s [in %(pathname)s:%(lineno)d]", None, "boom [in C:\\srv\\app.py:42]",
     {"message": "boom", "pathname": "C:\\srv\\app.py", "lineno": 42}),
    # the process and thread attributes
    ("%(asctime)s [%(process)d:%(threadName)s] %(module)s.%(funcName)s:%(lineno)d %(levelname)s %(message)s", None,
     "2026-11-18 14:05:00,123 [1234:Thread-1 (worker)] views.get_item:88 ERROR boom",
     {"pid": 1234, "thread_name": "Thread-1 (worker)", "module": "views", "func": "get_item", "lineno": 88,
      "level": "ERROR", "message": "boom"}),
    ("%(process)d %(thread)d %(processName)s %(levelno)s %(relativeCreated)d %(pathname)s %(message)s", None,
     "77 281473857418272 MainProcess 40 1532 /srv/app/views.py it broke",
     {"pid": 77, "thread": 281473857418272, "process_name": "MainProcess", "levelno": 40, "relative_ms": 1532.0,
      "pathname": "/srv/app/views.py", "message": "it broke"}),
    ("%(funcName)s %(message)s", None, "<module> top level", {"func": "<module>", "message": "top level"}),
    # no asctime: created (seconds since the epoch) is ts
    ("%(created)f %(levelname)s %(message)s", None, "1763474700.123456 INFO x",
     {"ts": datetime(2025, 11, 18, 14, 5, 0, 123456, tzinfo=UTC), "level": "INFO"}),
    # {}-style (Django's LOGGING 'verbose' formatter, as in the corpus)
    (DJANGO, None, "WARNING 2025-02-14 18:08:27,072 log 41 281473857418272 Not Found: /static/server/css/base.css",
     {"level": "WARNING", "ts": datetime(2025, 2, 14, 18, 8, 27, 72000, tzinfo=UTC), "module": "log", "pid": 41,
      "thread": 281473857418272, "message": "Not Found: /static/server/css/base.css"}),
    ("{asctime} {levelname:<8} {name}: {message}", None, "2026-11-18 14:05:00,123 INFO     app: hi",
     {"ts": TS, "level": "INFO", "logger": "app", "message": "hi"}),
    ("{{{levelname}}} {message}", None, "{ERROR} braces", {"level": "ERROR", "message": "braces"}),
]


def parse_one(fmt: str, datefmt: str | None, line: str, tz: str = "UTC") -> dict:
    compiled = compile_logging(fmt, datefmt=datefmt)
    assert compiled.regex.match(line), f"Python re does not match {line!r} with {compiled.pattern()}"
    df = parse_text(line + "\n", "app", compiled, source_tz=tz)
    assert len(df) == 1
    row = df.row(0, named=True)
    assert row["orphan"] is False, f"{line!r} was not recognised as the start of a record"
    return row


@pytest.mark.parametrize(("fmt", "datefmt", "line", "expected"), CASES, ids=[f"{i}:{c[0][:30]}" for i, c in enumerate(CASES)])
def test_logging_format(fmt, datefmt, line, expected):
    row = parse_one(fmt, datefmt, line)
    for key, value in expected.items():
        assert row[key] == value, (key, row)


def test_asctime_is_read_in_the_source_timezone():
    row = parse_one("mks", None, "2026-11-18 14:05:00,123 INFO app: hi", tz="Asia/Tokyo")
    assert row["ts"] == datetime(2026, 11, 18, 5, 5, 0, 123000, tzinfo=UTC)
    # a DST fold takes the earlier instant; a time in the DST gap has no instant (null, not a crash)
    fold = parse_one("mks", None, "2026-11-01 01:30:00,000 INFO app: fold", tz="America/New_York")
    assert fold["ts"] == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    gap = parse_one("mks", None, "2026-03-08 02:30:00,000 INFO app: gap", tz="America/New_York")
    assert gap["ts"] is None


def test_named_formats_and_columns():
    assert set(NAMED) >= {"logging", "flask", "mks"}
    assert NAMED["logging"] == "%(levelname)s:%(name)s:%(message)s"
    assert NAMED["flask"] == "[%(asctime)s] %(levelname)s in %(module)s: %(message)s"
    assert compile_logging("mks").columns == ["ts", "level", "logger", "message"]
    assert compile_logging(NAMED["mks"]).name == "mks"  # the config's string is recognised as the named format
    assert compile_logging("%(message)s").columns == ["message"]


def test_record_schema_always_has_the_base_columns():
    schema = compile_logging("logging").record_format().schema
    assert list(schema)[:4] == ["ts", "level", "logger", "message"]


def test_invalid_timestamp_gives_null_ts_not_a_crash():
    row = parse_one("mks", None, "2026-13-45 14:05:00,123 INFO app: odd clock")
    assert row["ts"] is None and row["message"] == "odd clock"


ERRORS = [
    ("%(levelname)s %(user)s", None, "%(user)s"),
    ("%(asctime)s %(user)s %(ip)s %(message)s", None, "%(user)s, %(ip)s"),
    ("{levelname} {user} {message}", None, "{user}"),
    ("%(message)s %(message)s", None, "duplicate"),
    ("%(asctime)s %(levelname)s %(asctime)s %(message)s", None, "asctime"),
    ("hello world", None, "no %(attribute)s"),
    ("%(name)s%(module)s %(message)s", None, "nothing between them"),
    ("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S %Z", "%Z"),
    ("%(asctime)s %(message)s", "%c", "%c"),
    ("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S %p", "%p without %I"),
]


@pytest.mark.parametrize(("fmt", "datefmt", "needle"), ERRORS)
def test_format_errors_name_the_problem(fmt, datefmt, needle):
    with pytest.raises(FormatError) as info:
        compile_logging(fmt, datefmt=datefmt)
    assert needle in str(info.value)


def test_datefmt_default_and_custom():
    assert compile_datefmt(None).chrono == "%Y-%m-%d %H:%M:%S,%3f"
    custom = compile_datefmt("%Y/%m/%d %H:%M:%S.%f")
    assert custom.has_fraction and not custom.has_offset
    assert compile_datefmt("%Y-%m-%d %H:%M:%S%z").has_offset


ASCTIME_CASES = [
    # what %(asctime)s holds without a datefmt -> (ts in UTC, utc_offset); source timezone UTC
    ("2026-11-18 14:05:00,123", datetime(2026, 11, 18, 14, 5, 0, 123000, tzinfo=UTC), None),
    ("2026-11-18 14:05:00", datetime(2026, 11, 18, 14, 5, tzinfo=UTC), None),
    ("2026-11-18 14:05:00.123", datetime(2026, 11, 18, 14, 5, 0, 123000, tzinfo=UTC), None),
    ("2026-11-18T14:05:00.123456789", datetime(2026, 11, 18, 14, 5, 0, 123456, tzinfo=UTC), None),
    ("2026-11-18T14:05:00+0900", datetime(2026, 11, 18, 5, 5, tzinfo=UTC), 540),
    ("2026-11-18 14:05:00,001 -05:30", datetime(2026, 11, 18, 19, 35, 0, 1000, tzinfo=UTC), -330),
    ("2026-11-18T14:05:00Z", datetime(2026, 11, 18, 14, 5, tzinfo=UTC), 0),
]


@pytest.mark.parametrize(("stamp", "ts", "offset"), ASCTIME_CASES, ids=[c[0] for c in ASCTIME_CASES])
def test_asctime_as_logging_writes_it(stamp, ts, offset):
    df = parse_text(f"{stamp} INFO app: hi\n", "app", "mks")
    assert df.select("ts", "utc_offset", "level", "logger", "message", "partial").row(0) == (
        ts, offset, "INFO", "app", "hi", False)


def test_asctime_then_msecs_with_the_default_datefmt():
    df = parse_text("2026-11-18 14:05:00.007 INFO x\n", "app", "%(asctime)s.%(msecs)03d %(levelname)s %(message)s")
    assert (df["ts"][0], df["msecs"][0]) == (datetime(2026, 11, 18, 14, 5, 0, 7000, tzinfo=UTC), 7.0)
