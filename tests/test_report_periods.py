"""Reports for any period: each kind over the sample logs, an empty and a partial period, the
comparison columns against counts made independently of the queries, and the CLI's period options."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

import mkslog
from mkslog import queries as q
from mkslog.cli.common import MkslogGroup
from mkslog.cli.main import main
from mkslog.cli.report import chosen_period, register_report_command, report_path
from mkslog.errors import TimeSpecError
from mkslog.present.html import table
from mkslog.report.compare import top_compared, traffic_series
from mkslog.report.coverage import coverage_banner, unavailable
from mkslog.report.headline import headline
from mkslog.report.weeklogs import PeriodLogs, fill_period
from mkslog.timespec import resolve_period

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "mkslog.example.toml"
TZ = "Asia/Tokyo"
CLI = MkslogGroup(name="mkslog", commands=dict(main.commands))
register_report_command(CLI)


@pytest.mark.parametrize("kind, spec, label", [
    ("day", "2026-11-18", "2026-11-18"),
    ("week", "2026-W47", "2026-W47"),
    ("month", "2026-11", "2026-11"),
    ("range", "2026-11-17/2026-11-19", "2026-11-17_2026-11-19"),
])
def test_each_period_kind_over_the_sample_logs(kind, spec, label):
    period = resolve_period(kind, spec, TZ)
    assert period.label == label
    logs = PeriodLogs(str(CONFIG), period, tz=TZ, kinds=["access"])
    # independently: the whole log read, the period cut with plain datetimes
    every = mkslog.scan(config=str(CONFIG)).select("ts").collect()
    expected = every.filter((pl.col("ts") >= period.start) & (pl.col("ts") < period.end)).height
    assert expected > 0
    figures = {m: cur for m, cur, _ in headline(logs).iter_rows()}
    assert figures["requests"] == expected
    hourly, _ = traffic_series(logs)
    assert hourly.height == len(period.days()) * 24 and hourly["requests"].sum() == expected


def test_an_empty_period_says_no_data_and_where_the_logs_end():
    logs = PeriodLogs(str(CONFIG), resolve_period("week", "2026-W48", TZ), tz=TZ, kinds=["access", "app"])
    assert logs.rows("access") == 0 and logs.has_previous("access")
    banner = str(coverage_banner(logs, "en"))
    assert "access log: no records in this period; the newest record before it is from 22 Nov 2026 23:56" in banner
    assert "mks-missing" in banner
    note = str(unavailable(logs, "access", "en"))
    assert "No data for this period in the access log." in note and "request_time" not in note
    # a day the log does not cover is no data (null), not a zero coloured as a count
    errors = fill_period(q.error_counts(logs.app, every="1h"), logs, kind="app")
    assert errors.height == 7 * 24 and errors["count"].null_count() == 7 * 24


def test_a_partial_period_names_the_days_without_data():
    period = resolve_period("range", "2026-11-21/2026-11-24", TZ)
    logs = PeriodLogs(str(CONFIG), period, tz=TZ, kinds=["access", "app"])
    coverage = logs.coverage().filter(pl.col("log") == "access").row(0, named=True)
    assert coverage["days_without_data"] == [date(2026, 11, 23), date(2026, 11, 24)]
    assert "no data on 23 Nov 2026, 24 Nov 2026" in str(coverage_banner(logs, "en"))
    errors = fill_period(q.error_counts(logs.app, every="1h"), logs, kind="app")
    by_day = errors.group_by(pl.col("ts").dt.date()).agg(pl.col("count").null_count().alias("nulls")).sort("ts")
    assert by_day["nulls"].to_list() == [0, 0, 24, 24]  # covered days are counts (zeros too), the rest no data
    assert unavailable(logs, "access", "en") is None


def two_weeks(tmp_path: Path) -> tuple[Path, list[str]]:
    """An nginx ``timed`` access log (the system's format, as sample_logs/nginx) over W46 and W47
    with clients whose ranks change between the weeks, and its lines."""
    per_week = {9: {"10.0.0.1": 5, "10.0.0.2": 9, "10.0.0.3": 2, "10.0.0.9": 1},
                16: {"10.0.0.1": 8, "10.0.0.2": 4, "10.0.0.4": 6, "10.0.0.3": 2}}
    lines = []
    for day, clients in per_week.items():
        for ip, n in clients.items():
            for i in range(n):
                lines.append(f'{ip} - - [{day:02d}/Nov/2026:12:{i:02d}:00 +0900] "GET /a HTTP/1.1" 200 1 "-" "ua" '
                             "0.010 0.010")
    (tmp_path / "access.log").write_text("\n".join(lines) + "\n")
    (tmp_path / "mkslog.toml").write_text('[logs.access]\npaths = ["access.log"]\nformat = "timed"\n')
    return tmp_path / "mkslog.toml", lines


def test_rank_change_and_previous_counts_equal_independent_counts(tmp_path):
    config, lines = two_weeks(tmp_path)
    logs = PeriodLogs(config, resolve_period("week", "2026-W47", TZ), tz=TZ, kinds=["access"])
    compared = top_compared(logs, q.top_ips, "remote_addr", "requests", 10)
    # independently of the queries: the lines counted per week with a Counter
    weeks = {w: Counter(line.split()[0] for line in lines if f"[{d}/Nov" in line) for w, d in (("cur", 16), ("prev", "09"))}

    def ranks(counter):
        return {ip: i + 1 for i, (ip, _) in enumerate(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))}

    now, before = ranks(weeks["cur"]), ranks(weeks["prev"])
    for ip, requests, previous, change in compared.select("remote_addr", "requests", "previous", "rank_change").rows():
        assert requests == weeks["cur"][ip]
        assert previous == (weeks["prev"][ip] or None)
        assert change == (before[ip] - now[ip] if ip in before else None)
    assert compared.filter(pl.col("remote_addr") == "10.0.0.4")["rank_change"].item() is None  # new this week
    html = str(table(compared, "en"))
    assert "▲1" in html and "▼1" in html and "mks-new" in html  # 10.0.0.1 up, 10.0.0.2 down, 10.0.0.4 new


def test_without_a_previous_period_there_is_no_comparison_column(tmp_path):
    logs = PeriodLogs(str(CONFIG), resolve_period("week", "2026-W47", TZ), tz=TZ, kinds=["access"])
    assert not logs.has_previous("access")
    assert top_compared(logs, q.top_ips, "remote_addr", "requests", 3).columns == ["remote_addr", "requests", "share"]
    assert traffic_series(logs)[1] is None


def test_cli_period_options_and_file_names():
    assert chosen_period(None, None, None, None, None, TZ).kind == "week"  # cron's default: --week last
    assert chosen_period("2026-11-18", None, None, None, None, TZ).label == "2026-11-18"
    assert chosen_period(None, None, "2026-11", None, None, TZ).label == "2026-11"
    assert chosen_period(None, None, None, "2026-11-16", "2026-11-20", TZ).label == "2026-11-16_2026-11-20"
    with pytest.raises(TimeSpecError, match="give one period"):
        chosen_period("2026-11-18", "2026-W47", None, None, None, TZ)
    with pytest.raises(TimeSpecError, match="needs both"):
        chosen_period(None, None, None, "2026-11-16", None, TZ)
    assert report_path("r", "2026-11-18", "day").name == "mks-daily-2026-11-18.html"
    assert report_path("r", "2026-11-16_2026-11-20", "range").name == "mks-report-2026-11-16_2026-11-20.html"
    result = CliRunner().invoke(CLI, ["report", "--day", "2026-11-18", "--month", "2026-11", "--config", str(CONFIG)])
    assert result.exit_code == 1 and "give one period" in result.output


@pytest.mark.slow
def test_a_monthly_report_of_the_sample_logs(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(CLI, ["report", "--month", "2026-11", "--config", str(CONFIG), "-o", str(out),
                                      "--lang", "en", "--progress"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    html = out / "mks-monthly-2026-11.html"
    text = html.read_text(encoding="utf-8")
    assert "monthly log report 2026-11" in text and "1 Nov 2026" in text and "30 Nov 2026" in text
    assert "access log: records from 16 Nov 2026 00:00 to 22 Nov 2026 23:56; no data on 1 Nov 2026" in text
    assert text.count("compares nothing") == 1 and "Previous period" not in text  # said once, no dashes
    assert 'href="#section-traffic"' in text and 'id="section-traffic"' in text  # the table of contents
    assert "mkslog report mks-monthly-2026-11" in result.output  # the progress line (stderr, mixed in here)
