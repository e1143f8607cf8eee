"""One absurd value never crashes a query, a presenter or a command (issue 20, items 3 and 4, the query
side): a ``request_time`` of 9999999999999.000 s overflowed the microsecond cast of ``latency`` and
``summary``; a timestamp in year 0000 or in UTC year 10000 has no Python datetime, and ``summary``,
``traffic``, ``errors`` and ``ip`` died converting one. The parser will turn such values into counted
rejects or nulls; the queries must hold whatever reaches them, so the frames here are built directly,
and the CLI reads files holding such lines (modelled on the sample week's nginx ``timed`` log and app
log, with the values a broken upstream timer and a reset clock wrote)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

import mkslog.queries as q
from mkslog.cli.main import main
from mkslog.present.tables import render, render_record, render_sections

ROOT = Path(__file__).parent.parent
ACCESS = ROOT / "sample_logs" / "nginx" / "mirai-knowledge-system-access.log"
APP = ROOT / "sample_logs" / "app" / "app.log"
ABSURD_SECONDS = 9999999999999.0
# year 0000 at +0900 is UTC year -1; 9999-12-31 23:00 at -0900 is UTC year 10000
YEAR_0 = '203.0.113.9 - - [01/Jan/0000:10:00:00 +0900] "GET /x HTTP/1.1" 500 1 "-" "curl" 0.100 0.100'
YEAR_10000 = '203.0.113.9 - - [31/Dec/9999:23:00:00 -0900] "GET /y HTTP/1.1" 500 1 "-" "curl" 0.100 0.100'
SLOW = ('203.0.113.8 - - [22/Nov/2026:10:00:00 +0900] "GET /api/v1/knowledge/5 HTTP/1.1" 200 52 "-" "curl" '
        "9999999999999.000 9999999999999.000")


def access_frame(ts: list[str], request_time: list[float] | None = None) -> pl.LazyFrame:
    n = len(ts)
    frame = pl.DataFrame({
        "ts": ts, "remote_addr": [f"203.0.113.{i % 2}" for i in range(n)],
        "path": [f"/api/v1/knowledge/{i}" for i in range(n)], "status": [200] * (n - 1) + [500],
        "request_time": request_time or [0.1] * n, "bytes_sent": [10] * n,
    })
    return frame.with_columns(pl.col("ts").str.to_datetime(time_zone="UTC").dt.convert_time_zone("Asia/Tokyo"),
                              pl.col("status").cast(pl.UInt16)).lazy()


FAR = ["0000-01-01T01:00:00Z", "2026-11-22T01:00:00Z", "2026-11-22T03:00:00Z", "+10000-01-01T05:00:00Z"]


def as_text(df: pl.DataFrame, column: str) -> list[str]:
    return df[column].dt.convert_time_zone("UTC").dt.to_string("%Y-%m-%dT%H:%M:%S").to_list()


# --- the queries, on frames built directly ---------------------------------------------------------


def test_latency_of_an_absurd_request_time_is_that_time():
    lf = access_frame(FAR[1:3] * 2, [0.1, 0.2, 0.3, ABSURD_SECONDS])
    stats = q.latency_stats(lf).row(0, named=True)
    assert (stats["count"], stats["p50_ms"], stats["max_ms"]) == (4, 250.0, ABSURD_SECONDS * 1000)
    by_endpoint = q.latency_stats(lf, by="endpoint")
    assert by_endpoint["max_ms"].max() == ABSURD_SECONDS * 1000
    assert q.latency_stats(lf, by="hour")["count"].to_list() == [2, 2]


def test_summary_keeps_far_timestamps_and_an_absurd_time_as_they_are():
    lf = access_frame(FAR, [0.1, 0.2, 0.3, ABSURD_SECONDS])
    out = q.summary(lf)
    assert as_text(out, "first_seen") == ["0000-01-01T01:00:00"]
    assert as_text(out, "last_seen") == ["+10000-01-01T05:00:00"]
    row = out.drop("first_seen", "last_seen").row(0, named=True)
    assert (row["requests"], row["status_5xx"], row["p50_ms"]) == (4, 1, 250.0)


def test_requests_over_time_with_far_timestamps_has_the_buckets_that_hold_rows():
    out = q.requests_over_time(access_frame(FAR), "1h")
    # year 0 to 10000 by the hour would be 88 million empty rows: only the four that hold requests
    assert out["requests"].to_list() == [1, 1, 1, 1]
    assert as_text(out, "ts")[0].startswith("0000-01-01T00:")  # the hour of Tokyo's local mean time then
    near = q.requests_over_time(access_frame(FAR[1:3]), "1h")
    assert near["requests"].to_list() == [1, 0, 1]  # near ones are still filled


def test_error_counts_of_an_app_log_dated_year_0():
    app = pl.DataFrame({"ts": ["0000-01-01T00:00:00Z", "2026-11-22T00:00:00Z"], "level": ["ERROR", "ERROR"]})
    app = app.with_columns(pl.col("ts").str.to_datetime(time_zone="UTC")).lazy()
    assert q.error_counts(app, "1h")["count"].to_list() == [1, 1]


# --- the presenters ------------------------------------------------------------------------------


def far_frame() -> pl.DataFrame:
    return pl.DataFrame({"ts": ["0000-01-01T01:00:00Z", "2026-11-22T00:00:00.25Z", "+10000-01-01T05:00:00Z"],
                         "n": [1, 2, 3]}).with_columns(pl.col("ts").str.to_datetime(time_zone="UTC"))


def test_every_output_shows_far_timestamps_as_they_are():
    """Year 0 and 10000 are shown as polars writes them, in the one ISO form every output uses (one
    precision per answer: milliseconds here, because one time has them)."""
    df = far_frame()
    iso = ["0000-01-01T01:00:00.000+00:00", "2026-11-22T00:00:00.250+00:00", "+10000-01-01T05:00:00.000+00:00"]
    assert [r["ts"] for r in json.loads(render(df, "json"))] == iso
    assert render(df, "csv").splitlines()[1:] == [f"{iso[0]},1", f"{iso[1]},2", f"'{iso[2]},3"]  # text: no formula
    table = render(df, "table", terminal=False)
    assert iso[0] in table and iso[2] in table
    assert f"| {iso[0]} | 1 |" in render(df, "markdown")
    assert iso[2] in render(df, "table", terminal=True)
    record = df.tail(1)
    assert json.loads(render_record(record, "json"))["ts"] == "+10000-01-01T05:00:00+00:00"
    assert "+10000-01-01T05:00:00+00:00" in render_record(record, "table", terminal=False)
    doc = json.loads(render_sections({"overview": record, "rows": df}, "json", records=("overview",)))
    assert doc["overview"]["ts"] == "+10000-01-01T05:00:00+00:00" and doc["rows"][0]["ts"].startswith("0000")


def test_times_python_can_show_are_written_in_the_one_iso_form():
    df = far_frame().slice(1, 1)
    assert json.loads(render(df, "json"))[0]["ts"] == "2026-11-22T00:00:00.250+00:00"
    assert "2026-11-22T00:00:00.250+00:00" in render(df, "table", terminal=False)


# --- the commands, on files ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("absurd")
    head = ACCESS.read_text(encoding="utf-8").splitlines()[:60]
    (folder / "slow.log").write_text("\n".join([*head, SLOW]) + "\n", encoding="utf-8")
    (folder / "far.log").write_text("\n".join([*head, YEAR_0, YEAR_10000]) + "\n", encoding="utf-8")
    app = APP.read_text(encoding="utf-8").splitlines()[:40]
    far_app = ["0000-01-01 00:00:01,399 ERROR app_v2: clock reset", "9999-12-31 23:59:01,399 ERROR app_v2: clock ahead"]
    (folder / "app.log").write_text("\n".join([*app, *far_app]) + "\n", encoding="utf-8")
    (folder / "mkslog.toml").write_text('timezone = "Asia/Tokyo"\nsource_timezone = "America/Anchorage"\n')
    return folder


def run(logs: Path, *args: str):
    result = CliRunner().invoke(main, [*args, "--config", str(logs / "mkslog.toml")])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.mark.parametrize("output", ["table", "json", "csv", "markdown"])
@pytest.mark.parametrize(("command", "shown"), [
    (["latency"], ("9,999,999,999,999,000", "9999999999999000.0")),  # max_ms: for people, for scripts
    (["latency", "--by", "hour"], ("9,999,999,999,999,000", "9999999999999000.0")),
    (["slow"], ("9,999,999,999,999,000", "9999999999999000.0")),
    (["summary"], ("3,999,999,999,999,784", "3999999999999784.5")),  # p99_ms, interpolated towards it
])
def test_commands_over_an_absurd_request_time(logs, command, shown, output):
    result = run(logs, *command, "--output", output, str(logs / "slow.log"))
    assert result.exit_code == 0, result.output
    assert shown[output in ("json", "csv")] in result.output


@pytest.mark.parametrize(("command", "output"), [
    (command, output)
    for command in (["summary"], ["traffic"], ["traffic", "--every", "1h"], ["ip", "203.0.113.9"], ["suspects"],
                    ["latency", "--by", "hour"])
    for output in ("table", "json", "csv", "markdown")
    if not (command[0] == "ip" and output == "csv")  # several sections: no CSV
])
def test_commands_over_year_0_and_10000(logs, command, output):
    result = run(logs, *command, "--output", output, str(logs / "far.log"))
    assert result.exit_code == 0, result.output
    if command[0] != "suspects":
        assert "0000-01-01" in result.output and "+10000-01-01" in result.output


@pytest.mark.parametrize("output", ["table", "json"])
def test_errors_over_an_app_log_dated_year_0_and_10000(logs, output):
    # source_timezone Anchorage: 9999-12-31 23:59 there is UTC year 10000
    result = run(logs, "errors", "--output", output, str(logs / "app.log"))
    assert result.exit_code == 0, result.output
    assert "0000-01-01" in result.output and "+10000-01-01" in result.output
