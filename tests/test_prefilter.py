"""A query's level filter read from the raw text (issue 13, goal 5): records whose first line holds
none of the levels the filter keeps are dropped before parsing, and the answer is exactly the
answer of parsing everything and filtering after.

The oracle is the same scan collected whole and filtered eagerly (no filter reaches the parser);
the fixtures hold every way a level word can mislead: ERROR in an INFO message, in a traceback,
in a logger name, padded and coloured levels, ``Level 5``, orphans and partial first lines.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import mkslog
from mkslog.filters import at_least
from mkslog.formats.pylogging import LEVEL_VOCABULARY
from mkslog.parse.prefilter import MAX_SEARCH_TEXT, accepted, conjuncts, needles, text_filters
from mkslog.parse.records import record_format
from mkslog.parse.stats import ParseStats
from mkslog.queries import error_counts

CORPUS = Path(__file__).parent / "data" / "corpus"
APP = Path(__file__).parent / "data" / "app"

LONG_TEXT = "(a.b)*[c] " * 120  # 1,200 characters: more than MAX_SEARCH_TEXT
MISLEADING = "\n".join([
    "  File \"orphan.py\", line 3, in f",  # an orphan: the file starts inside a traceback (level null)
    "ERROR: the orphan's exception line",
    "2026-11-18 14:05:00,001 INFO app.api: ERROR in a message is not a level",
    "2026-11-18 14:05:01,002 ERROR app.api: boom",
    "Traceback (most recent call last):",
    '  File "a.py", line 1, in f',
    "KeyError: 'x'",
    "2026-11-18 14:05:02,003 WARNING app.ERROR: the logger is named ERROR",
    "2026-11-18 14:05:03,004 CRITICAL app.db: down",
    "2026-11-18 14:05:04,005 Level 5 app.trace: a numeric level",
    "2026-11-18 14:05:05,006 Level 45 app.trace: a numeric level above ERROR",
    "2026-11-18 14:05:06,007 INFO app.api: done",
    "  continuation with ERROR in it",
    "2026-11-18 14:05:07,008 FATAL app.core: fatal",
    "2026-11-18 14:05:08,009",  # partial: a timestamp and nothing else
    "2026-11-18 14:05:09,010 ERROR",  # partial: the level, no logger
    "2026-11-18 15:10:00,011 DEBUG app.api: debug",
    "2026-11-18 15:10:01,012 \x1b[31mERROR\x1b[0m app.api: coloured",
    "2026-11-18 15:10:02,013 error app.api: lower case is no logging level",
    "2026-11-18 15:10:03,014 INFO app.api: pasted " + LONG_TEXT,  # longer than a search is made for
    "",
]) + "\n"
PADDED = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"

PREDICATES = {
    "at least ERROR": at_least("ERROR"),
    "at least WARNING and a time": at_least("WARNING") & (pl.col("ts") >= datetime(2026, 11, 18, 14, 5, 2, tzinfo=UTC)),
    "equals INFO": pl.col("level") == "INFO",
    "not INFO": pl.col("level") != "INFO",
    "not in": ~pl.col("level").is_in(["INFO", "DEBUG", "WARNING"]),
    "null level": pl.col("level").is_null(),
    "or another column": (pl.col("level") == "ERROR") | (pl.col("logger") == "app.db"),
    "a numeric level": pl.col("level") == "Level 45",
    "a message search": pl.col("message").str.contains("ERROR") & at_least("INFO"),
    "a literal message search": pl.col("message").str.contains("ERROR in a", literal=True),
    "a literal search and a level": pl.col("message").str.contains("boom", literal=True) & at_least("ERROR"),
    "starts with": pl.col("message").str.starts_with("a numeric"),
    "ends with": pl.col("message").str.ends_with("exception line"),
    "a logger": pl.col("logger") == "app.ERROR",
    "an empty message": pl.col("message") == "",
    "a literal with regex characters": pl.col("message").str.contains("level (", literal=True),
    "a search in the continuation": pl.col("detail").str.contains("KeyError", literal=True),
    "a very long literal": pl.col("message").str.contains(LONG_TEXT, literal=True),
    "a very long literal nowhere": pl.col("message").str.contains(LONG_TEXT + "!", literal=True),
}


def compare(path, fmt, predicate, columns, chunk_size=None):
    """(filtered by the parser, filtered after a full parse), with the stats of each."""
    pushed_stats, whole_stats = ParseStats(), ParseStats()
    options = {"kind": "app", "source_tz": "Asia/Tokyo", "chunk_size": chunk_size}
    pushed = mkslog.scan(path, fmt, stats=pushed_stats, **options).filter(predicate).select(columns).collect()
    whole = mkslog.scan(path, fmt, stats=whole_stats, **options).collect().filter(predicate).select(columns)
    return pushed, whole, pushed_stats, whole_stats


@pytest.mark.parametrize("chunk_size", [None, 97, 400], ids=["one chunk", "97 bytes", "400 bytes"])
@pytest.mark.parametrize("name", list(PREDICATES))
def test_filtered_records_equal_a_full_parse_filtered_after(tmp_path, name, chunk_size):
    path = tmp_path / "app.log"
    path.write_text(MISLEADING)
    columns = ["line_no", "ts", "level", "logger", "message", "exc_type", "orphan", "partial", "n_lines"]
    pushed, whole, pushed_stats, whole_stats = compare(path, "mks", PREDICATES[name], columns, chunk_size)
    assert_frame_equal(pushed, whole)
    assert pushed_stats.total.lines == whole_stats.total.lines == MISLEADING.count("\n")
    assert pushed_stats.total.parsed == whole_stats.total.parsed
    assert pushed_stats.warnings == whole_stats.warnings


def test_the_misleading_file_really_has_every_case(tmp_path):
    path = tmp_path / "app.log"
    path.write_text(MISLEADING)
    df = mkslog.scan(path, "mks", kind="app", source_tz="UTC").filter(at_least("ERROR")).collect()
    # the traceback's ERROR record, CRITICAL, FATAL, the partial "ERROR" line, the coloured one;
    # not the INFO message, the logger, the continuation line, nor the lower-case word
    assert df["line_no"].to_list() == [4, 9, 14, 16, 18]
    assert df.filter(pl.col("line_no") == 4)["n_lines"].item() == 4
    assert df.filter(pl.col("line_no") == 4)["exc_type"].item() == "KeyError"


def test_padded_levels_and_a_whole_query(tmp_path):
    text = MISLEADING.replace(" INFO ", " INFO     ").replace(" ERROR app", " ERROR    app")
    path = tmp_path / "padded.log"
    path.write_text(text)
    pushed, whole, *_ = compare(path, PADDED, at_least("ERROR"), ["line_no", "level", "message"])
    assert_frame_equal(pushed, whole)
    assert "ERROR" in pushed["level"].to_list()
    lf = mkslog.scan(path, PADDED, kind="app", source_tz="UTC")
    counts = error_counts(lf, "1h", fill=False)
    assert counts["count"].to_list() == error_counts(lf.collect().lazy(), "1h", fill=False)["count"].to_list()


@pytest.mark.parametrize("name", ["Orange-Button-ProductRegistry__logs__django.log",
                                  "notable-flask__logs__all_errors.log", "notable-flask__logs__ml.log"])
def test_corpus_app_logs_filtered_equal_filtered_after(name):
    path = CORPUS / name
    for predicate in (at_least("ERROR"), at_least("WARNING"), pl.col("level") == "INFO"):
        pushed, whole, *_ = compare(path, None, predicate, ["line_no", "level", "message", "n_lines", "exc_type"], 2048)
        assert_frame_equal(pushed, whole)
        assert len(whole) > 0 or predicate is not at_least("WARNING")


@pytest.mark.parametrize("name", sorted(p.name for p in APP.glob("*.log")))
def test_fixture_app_logs_filtered_equal_filtered_after(name):
    pushed, whole, *_ = compare(APP / name, None, at_least("WARNING"), ["line_no", "level", "message", "detail"], 300)
    assert_frame_equal(pushed, whole)


def test_needles_of_filter_shapes():
    assert needles(at_least("ERROR"), LEVEL_VOCABULARY) == ("ERROR", "CRITICAL", "FATAL", "Level ")
    assert needles(pl.col("level") == "INFO", LEVEL_VOCABULARY) == ("INFO", "Level ")
    # two level parts joined by & keep what both keep
    both = at_least("WARNING") & (pl.col("level") != "WARN") & (pl.col("ts").dt.hour() > 3)
    assert needles(both, LEVEL_VOCABULARY) == ("WARNING", "ERROR", "CRITICAL", "FATAL", "Level ")
    # no restriction: a filter keeping null levels, an | with another column, another column only,
    # a comparison of the wrong type, an answer that depends on the other rows
    for predicate in (pl.col("level").is_null(), pl.col("level").fill_null("ERROR") == "ERROR",
                      (pl.col("level") == "ERROR") | (pl.col("logger") == "x"), pl.col("logger") == "x",
                      pl.col("level").str.len_chars().sum() > 3,
                      pl.col("level") == pl.col("level").shift(1), pl.col("level").is_first_distinct(), None):
        assert needles(predicate, LEVEL_VOCABULARY) is None, predicate
    assert len(conjuncts(at_least("ERROR") & (pl.col("ts") > 1) & (pl.col("x") < 2))) == 3
    assert accepted(pl.col("level").str.starts_with("WARN"), LEVEL_VOCABULARY) == {"WARNING", "WARN"}
    # a filter no name passes still searches for the open values (Level 5 may pass it)
    assert needles(pl.col("level").cast(pl.Int64, strict=False) > 3, LEVEL_VOCABULARY) == ("Level ",)


def test_literal_searches_of_verbatim_columns():
    verbatim = frozenset({"message", "logger", "level"})
    assert text_filters(pl.col("message").str.contains("Invalid username", literal=True), None, verbatim) == (
        ("Invalid username",),)
    assert text_filters(pl.lit("x") == pl.col("logger"), None, verbatim) == (("x",),)
    # a regex, another column, a negation, an | and a detail search give no search
    for predicate in (pl.col("message").str.contains("a.b"), pl.col("user").str.contains("a", literal=True),
                      ~pl.col("message").str.contains("a", literal=True),
                      pl.col("message").str.contains("a", literal=True) | (pl.col("level") == "INFO"),
                      pl.col("detail").str.contains("KeyError", literal=True), pl.col("message") != "a"):
        assert text_filters(predicate, None, verbatim) == (), predicate
    # a pasted search longer than MAX_SEARCH_TEXT is left to the exact filter (its search costs more)
    longest = "x" * MAX_SEARCH_TEXT
    assert text_filters(pl.col("message").str.contains(longest, literal=True), None, verbatim) == ((longest,),)
    assert text_filters(pl.col("message").str.contains(longest + "x", literal=True), None, verbatim) == ()


def test_failed_logins_from_an_app_log_read_alike(tmp_path):
    from mkslog.queries import failed_logins

    path = tmp_path / "app.log"
    lines = [f"2026-11-18 14:{m:02d}:00,000 WARNING app.auth: Invalid username or password: username=u{m % 3} "
             f"ip=198.51.100.{m % 4}" if m % 5 else f"2026-11-18 14:{m:02d}:00,000 INFO app.api: fine" for m in range(60)]
    path.write_text("\n".join(lines) + "\n")
    pushed = failed_logins(mkslog.scan(path, "mks", kind="app", source_tz="UTC"), None, by="user")
    whole = failed_logins(mkslog.scan(path, "mks", kind="app", source_tz="UTC").collect().lazy(), None, by="user")
    assert_frame_equal(pushed, whole)
    assert pushed["failures"].sum() == 48


def test_the_queries_filters_are_read_from_the_text():
    # the searches are engaged for the filters the queries push (not only exact when they are)
    from mkslog.parse.pipeline import RecordParser
    from mkslog.queries.security import FAILED_LOGIN

    rf = record_format("app", "mks")
    assert text_filters(at_least("ERROR"), rf.vocabulary, rf.verbatim) == (("ERROR", "CRITICAL", "FATAL", "Level "),)
    logins = pl.col("message").str.contains(FAILED_LOGIN, literal=True)
    assert text_filters(logins, rf.vocabulary, rf.verbatim) == ((FAILED_LOGIN,),)
    assert RecordParser(rf).sifts(at_least("ERROR")) and not RecordParser(rf).sifts(None)


def test_a_truncated_level_declares_no_vocabulary():
    assert record_format("app", "%(asctime)s %(levelname).4s %(name)s: %(message)s").vocabulary is None
    assert record_format("app", "mks").vocabulary == LEVEL_VOCABULARY
    assert record_format("nginx-error").vocabulary is None  # its levels are lower-case words, upper-cased
