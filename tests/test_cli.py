"""The CLI, called in-process (click's CliRunner) on the sample week: whole outputs compared with the
library's answer (JSON) or with a snapshot (tables); errors, untrusted text, help and the README."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from datetime import datetime
from pathlib import Path

import click
import polars as pl
import pytest
from click.testing import CliRunner

import mkslog
import mkslog.queries as q
from mkslog.cli.main import main
from mkslog.cli.run import shared_columns
from mkslog.present.tables import render, render_record, render_sections
from mkslog.sample import generate

ROOT = Path(__file__).parent.parent
TZ = "Asia/Tokyo"
ACCESS_GLOB = "nginx/mirai-knowledge-system-access.log*"
APP_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
QUERY_COMMANDS = ("errors", "traffic", "top-ips", "endpoints", "latency", "slow", "status", "logins", "suspects",
                  "ip", "summary")


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    manifest = generate(out)
    config = out / "mkslog.toml"
    config.write_text(
        f'timezone = "{TZ}"\nsource_timezone = "{TZ}"\n'
        f'[logs.access]\npaths = ["{ACCESS_GLOB}"]\nformat = "timed"\n'
        f'[logs.app]\npaths = ["app/app.log*"]\nformat = "{APP_FORMAT}"\n'
    )
    return out, manifest, str(config)


def run(*args: str, ok: bool = True):
    result = CliRunner().invoke(main, [str(a) for a in args])
    if ok:
        assert result.exit_code == 0, (result.output, result.exception)
    return result


def mks(week, *args: str, ok: bool = True):
    """The CLI with the sample week's config."""
    return run(*args, "--config", week[2], ok=ok)


@pytest.fixture()
def access(week) -> pl.LazyFrame:
    return mkslog.scan(str(week[0] / ACCESS_GLOB), "timed", tz=TZ)


@pytest.fixture()
def app(week) -> pl.LazyFrame:
    return mkslog.scan(str(week[0] / "app" / "app.log"), kind="app", source_tz=TZ, tz=TZ)  # the sample week is Tokyo time


# --- whole outputs against the library -------------------------------------------------------------


@pytest.mark.parametrize("args, query", [
    (["top-ips"], lambda a, p: q.top_ips(a, 10)),
    (["top-ips", "--top", "3"], lambda a, p: q.top_ips(a, 3)),
    (["endpoints"], lambda a, p: q.top_endpoints(a, 10)),
    (["endpoints", "--raw", "--top", "5"], lambda a, p: q.top_endpoints(a, 5, raw=True)),
    (["traffic"], lambda a, p: q.requests_over_time(a, "1d")),
    (["traffic", "--every", "6h"], lambda a, p: q.requests_over_time(a, "6h")),
    (["status"], lambda a, p: q.status_breakdown(a)),
    (["latency"], lambda a, p: q.latency_stats(a)),
    (["latency", "--by", "endpoint", "--top", "5"], lambda a, p: q.latency_stats(a, by="endpoint", n=5)),
    (["latency", "--by", "hour"], lambda a, p: shared_columns(q.latency_stats(a, by="hour"))),
    (["latency", "--by", "status"], lambda a, p: q.latency_stats(a, by="status")),
    (["slow"], lambda a, p: q.slow_requests(a, "1s", n=10)),
    (["slow", "--over", "5s", "--by-endpoint"], lambda a, p: q.slow_requests(a, "5s", n=10, by_endpoint=True)),
    (["errors"], lambda a, p: q.error_counts(p, "1h", fill=False)),
    (["errors", "--by", "day", "--zeros"], lambda a, p: q.error_counts(p, "1d")),
    (["errors", "--level", "warning", "--by", "day"], lambda a, p: q.error_counts(p, "1d", level="WARNING", fill=False)),
    (["errors", "--top"], lambda a, p: q.top_errors(p, 10)),
    (["errors", "--top", "2"], lambda a, p: q.top_errors(p, 2)),
    (["logins"], lambda a, p: shared_columns(q.failed_logins(p, a, n=10))),
    (["logins", "--by", "user", "--top", "5"], lambda a, p: q.failed_logins(p, a, by="user", n=5)),
    (["logins", "--401"], lambda a, p: q.unauthorized(a, n=10)),
    (["suspects"], lambda a, p: q.suspicious_ips(a, p).head(10)),
])
def test_json_output_is_the_library_answer(week, access, app, args, query):
    result = mks(week, *args, "--as", "json")
    assert result.stdout == render(query(access, app), "json")
    assert result.stderr == ""
    json.loads(result.stdout)


def test_summary_json_is_one_object(week, access, app):
    result = mks(week, "summary", "--as", "json")
    expected = q.summary(access, app, stats=[mkslog.ParseStats()])  # no rejects: rejected_lines 0
    assert result.stdout == render_record(expected, "json")
    doc = json.loads(result.stdout)
    assert doc["requests"] == week[1]["requests"] and doc["top_ip"] == week[1]["top_ip"]
    assert doc["first_seen"].endswith("+09:00")


def test_ip_json_is_one_object_of_sections(week, access):
    ip = week[1]["bruteforce_ip"]
    result = mks(week, "ip", ip, "--as", "json")
    assert result.stdout == render_sections(q.ip_activity(access, ip), "json", records=("overview",))
    doc = json.loads(result.stdout)
    assert list(doc) == ["overview", "endpoints", "statuses", "timeline"]
    assert doc["overview"]["requests"] == week[1]["bruteforce_attempts"]
    assert doc["statuses"] == [{"status": 401, "requests": week[1]["bruteforce_attempts"], "share": 1.0}]


def test_ip_csv_needs_one_section(week, access):
    ip = week[1]["top_ip"]
    result = mks(week, "ip", ip, "--section", "endpoints", "--as", "csv")
    assert result.stdout == render(q.ip_activity(access, ip)["endpoints"], "csv")
    bad = mks(week, "ip", ip, "--as", "csv", ok=False)
    assert bad.exit_code == 2 and "choose --section" in bad.stderr


def test_ip_without_requests_says_so(week):
    result = mks(week, "ip", "192.0.2.254", "--as", "json")
    assert "no requests from 192.0.2.254" in result.stderr
    assert json.loads(result.stdout)["overview"] is None


def test_explicit_paths_and_formats(week, access):
    paths = sorted(str(p) for p in week[0].glob(ACCESS_GLOB))
    result = run("top-ips", *paths, "--format", "timed", "--as", "csv")
    assert result.stdout == render(q.top_ips(access, 10), "csv")
    result = run("endpoints", *paths, "--log-format", mkslog.formats.nginx.NAMED["timed"], "--as", "json")
    assert result.stdout == render(q.top_endpoints(access, 10), "json")


def test_logins_with_explicit_app_log(week, access, app):
    paths = sorted(str(p) for p in week[0].glob(ACCESS_GLOB))
    # The config only for its source_timezone: the sample's app log is Tokyo time, not the machine's.
    result = mks(week, "logins", *paths, "--app-log", week[0] / "app" / "app.log", "--as", "json")
    assert result.stdout == render(shared_columns(q.failed_logins(app, access, n=10)), "json")
    without_app = mks(week, "logins", *paths, "--as", "json")  # explicit PATHS, no --app-log: access log only
    not_read = shared_columns(q.failed_logins(None, access, n=10)).with_columns(
        pl.lit(None, pl.Int64).alias("app_failures"), pl.lit(None, pl.Int64).alias("users"))
    assert without_app.stdout == render(not_read, "json")  # not read is null, not 0
    assert "app log was not read" in without_app.stderr


# --- time windows --------------------------------------------------------------------------------


def _day_counts(week, day: str) -> Counter:
    counts = Counter()
    pattern = re.compile(rf"^(\S+) - \S+ \[{int(day[8:]):02d}/Nov/2026:")
    for path in week[0].glob(ACCESS_GLOB):
        data = path.read_bytes()
        import gzip

        text = (gzip.decompress(data) if path.name.endswith(".gz") else data).decode()
        counts.update(m[1] for line in text.splitlines() if (m := pattern.match(line)))
    return counts


def test_since_until_select_one_local_day(week):
    result = mks(week, "top-ips", "--since", "2026-11-19", "--until", "2026-11-19", "--top", "5", "--as", "json")
    expected = sorted(_day_counts(week, "2026-11-19").items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    assert [(r["remote_addr"], r["requests"]) for r in json.loads(result.stdout)] == expected


def test_iso_week_and_timezone(week):
    whole = json.loads(mks(week, "summary", "--since", "2026-W47", "--until", "2026-W47", "--as", "json").stdout)
    assert whole["requests"] == week[1]["requests"]
    utc = json.loads(mks(week, "traffic", "--tz", "UTC", "--as", "json").stdout)
    assert utc[0]["ts"] == "2026-11-15T00:00:00+00:00"  # Monday 00:04 in Tokyo is Sunday in UTC
    assert sum(r["requests"] for r in utc) == week[1]["requests"]


def test_window_title_in_tables(week):
    result = mks(week, "status", "--since", "2026-11-18 14:00", "--until", "2026-11-18 14:20")
    assert result.stdout.splitlines()[0] == "Status codes, since 2026-11-18 14:00 until 2026-11-18 14:20 (Asia/Tokyo)"


# --- table snapshots -----------------------------------------------------------------------------


def test_top_ips_table(week):
    assert mks(week, "top-ips", "--top", "3").stdout == (
        "Top 3 client addresses\n"
        "remote_addr  requests   share\n"
        "10.1.0.6        2,716  10.30%\n"
        "10.1.0.1        1,400   5.31%\n"
        "10.1.0.7          956   3.63%\n"
    )


def test_errors_table(week):
    assert mks(week, "errors", "--by", "day").stdout == (
        "ERROR records per day\n"
        "ts                         count\n"
        "2026-11-16T00:00:00+09:00      2\n"
        "2026-11-17T00:00:00+09:00      1\n"
        "2026-11-18T00:00:00+09:00     24\n"
        "2026-11-19T00:00:00+09:00      4\n"
        "2026-11-20T00:00:00+09:00      1\n"
        "2026-11-21T00:00:00+09:00      1\n"
    )


def test_outage_status_table(week):
    # the same counts as: zcat -f access.log* | grep '18/Nov/2026:14:[01]' | awk '{print $9}' | sort | uniq -c
    result = mks(week, "status", "--since", "2026-11-18 14:00", "--until", "2026-11-18 14:20")
    assert result.stdout.splitlines()[1:] == [
        "class  status  requests   share  class_requests  class_share",
        "2xx       200        14  13.86%              14       13.86%",
        "3xx       304         3   2.97%               3        2.97%",
        "4xx       404         1   0.99%               1        0.99%",
        "5xx       500        12  11.88%              83       82.18%",
        "5xx       502        60  59.41%              83       82.18%",
        "5xx       504        11  10.89%              83       82.18%",
    ]


def test_markdown_output(week):
    text = mks(week, "latency", "--as", "markdown").stdout
    assert text.startswith("### Response time (ms)\n\n| count | mean_ms | p50_ms | p90_ms | p95_ms | p99_ms | max_ms |\n")


def test_out_file(week, tmp_path):
    target = tmp_path / "status.csv"
    result = mks(week, "status", "--as", "csv", "-o", target)
    assert result.stdout == ""
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert sum(int(r["requests"]) for r in rows) == week[1]["requests"]


# --- errors are messages, never tracebacks -------------------------------------------------------


@pytest.mark.parametrize("args, code, message", [
    (["top-ips", "/nonexistent/access.log"], 1, "Error: no such file: /nonexistent/access.log"),
    (["top-ips", "--since", "soonish"], 1, "Error: cannot understand time 'soonish'"),
    (["top-ips", "--since", "today", "--until", "yesterday"], 1, "is not before --until"),
    (["top-ips", "--tz", "Mars/Base"], 1, "Error: unknown timezone 'Mars/Base'"),
    (["traffic", "--every", "daily"], 2, "give a positive whole number and a unit"),
    (["top-ips", "--as", "yaml"], 2, "Invalid value for '--as'"),
    (["top-ips", "--top", "0"], 2, "'--top': 0 is not in the range"),
    (["latency", "--by", "week"], 2, "Invalid value for '--by'"),
    (["slow", "--over", "quick"], 1, "Error: cannot understand duration 'quick'"),
    (["errors", "--level", "LOUD"], 2, "Invalid value for '--level'"),
])
def test_user_mistakes(week, args, code, message):
    result = mks(week, *args, ok=False)
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)


def test_latency_on_a_log_without_timing(tmp_path):
    log = tmp_path / "combined.log"
    log.write_text('1.2.3.4 - - [20/Nov/2026:10:00:00 +0900] "GET / HTTP/1.1" 200 5 "-" "ua"\n')
    for command in ("latency", "slow"):
        result = run(command, log, "--format", "combined", ok=False)
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
        assert result.stderr.startswith("Error: these logs have no timing field ($request_time")


def test_rejects_give_one_warning_line(tmp_path):
    log = tmp_path / "access.log"
    log.write_text('1.2.3.4 - - [20/Nov/2026:10:00:00 +0900] "GET / HTTP/1.1" 200 5 "-" "ua" 0.010 0.010\n'
                   "this is not an access log line\n")
    result = run("top-ips", log, "--format", "timed", "--as", "json")
    assert json.loads(result.stdout) == [{"remote_addr": "1.2.3.4", "requests": 1, "share": 1.0}]
    assert result.stderr == ("Warning: 1 of 2 lines did not parse and were left out; "
                             "see them with `mkslog parse --rejects PATHS`\n")
    summary = run("summary", log, "--format", "timed", "--as", "json")
    assert json.loads(summary.stdout)["rejected_lines"] == 1 and summary.stderr.startswith("Warning: 1 of 2")


# --- untrusted text ------------------------------------------------------------------------------

OSC = "\x1b]0;pwned\x07"
CLEAR = "\x1b[2J"
FORMULA = "=cmd|' /C calc'!A0"


@pytest.fixture()
def hostile(tmp_path) -> tuple[Path, Path]:
    access = tmp_path / "access.log"
    lines = [
        f'203.0.113.9 - - [20/Nov/2026:10:00:00 +0900] "GET /x{CLEAR} HTTP/1.1" 404 5 "-" "{OSC}curl" 2.000 2.000',
        "203.0.113.9 - - [20/Nov/2026:10:00:01 +0900] \"GET =cmd|'%20/C%20calc'!A0 HTTP/1.1\" 404 5 \"-\" "
        f'"{FORMULA}" 0.010 0.010',
        f'203.0.113.9 - - [20/Nov/2026:10:00:02 +0900] "POST /api/v1/auth/login HTTP/1.1" 401 5 "-" "{CLEAR}x" '
        "0.010 0.010",
        f'203.0.113.10 - - [20/Nov/2026:10:00:03 +0900] "GET / HTTP/1.1" 200 5 "-" "{FORMULA}" 0.010 0.010',
    ]
    access.write_text("\n".join(lines) + "\n", encoding="utf-8")
    app = tmp_path / "app.log"
    app.write_text(
        f"2026-11-20 10:00:02,000 WARNING app_v2.auth: Invalid username or password: username={OSC}root "
        "ip=203.0.113.9\n"
        f"2026-11-20 10:00:03,000 WARNING app_v2.auth: Invalid username or password: username={FORMULA} "
        "ip=203.0.113.9\n", encoding="utf-8")
    return access, app


@pytest.mark.parametrize("output", ["table", "json", "csv", "markdown"])
def test_control_characters_never_reach_the_terminal(hostile, output):
    access, app = hostile
    commands = [
        ["endpoints", access, "--raw"],
        ["slow", access, "--over", "1s"],
        ["ip", "203.0.113.9", access, "--section", "overview"],
        ["logins", access, "--by", "user", "--app-log", app],
        ["logins", access, "--401"],
        ["suspects", access, "--app-log", app],
        ["summary", access, "--app-log", app],
    ]
    seen = ""
    for args in commands:
        result = run(*args, "--format", "timed", "--as", output)
        assert "\x1b" not in result.output and "\x07" not in result.output, args
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", result.output), args
        seen += result.stdout
    assert "\\x1b]0;pwned\\x07" in seen or "\\u001b]0;pwned\\u0007" in seen  # shown, escaped


def test_csv_cells_are_guarded_against_formulas(hostile):
    access, app = hostile
    ua = run("ip", "203.0.113.10", access, "--format", "timed", "--section", "overview", "--as", "csv").stdout
    assert next(csv.DictReader(io.StringIO(ua)))["user_agents"] == "'" + FORMULA
    users = run("logins", access, "--format", "timed", "--by", "user", "--app-log", app, "--as", "csv").stdout
    names = [row["username"] for row in csv.DictReader(io.StringIO(users))]
    assert "'" + FORMULA in names and FORMULA not in names
    paths = run("endpoints", access, "--format", "timed", "--raw", "--as", "csv").stdout
    cells = [row["endpoint"] for row in csv.DictReader(io.StringIO(paths))]
    assert "'=cmd|'%20/C%20calc'!A0" in cells and not any(c.startswith("=") for c in cells)


# --- the other commands --------------------------------------------------------------------------


def test_parse_stats_and_rejects(tmp_path, week):
    log = tmp_path / "access.log"
    log.write_text('1.2.3.4 - - [20/Nov/2026:10:00:00 +0900] "GET / HTTP/1.1" 200 5 "-" "ua" 0.010 0.010\n'
                   "garbage\n")
    stats = json.loads(run("parse", log, "--format", "timed", "--stats", "--as", "json").stdout)
    assert [(s["lines"], s["parsed"], s["rejected"]) for s in stats] == [(2, 1, 1)]
    rejects = json.loads(run("parse", log, "--format", "timed", "--rejects", "--as", "json").stdout)
    assert [(r["line_no"], r["line"]) for r in rejects] == [(2, "garbage")]
    out = tmp_path / "out.csv"
    result = run("parse", log, "--format", "timed", "-o", out)
    assert "2 lines read, 1 parsed, 1 rejected" in result.stderr
    assert out.read_text().count("\n") == 2  # header + one record
    assert run("parse", log, ok=False).exit_code == 2


def test_config_json_shows_origins(week):
    doc = json.loads(mks(week, "config", "--as", "json").stdout)
    assert doc["values"]["timezone"] == {"value": TZ, "from": f"file {Path(week[2]).resolve()}"}
    assert doc["values"]["thresholds.cpu"]["from"] == "default"


def test_sample_command(tmp_path):
    result = run("sample", "-o", tmp_path / "s", "--days", "1", "--scale", "0.05")
    assert "nginx/mirai-knowledge-system-access.log" in result.stdout
    assert (tmp_path / "s" / "app" / "app.log").is_file()


# --- help and README -----------------------------------------------------------------------------


def _all_commands() -> list[tuple[str, click.Command]]:
    out = []
    for name, cmd in sorted(main.commands.items()):
        out.append((name, cmd))
        if isinstance(cmd, click.Group):
            out += [(f"{name} {sub}", c) for sub, c in sorted(cmd.commands.items())]
    return out


@pytest.mark.parametrize("name, command", _all_commands(), ids=[n for n, _ in _all_commands()])
def test_every_command_has_help(name, command):
    assert (command.help or "").strip(), f"mkslog {name} has no help text"
    result = run(*name.split(), "--help")
    assert result.stdout.startswith("Usage: ")


@pytest.mark.parametrize("name", QUERY_COMMANDS)
def test_every_query_option_has_help(name):
    for param in main.commands[name].params:
        if isinstance(param, click.Option):
            assert (param.help or "").strip(), f"mkslog {name} {param.opts[0]} has no help text"


def test_readme_command_reference_lists_every_command():
    """README.md must hold a `### mkslog <command>` heading for every top-level command."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    headings = set(re.findall(r"^### mkslog ([\w-]+)", readme, flags=re.MULTILINE))
    missing = sorted(set(main.commands) - headings)
    assert not missing, f"README.md's command reference lacks: {', '.join('### mkslog ' + m for m in missing)}"


def test_query_commands_are_registered():
    assert set(QUERY_COMMANDS) <= set(main.commands)


def test_timestamps_render_with_offsets(week):
    first = json.loads(mks(week, "traffic", "--as", "json").stdout)[0]["ts"]
    assert datetime.fromisoformat(first).utcoffset().total_seconds() == 9 * 3600


def test_demo_runs_the_main_job_on_the_sample_logs():
    """`make demo`'s first step: the summary and top addresses of the bundled week, exactly."""
    from click.testing import CliRunner

    from mkslog.cli.main import main

    root = Path(__file__).resolve().parent.parent
    result = CliRunner().invoke(main, ["demo", "--config", str(root / "mkslog.example.toml")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "requests               26,363" in lines
    assert "rejected_lines         0" in lines
    assert "10.1.0.6          2,716  10.30%" in lines
