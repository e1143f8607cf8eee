"""Application and error-log records that are never silently wrong (issue 11): asctime as logging
really writes it, timestamped lines that miss a field, warnings when a format does not fit,
the exception of a traceback block, values as written, an inferred format; and, for every app
and error log of the corpus, one record per line that begins with a timestamp.

Fixtures in tests/data/app (each modelled on a real class of log, see tests/data/app/README.md).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

import mkslog
from mkslog.parse.detect import detect_kind
from mkslog.parse.stats import ParseStats
from mkslog.parse.text import parse_text


def scan_records(paths=None, kind=None, format=None, **kwargs):
    """The records of ``kind`` through the front door (kind and format as positional arguments)."""
    return mkslog.scan(paths, format, kind=kind, **kwargs)


def read_records(paths=None, kind=None, format=None, **kwargs):
    return scan_records(paths, kind, format, **kwargs).collect(engine="streaming")

APP = Path(__file__).parent / "data" / "app"
CORPUS = Path(__file__).parent / "data" / "corpus"
GUNICORN_APP = "%(asctime)s [%(process)d] [%(levelname)s] %(message)s"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def read(name: str, fmt=None, **kw) -> tuple[pl.DataFrame, ParseStats]:
    stats = ParseStats()
    df = read_records(APP / name, "app", fmt, stats=stats, source_tz="UTC", **kw)
    fs = stats.files[str(APP / name)]
    assert fs.parsed + fs.rejected == fs.lines == df["n_lines"].sum()
    return df, stats


# --- 1. asctime with or without milliseconds, T, offset --------------------------------------------


def test_asctime_without_milliseconds_gunicorn_datefmt():
    df, stats = read("gunicorn_datefmt.log", GUNICORN_APP)
    assert len(df) == 12 and df["ts"].null_count() == 0 and not df["partial"].any()
    assert stats.warnings == []
    assert df.select("ts", "pid", "level", "message").row(0) == (
        utc(2020, 12, 24, 15, 43, 16), 25746, "INFO", "Starting gunicorn 20.0.4")
    err = df.filter(pl.col("level") == "ERROR").row(0, named=True)
    assert (err["n_lines"], err["exc_type"], err["exc_message"]) == (9, "KeyError", "'HTTP_X_REQUEST_ID'")
    assert df["level"].value_counts().sort("level").rows() == [("CRITICAL", 1), ("ERROR", 1), ("INFO", 10)]


def test_asctime_without_milliseconds_bracketed():
    fmt = "[%(asctime)s] %(levelname)s [%(name)s:%(lineno)d] - %(message)s"
    df, _ = read("bracketed_nomillis.log", fmt)
    assert df.select("ts", "level", "logger", "lineno", "message").row(1) == (
        utc(2026, 4, 27, 1, 4, 48), "WARNING", "app.db", 112, "slow query: 1.84 s")
    assert df["n_lines"].to_list() == [1, 1, 5, 1]
    assert df["exc_type"].to_list() == [None, None, "ConnectionResetError", None]


def test_asctime_with_t_fraction_and_offset_keeps_the_offset():
    df, _ = read("iso_offset.log", "mks")
    assert df["ts"].to_list() == [utc(2026, 11, 18, 5, 5, 0, 123456), utc(2026, 11, 18, 5, 5, 1),
                                  utc(2026, 11, 18, 14, 5, 2, 500000), utc(2026, 11, 18, 14, 5, 3, 7000)]
    assert df["utc_offset"].to_list() == [540, 0, 0, None]
    assert not df["partial"].any()
    tokyo = read_records(APP / "iso_offset.log", "app", "mks", source_tz="Asia/Tokyo")
    # only the line without an offset is read in the source timezone
    assert tokyo["ts"].to_list()[:3] == df["ts"].to_list()[:3]
    assert tokyo["ts"][3] == utc(2026, 11, 18, 5, 5, 3, 7000)


def test_datefmt_still_applies_and_scan_accepts_it():
    text = "24/12/2020 15:43:16 [25746] [INFO] Starting gunicorn 20.0.4\n"
    df = parse_text(text, "app", GUNICORN_APP, datefmt="%d/%m/%Y %H:%M:%S")
    assert (df["ts"][0], df["pid"][0]) == (utc(2020, 12, 24, 15, 43, 16), 25746)
    scanned = read_records(APP / "gunicorn_datefmt.log", "app", GUNICORN_APP, datefmt="%Y-%m-%d %H:%M:%S",
                           source_tz="UTC")
    assert len(scanned) == 12 and scanned["ts"][0] == utc(2020, 12, 24, 15, 43, 16)


# --- 2. a timestamped line that misses a field is its own (partial) record ---------------------------


def test_two_handlers_one_file_every_timestamped_line_is_a_record():
    df, stats = read("two_handlers.log", "dashed")
    assert len(df) == 25  # 24 lines of the two handlers, 1 ERROR line with its traceback
    assert df["partial"].sum() == 13 and not df["orphan"].any()
    short = df.filter(pl.col("partial"))
    assert short["level"].value_counts().sort("level").rows() == [("DEBUG", 12), ("ERROR", 1)]
    assert short["logger"].null_count() == 13
    first = short.row(0, named=True)
    assert (first["ts"], first["message"], first["n_lines"]) == (utc(2025, 2, 18, 21, 52, 0, 785000),
                                                                 "parsed 10 rows", 1)
    err = short.filter(pl.col("level") == "ERROR").row(0, named=True)
    assert (err["message"], err["n_lines"], err["exc_type"]) == ("retrying after error", 4, "requests.exceptions.ReadTimeout")
    full = df.filter(~pl.col("partial"))
    assert full["logger"].unique().to_list() == ["__main__"] and len(full) == 12
    assert stats.warnings == []


def test_partial_line_keeps_its_fields_and_is_never_glued_across_chunks():
    whole, _ = read("two_handlers.log", "dashed")
    for size in (64, 200):
        tiny, _ = read("two_handlers.log", "dashed", chunk_size=size)
        assert tiny.equals(whole)


# --- 3. never silent: warnings when the format does not fit --------------------------------------


def test_warns_when_timestamped_lines_start_no_record():
    stats = ParseStats()
    # the flask layout given for a dashed log: every line begins with a timestamp, none starts a record
    df = read_records(CORPUS / "notable-flask__logs__all_errors.log", "app", "flask", stats=stats)
    assert len(df) == 1 and df["orphan"][0] and df["n_lines"][0] == 165
    name = str(CORPUS / "notable-flask__logs__all_errors.log")
    assert len(stats.warnings) == 2
    assert stats.warnings[0].startswith(f"{name}: 17 lines begin with a timestamp but start no record of format "
                                        "'flask' (0 do); they are joined onto the record above. First, line 1: "
                                        "'2021-04-04 23:13:54,376 - app - ERROR - Traceback")
    assert stats.warnings[1] == (f"{name}: 165 of 165 lines come before any line that starts a record of format "
                                 "'flask' (one orphan record); give the format (format=/--log-format) and its datefmt")
    # collected again: the warnings are replaced, not repeated
    assert len(read_records(CORPUS / "notable-flask__logs__all_errors.log", "app", "flask", stats=stats)) == 1
    assert len(stats.warnings) == 2
    stats.reset(name)
    assert stats.warnings == []


def test_a_datefmt_that_does_not_fit_is_reported():
    stats = ParseStats()
    df = read_records(APP / "gunicorn_datefmt.log", "app", GUNICORN_APP, datefmt="%d/%m/%Y %H:%M:%S", stats=stats)
    assert len(df) == 1 and df["ts"].null_count() == 1
    assert "12 lines begin with a timestamp but start no record" in stats.warnings[0]
    assert "20 of 20 lines come before any line" in stats.warnings[1]


def test_no_warning_for_a_fitting_format_or_few_stray_lines():
    stats = ParseStats()
    parse_text("2026-11-18 14:05:00,123 INFO app: a\nKeyError: 'x'\n2026-11-18 14:05:01,123 INFO app: b\n",
               "app", "mks", stats=stats)
    assert stats.warnings == []


# --- 7. the exception of a traceback block ----------------------------------------------------------


def test_logging_error_dump_and_stack_info():
    df, _ = read("logging_error.log", "mks")
    assert df["n_lines"].to_list() == [13, 18, 1]
    dump = df.row(0, named=True)
    assert dump["message"] == "batch 461 done" and dump["detail"].startswith("--- Logging error ---")
    assert (dump["exc_type"], dump["exc_message"]) == (
        "RuntimeError", "reentrant call inside <_io.BufferedWriter name='<stderr>'>")  # not "Arguments"
    chained = df.row(1, named=True)  # the last block's exception, not the stack_info frames after it
    assert (chained["exc_type"], chained["exc_message"]) == ("LookupError", "batch-463")


# --- 10. values stored as written -----------------------------------------------------------------


def test_colour_codes_before_fields_are_skipped_and_values_kept_as_written():
    df, _ = read("coloured.log", "mks")
    assert len(df) == 4 and not df["partial"].any() and df["ts"].null_count() == 0
    assert df["level"].to_list() == ["INFO", "WARNING", "ERROR", "WARNING"]
    assert df["message"][0] == "Login successful: username=kato ip=203.0.113.9\x1b[0m"
    users = df["message"].str.extract(r"username=(.*?) ip=").drop_nulls().to_list()
    assert users == ["kato", "\x1b[2Jadmin", "admin"]  # the escape is not stripped into another "admin"


def test_chunks_with_and_without_colour_codes_read_alike():
    # a chunk without any ESC byte is read with the colour-free regexes (faster); the chunks of a
    # file that is coloured only here and there must give what one chunk of the whole file gives
    whole, _ = read("coloured.log", "mks")
    for size in (40, 90, 200):
        tiny, _ = read("coloured.log", "mks", chunk_size=size)
        assert tiny.drop("file").equals(whole.drop("file")), size


# --- 12b. an inferred format, said so ----------------------------------------------------------------


def test_django_format_is_inferred_and_reported():
    path = CORPUS / "Orange-Button-ProductRegistry__logs__django.log"
    assert detect_kind(path) == "app"
    stats = ParseStats()
    df = read_records(path, stats=stats, source_tz="UTC")
    inferred = "%(levelname)s %(asctime)s %(name)s %(process)d %(thread)d %(message)s"
    assert stats.warnings == [f"{path}: no named logging format fits; inferred {inferred!r}; "
                              "pass --log-format (format= in the API) to fix it"]
    assert len(df) == 44 and set(df["source"]) == {"inferred"} and not df["partial"].any()
    assert df.select("level", "ts", "pid", "thread").row(0) == ("WARNING", utc(2025, 2, 14, 18, 8, 27, 72000), 41,
                                                               281473857418272)
    assert df["exc_type"].drop_nulls().to_list() == ["IndexError", "IndexError"]


# --- every app and error log of the corpus: one record per line that begins with a timestamp ----------

LEVEL = r"(?:DEBUG|INFO|WARNING|ERROR|CRITICAL)"
# counted with re, independently of mkslog: a timestamp at the start (after a level word for
# Django's level-first layout); ml.log's basicConfig format has no timestamp: its level word starts
TIMESTAMPED = re.compile(rf"^(?:{LEVEL} )?\[?\d{{4}}[-/]\d{{2}}[-/]\d{{2}}[ T]\d{{2}}:\d{{2}}:\d{{2}}")
NO_TIME = re.compile(rf"^{LEVEL}:")
FILES = [
    ("Orange-Button-ProductRegistry__logs__django.log", "app"),
    ("notable-flask__logs__all_errors.log", "app"),
    ("notable-flask__logs__ml.log", "app"),
    ("Orange-Button-ProductRegistry__logs__gunicorn-error.log", "gunicorn-error"),
    ("beats__nginx__error__test__error.log", "nginx-error"),
    ("isucon9-qualify__log__nginx__error.log", "nginx-error"),
]


@pytest.mark.parametrize(("name", "kind"), FILES, ids=[f[0] for f in FILES])
@pytest.mark.parametrize("detect", [True, False], ids=["detected", "explicit"])
def test_corpus_records_equal_timestamped_lines(name, kind, detect):
    path = CORPUS / name
    lines = path.read_bytes().decode("utf-8").split("\n")
    lines = lines[:-1] if lines[-1] == "" else lines
    start = NO_TIME if name.endswith("ml.log") else TIMESTAMPED
    expected = sum(1 for line in lines if start.match(line))
    assert expected > 0
    stats = ParseStats()
    df = read_records(path, None if detect else kind, stats=stats, source_tz="UTC")
    assert len(df) == expected
    fs = stats.files[str(path)]
    assert fs.parsed + fs.rejected == fs.lines == len(lines) == df["n_lines"].sum()
    assert not df["orphan"].any() and not df["partial"].any()


# --- a chunk of default-shaped asctimes is read with one strptime ----------------------------------


@pytest.mark.parametrize("tz", ["UTC", "Asia/Tokyo", "America/New_York", "Australia/Lord_Howe"])
@pytest.mark.parametrize("fmt", ["mks", "%(asctime)s.%(msecs)03d %(levelname)s %(name)s: %(message)s"])
def test_default_shaped_asctimes_read_alike_the_flexible_way(tz, fmt):
    # DST gaps and folds of New York (whole hours) and Lord Howe (half hours) included
    stamps = ["2026-03-08 01:59:59,999", "2026-03-08 02:30:00,000", "2026-03-08 03:00:00,001",
              "2026-11-01 01:30:00,500", "2026-04-05 01:45:00,000", "2026-10-04 02:15:00,000",
              "2024-02-29 23:59:59,123", "1970-01-01 00:00:00,000"]
    rf = mkslog.parse.records.record_format("app", fmt)
    frame = pl.DataFrame({"g0": stamps, "g1": ["INFO"] * len(stamps), "g2": ["a"] * len(stamps),
                          "g3": ["m"] * len(stamps), "line": ["x"] * len(stamps)}).with_columns(
        pl.lit("123", pl.String).alias("g1") if "msecs" in fmt else pl.col("g1"))
    frame = frame.with_columns(pl.lit(None, pl.String).alias(c) for c in ("phead", "plevel", "g4", "g5"))
    fast = rf.specialize(frame, tz)
    assert fast is not None
    assert frame.select(fast).select("ts", "utc_offset").equals(frame.select(rf.convert(tz)).select("ts", "utc_offset"))


def test_a_chunk_with_other_asctimes_keeps_the_flexible_reading(tmp_path):
    text = ("2026-11-18 14:05:00,123 INFO app: a\n" * 50 + "2026-11-18T14:05:01.5+09:00 INFO app: b\n"
            + "2026-11-18 14:05:02,12Z INFO app: c\n" + "2026-11-18 14:05:03 INFO app: d\n")
    path = tmp_path / "mixed.log"
    path.write_text(text)
    whole, _ = read_path(path)
    for size in (200, 2000):
        tiny, _ = read_path(path, chunk_size=size)
        assert tiny.equals(whole), size
    assert whole["ts"].to_list()[-3:] == [utc(2026, 11, 18, 5, 5, 1, 500000), utc(2026, 11, 18, 14, 5, 2, 120000),
                                          utc(2026, 11, 18, 14, 5, 3)]
    assert whole["utc_offset"].to_list()[-3:] == [540, 0, None]


def read_path(path, **kw):
    stats = ParseStats()
    df = read_records(path, "app", "mks", stats=stats, source_tz="UTC", **kw)
    return df.drop("file"), stats
