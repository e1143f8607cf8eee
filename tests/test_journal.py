"""The journal kind: ``journalctl -o short-iso`` and ``-o json`` read as records (issue 18 item 5).

Fixtures: tests/data/journal/ (see its README: written from journalctl's documented formats).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

import mkslog
from mkslog.cli import main
from mkslog.parse.detect import detect_kind
from mkslog.parse.records import record_format
from mkslog.queries.timeline import timeline

DATA = Path(__file__).parent / "data" / "journal"
SHORT = DATA / "short-iso.log"
JSON = DATA / "json.log"


def _utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_both_forms_are_detected_as_the_journal_kind():
    assert detect_kind(SHORT) == "journal"
    assert detect_kind(JSON) == "journal"
    assert record_format("journal").kind == "journal"


def test_short_iso_entries_keep_their_continuation_lines_and_reject_the_markers():
    stats = mkslog.ParseStats()
    df = mkslog.read(SHORT, kind="journal", stats=stats)
    assert df.select("ts", "host", "identifier", "pid", "level").rows() == [
        (_utc(2026, 11, 18, 5, 0, 1), "web01", "systemd", 1, None),
        (_utc(2026, 11, 18, 5, 0, 2), "web01", "gunicorn", 812, "INFO"),
        (_utc(2026, 11, 18, 5, 5, 0), "web01", "gunicorn", 812, "ERROR"),
        (_utc(2026, 11, 18, 5, 6, 0), "web01", "gunicorn", 901, "WARNING"),
        (_utc(2026, 11, 18, 5, 7, 0), "web01", "kernel", None, None),
    ]
    tb = df.row(2, named=True)
    assert (tb["n_lines"], tb["exc_type"], tb["exc_message"]) == (4, "KeyError", "'user'")
    # every line is a record's line or a counted reject: the header and the boot marker
    assert stats.total.lines == 10 and stats.total.parsed == 8
    assert stats.rejects()["line_no"].to_list() == [1, 8]


def test_json_entries_map_priority_to_levels_and_reject_garbage():
    stats = mkslog.ParseStats()
    df = mkslog.read(JSON, kind="journal", stats=stats)
    assert df.select("ts", "priority", "level", "identifier", "pid").rows() == [
        (_utc(2026, 11, 18, 5, 0, 1), 6, "INFO", "systemd", 1),
        (_utc(2026, 11, 18, 5, 5, 0), 3, "ERROR", "gunicorn", 812),
        (_utc(2026, 11, 18, 5, 6, 0), 4, "WARNING", "gunicorn", 901),
        (_utc(2026, 11, 18, 5, 7, 0), 0, "CRITICAL", "kernel", None),
        (_utc(2026, 11, 18, 5, 8, 0), 7, "DEBUG", "gunicorn", 902),
    ]
    # the MESSAGE as journald stored it, its escaped newlines decoded (checked with the json module)
    second = json.loads(JSON.read_text().splitlines()[1])
    assert df["message"][1] == second["MESSAGE"] and "\n" in second["MESSAGE"]
    assert stats.total.lines == 7 and stats.total.parsed == 5
    assert stats.rejects()["line_no"].to_list() == [3, 6]


def test_errors_show_and_the_timeline_read_the_journal():
    errors = mkslog.scan_error_logs([JSON, SHORT]).collect()
    assert set(errors["kind"]) == {"journal"} and errors.height == 10
    result = CliRunner().invoke(main, ["show", "--kind", "journal", "--level", "ERROR", str(JSON)])
    assert result.exit_code == 0, result.output
    assert "Out of memory" in result.output and "disk almost full" not in result.output
    events = timeline("2026-11-18 13:00", "2026-11-18 15:00", tz="Asia/Tokyo", paths={"journal": [str(SHORT)]})
    assert events.select("source", "level", "summary").rows() == [("journal", "ERROR", "KeyError: 'user'")]
