"""mkslog.report.weeklogs: the week's logs read once, missing logs told apart, the week's grid."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from mkslog.errors import ReportError
from mkslog.report.quality import data_quality, rejects
from mkslog.report.weeklogs import WeekLogs, fill_week

WEEK = "2026-W47"


def week_config(tmp_path: Path) -> Path:
    """An nginx ``timed`` access log (as the sample week's) with two requests in W47, one in W46 and
    a line that does not parse; an empty metrics log; a health log that is not there."""
    (tmp_path / "access.log").write_text(
        '10.0.0.1 - - [10/Nov/2026:10:00:00 +0900] "GET /old HTTP/1.1" 200 1 "-" "ua" 0.010 0.010\n'
        '10.0.0.1 - - [17/Nov/2026:10:00:00 +0900] "GET /a HTTP/1.1" 200 1 "-" "ua" 0.010 0.010\n'
        "not an access line\n"
        '10.0.0.2 - - [18/Nov/2026:23:59:59 +0900] "GET /b HTTP/1.1" 500 1 "-" "ua" 0.020 0.020\n')
    (tmp_path / "metrics.log").write_text("")
    config = tmp_path / "mkslog.toml"
    config.write_text('[logs.access]\npaths = ["access.log"]\nformat = "timed"\n'
                      '[logs.metrics]\npaths = ["metrics.log"]\n[logs.health]\npaths = ["health.log"]\n')
    return config


def test_frames_hold_the_week_and_the_week_before_and_missing_logs_say_why(tmp_path):
    logs = WeekLogs(week_config(tmp_path), WEEK, tz="Asia/Tokyo", kinds=["access", "metrics", "health"])
    assert logs.access.select("path").collect()["path"].to_list() == ["/a", "/b"]
    assert logs.frame("access", previous=True).select("path").collect()["path"].to_list() == ["/old"]
    assert logs.access.collect_schema()["ts"].time_zone == "Asia/Tokyo"
    assert logs.metrics is None and logs.missing["metrics"] == "the log files are empty"
    assert logs.health is None and "health.log" in logs.missing["health"]
    assert "No metrics log for this period" in str(logs.missing_note("metrics", "en"))
    quality = data_quality(logs).filter(pl.col("log") == "access").row(0, named=True)
    assert (quality["lines"], quality["parsed"], quality["rejected"]) == (4, 3, 1)
    assert rejects(logs)["line"].to_list() == ["not an access line"]


def test_the_access_frame_carries_each_path_folded_once(tmp_path):
    # the report's queries by endpoint read this column instead of folding every path again
    (tmp_path / "access.log").write_text("".join(
        f'10.0.0.1 - - [17/Nov/2026:10:00:0{i} +0900] "GET /api/v1/knowledge/{i}?q=1 HTTP/1.1" 200 1 "-" "ua" 0.01 0.01\n'
        for i in range(3)))
    (tmp_path / "mkslog.toml").write_text('[logs.access]\npaths = ["access.log"]\nformat = "timed"\n')
    logs = WeekLogs(tmp_path / "mkslog.toml", WEEK, tz="Asia/Tokyo", kinds=["access"])
    frame = logs.access.select("path", "endpoint").collect()
    assert frame["path"].to_list() == [f"/api/v1/knowledge/{i}" for i in range(3)]
    assert frame["endpoint"].to_list() == ["/api/v1/knowledge/{id}"] * 3


def test_a_week_without_errors_fills_the_grid_with_zeros():
    """A log that exists but has no record in the week is a week of zeros, not a failed report."""
    root = Path(__file__).resolve().parent.parent
    logs = WeekLogs(str(root / "mkslog.example.toml"), "2026-W47", tz="Asia/Tokyo")
    empty = pl.DataFrame(schema={"ts": pl.Datetime("us", "Asia/Tokyo"), "count": pl.Int64})
    filled = fill_week(empty, logs)
    assert filled.columns == ["ts", "count"]
    assert filled.height == 7 * 24 and filled["count"].sum() == 0


def test_counts_and_days_are_read_once_and_agree_with_the_frames(tmp_path, monkeypatch):
    """A report asks rows() and days_with_data() from many sections; the period's files do not
    change, so each is read once (the coverage banner's queries fill both for this period)."""
    logs = WeekLogs(week_config(tmp_path), WEEK, tz="Asia/Tokyo", kinds=["access", "metrics", "health"])
    expected = {}
    for kind in ("access", "metrics", "health"):
        for previous in (False, True):
            lf = logs.frame(kind, previous=previous)
            n = 0 if lf is None else lf.select(pl.len()).collect().item()
            days = [] if lf is None else sorted(lf.select(pl.col("ts").dt.date().unique()).collect()
                                                .to_series().drop_nulls().to_list())
            expected[kind, previous] = (n, days)
    coverage = logs.coverage()
    frames = []
    monkeypatch.setattr(WeekLogs, "frame", lambda self, kind, previous=False: frames.append(kind))
    present = [k for k in ("access", "metrics", "health") if k not in logs.missing]
    assert present and {(k, False): (logs.rows(k), logs.days_with_data(k)) for k in present} == {
        (k, False): expected[k, False] for k in present}
    assert not frames  # the coverage banner's query gave them
    monkeypatch.undo()
    for (kind, previous), (n, days) in expected.items():
        assert logs.rows(kind, previous=previous) == n and logs.days_with_data(kind, previous=previous) == days
    assert coverage["records"].to_list() == [expected[k, False][0] for k in coverage["log"].to_list()]


def test_the_app_frame_keeps_what_the_report_reads_and_all_columns_on_request(tmp_path):
    """The period's app file holds the columns the report's queries read (a traceback's joined text
    is left out); ``app_columns=None`` keeps every column, ``detail`` included."""
    (tmp_path / "app.log").write_text(
        "2026-11-17 10:00:00,123 ERROR app.api: Exception on /api/v1/knowledge/7 [GET]\n"
        "Traceback (most recent call last):\n"
        '  File "/opt/mks/app.py", line 88, in get_item\n'
        "KeyError: 'owner'\n"
        "2026-11-17 10:00:01,000 WARNING app_v2.auth: Invalid username or password: username=u1 ip=10.0.0.9\n")
    (tmp_path / "mkslog.toml").write_text(
        '[logs.app]\npaths = ["app.log"]\nformat = "%(asctime)s %(levelname)s %(name)s: %(message)s"\n')
    logs = WeekLogs(tmp_path / "mkslog.toml", WEEK, tz="Asia/Tokyo", kinds=["app"])
    got = logs.app.collect()
    assert got.columns == ["ts", "level", "logger", "message", "exc_type", "exc_message"]
    assert got.select("level", "exc_type", "exc_message").rows() == [("ERROR", "KeyError", "'owner'"),
                                                                       ("WARNING", None, None)]
    # the object itself is dropped at once: the frame it handed out still reads its file
    everything = WeekLogs(tmp_path / "mkslog.toml", WEEK, tz="Asia/Tokyo", kinds=["app"], app_columns=None).app.collect()
    assert everything["detail"][0].endswith("KeyError: 'owner'") and everything["n_lines"].to_list() == [4, 1]


def test_the_period_files_go_with_close_or_with_the_process(tmp_path):
    config = week_config(tmp_path)
    with WeekLogs(config, WEEK, tz="Asia/Tokyo", kinds=["access"]) as logs:
        workdir = logs.workdir
        assert (workdir / "access.parquet").exists() and logs.rows("access") == 2
    assert not workdir.exists()
    with pytest.raises(ReportError, match="closed"):
        logs.frame("access")
    given = tmp_path / "given"
    given.mkdir()
    WeekLogs(config, WEEK, tz="Asia/Tokyo", kinds=["access"], workdir=given).close()
    assert (given / "access.parquet").exists()  # a folder the caller gave is the caller's
    # a real process that never calls close(): its folder is gone when it ends
    code = ("import sys; from mkslog.report.weeklogs import WeekLogs; "
            f"logs = WeekLogs({str(config)!r}, {WEEK!r}, tz='Asia/Tokyo', kinds=['access']); "
            "print(logs.workdir); assert logs.access.collect().height == 2")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parent.parent)
    left = Path(done.stdout.strip())
    assert left.name.startswith("mkslog-period-") and not left.exists()
