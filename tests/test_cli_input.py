"""The CLI is never silently wrong about its input: a log whose lines were all rejected or an empty
input is an error, not an empty table; warnings are printed; the client behind a proxy is counted
(``--client forwarded``, ``client_address``); ``errors`` reads every error log as its own kind;
``--datefmt`` reaches the app-log reader; a known format with extra fields is detected and named.

Fixtures in tests/data/ (each modelled on a real log, see its comment in this module):
- gunicorn-forwarded-access.log: gunicorn behind nginx with ``%({x-forwarded-for}i)s`` where
  ``%(h)s`` would stand (gunicorn's access_log_format docs, proxied deployments);
- nginx-main-behind-lb.log: nginx's ``main`` format behind a load balancer (10.0.0.5);
- gunicorn-error-timeouts.log: gunicorn 21's error log with WORKER TIMEOUT and a traceback;
- nginx-error-levels.log: nginx error-log lines of each level, as nginx 1.24 writes them;
- app-dmy-datefmt.log: the system's app format with ``datefmt="%d/%m/%Y %H:%M:%S"``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

import mkslog
from mkslog.cli.main import main
from mkslog.parse.stats import ParseStats
from mkslog.queries import top_ips

DATA = Path(__file__).parent / "data"
CORPUS = DATA / "corpus"
GUNICORN_ERROR = CORPUS / "Orange-Button-ProductRegistry__logs__gunicorn-error.log"
ISUCON = CORPUS / "isucon9-qualify__log__nginx__access.log"  # combined + $request_time
FORWARDED_GUNICORN = '%({x-forwarded-for}i)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'
DMY = "%d/%m/%Y %H:%M:%S"
# every query command, with the arguments it needs besides PATHS
QUERIES = {"errors": [], "traffic": [], "top-ips": [], "endpoints": [], "latency": [], "slow": [], "status": [],
           "logins": [], "suspects": [], "ip": ["203.0.113.7"], "summary": []}


def cli(*args, config: Path | None = None):
    extra = ["--config", str(config)] if config else []
    return CliRunner().invoke(main, [*map(str, args), *extra])


@pytest.fixture()
def no_config(tmp_path, monkeypatch):
    """An empty mkslog.toml: the defaults, whatever the machine has."""
    path = tmp_path / "mkslog.toml"
    path.write_text('timezone = "Asia/Tokyo"\n')
    monkeypatch.setenv("MKSLOG_CONFIG", str(path))
    return path


@pytest.mark.parametrize("command", [c for c in QUERIES if c != "errors"])
def test_a_query_over_an_all_rejected_file_exits_1(command, no_config):
    # a gunicorn error log read as combined: every line is a reject
    result = cli(command, *QUERIES[command], GUNICORN_ERROR, "--format", "combined")
    assert result.exit_code == 1, result.output
    assert re.search(r"^Error: all 48 lines of \S+gunicorn-error.log were rejected \(line 1: does not match format "
                     r"'combined': breaks at \$remote_addr\).*see mkslog parse --rejects", result.output, re.M)
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", list(QUERIES))
def test_a_query_over_an_empty_file_says_the_input_is_empty(command, tmp_path, no_config):
    empty = tmp_path / "access.log"
    empty.write_bytes(b"")
    kind = ["--kind", "app"] if command == "errors" else []
    result = cli(command, *QUERIES[command], empty, *kind)
    assert result.exit_code == 1, result.output
    assert f"Error: the input is empty: {empty} hold(s) no lines" in result.output
    assert "rejected" not in result.output


def test_parse_stats_warnings_are_deduplicated_and_reset():
    stats = ParseStats()
    stats.warn("a.log", "odd")
    stats.warn("a.log", "odd")
    stats.warn("b.log", "odd")
    assert stats.warnings == ["a.log: odd", "b.log: odd"]
    stats.reset("a.log")
    assert stats.warnings == ["b.log: odd"]


def test_combined_plus_request_time_is_detected_and_the_warning_names_the_format(no_config):
    stats = ParseStats()
    df = mkslog.read(str(ISUCON), stats=stats)
    assert stats.total.parsed == stats.total.lines == 1876
    assert df.schema["extra_1"] == pl.Float64
    assert df["extra_1"].to_list() == [float(line.rsplit(" ", 1)[1]) for line in ISUCON.read_text().splitlines()]
    suggested = ('$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" '
                 '"$http_user_agent" $extra_1')
    assert stats.warnings == [f"{ISUCON}: detected combined + 1 extra field; pass --log-format '{suggested}' to "
                              "name it (replace $extra_N with the nginx variable (e.g. $request_time for a time in "
                              "seconds))"]
    result = cli("status", ISUCON)
    assert result.exit_code == 0
    assert f"Warning: {stats.warnings[0]}" in result.output
    assert "gunicorn_timed" not in result.output
    # the suggested format, named, gives latencies
    named = cli("latency", "--as", "json", "--log-format", suggested.replace("$extra_1", "$request_time"), ISUCON)
    assert named.exit_code == 0, named.output
    assert json.loads(named.output)[0]["count"] == 1876


def test_host_before_combined_is_detected_as_an_extra_field():
    path = CORPUS / "beats__nginx__access__test__test-with-host.log"
    stats = ParseStats()
    df = mkslog.read(str(path), stats=stats)
    assert df["extra_1"].to_list()[:2] == ["example.com", "example.com"]
    assert "example.com:80" in df["extra_1"].to_list()
    assert "detected combined + 1 extra field; pass --log-format '$extra_1 $remote_addr" in stats.warnings[0]
    assert stats.total.parsed + stats.total.rejected == stats.total.lines == 10


def test_gunicorn_behind_a_proxy_counts_the_forwarded_client_by_default():
    # the format has no %(h)s: the first forwarded-for address is the client
    df = top_ips(mkslog.scan(str(DATA / "gunicorn-forwarded-access.log"), FORWARDED_GUNICORN), 5)
    assert df.rows() == [("203.0.113.7", 3, pytest.approx(0.6)), ("198.51.100.23", 1, 0.2), (None, 1, 0.2)]


def test_client_forwarded_on_the_query_commands(tmp_path, no_config):
    log = DATA / "nginx-main-behind-lb.log"
    remote = json.loads(cli("top-ips", "--as", "json", "--format", "main", log).output)
    assert [(r["remote_addr"], r["requests"]) for r in remote] == [("10.0.0.5", 4), ("10.0.0.6", 1)]
    forwarded = json.loads(cli("top-ips", "--as", "json", "--client", "forwarded", log).output)
    assert [(r["remote_addr"], r["requests"]) for r in forwarded] == [
        ("203.0.113.7", 3), ("10.0.0.6", 1), ("198.51.100.23", 1)]
    ip = json.loads(cli("ip", "203.0.113.7", "--client", "forwarded", "--section", "overview", "--as", "json",
                        log).output)
    assert ip["requests"] == 3
    logins = json.loads(cli("logins", "--401", "--client", "forwarded", "--as", "json", log).output)
    assert [(r["remote_addr"], r["requests"]) for r in logins] == [("198.51.100.23", 1)]
    suspects = cli("suspects", "--client", "forwarded", "--as", "json", log)
    assert suspects.exit_code == 0 and "10.0.0.5" not in suspects.output


def test_client_address_in_the_config_reaches_scan_and_the_report(tmp_path):
    log = DATA / "nginx-main-behind-lb.log"
    config = tmp_path / "mkslog.toml"
    config.write_text(f'client_address = "forwarded"\n[logs.access]\npaths = ["{log}"]\nformat = "main"\n')
    # the weekly report reads the configured logs like this
    assert top_ips(mkslog.scan(None, config=str(config)), 1)["remote_addr"].item() == "203.0.113.7"
    assert cli("top-ips", "--as", "json", config=config).output.count("203.0.113.7") == 1
    # a format without a forwarded field: remote_addr, and a warning says so
    result = cli("top-ips", "--format", "combined", CORPUS / "lnav__logfile_access_log.1", config=config)
    assert result.exit_code == 0
    assert "client_address is 'forwarded' but its format logs no forwarded-for address" in result.output
    config.write_text('client_address = "proxy"\n')
    bad = cli("top-ips", log, config=config)
    assert bad.exit_code == 1 and "client_address 'proxy' is not one of remote, forwarded" in bad.output


def test_errors_reads_each_error_log_as_its_kind(no_config):
    gunicorn, nginx = DATA / "gunicorn-error-timeouts.log", DATA / "nginx-error-levels.log"
    # independent counts: gunicorn's [ERROR]/[CRITICAL] stamps; nginx's error, crit, alert, emerg
    gunicorn_errors = len(re.findall(r"^\[[^]]+\] \[\d+\] \[(ERROR|CRITICAL)\]", gunicorn.read_text(), re.M))
    nginx_errors = len(re.findall(r"^\S+ \S+ \[(error|crit|alert|emerg)\]", nginx.read_text(), re.M))
    assert (gunicorn_errors, nginx_errors) == (4, 4)
    for paths, expected in (([gunicorn], 4), ([nginx], 4), ([gunicorn, nginx], 8)):
        result = cli("errors", "--by", "day", "--as", "json", *paths)
        assert result.exit_code == 0, result.output
        assert sum(r["count"] for r in json.loads(result.output)) == expected
    critical = json.loads(cli("errors", "--level", "CRITICAL", "--by", "day", "--as", "json", nginx).output)
    assert sum(r["count"] for r in critical) == 3  # crit, alert, emerg
    top = json.loads(cli("errors", "--top", "5", "--as", "json", gunicorn).output)
    assert sorted((r["exc_type"] or "-", r["message"]) for r in top) == [
        ("-", "WORKER TIMEOUT (pid:815)"), ("-", "WORKER TIMEOUT (pid:822)"),
        ("-", "Worker (pid:815) was sent SIGKILL! Perhaps out of memory?"), ("SystemExit", "1")]
    # the real gunicorn error log of the corpus: no errors in it, and no complaint about its format
    corpus = cli("errors", "--as", "json", GUNICORN_ERROR)
    assert corpus.exit_code == 0 and json.loads(corpus.output) == []
    # --kind forces the kind; an access log is refused with a reason
    forced = cli("errors", "--kind", "gunicorn-error", "--by", "day", "--as", "json", gunicorn)
    assert sum(r["count"] for r in json.loads(forced.output)) == 4
    wrong = cli("errors", CORPUS / "lnav__logfile_access_log.1")
    assert wrong.exit_code == 1 and "is a(n) access log; errors reads app, gunicorn-error, nginx-error" in wrong.output


def test_datefmt_reaches_the_app_log_reader(no_config):
    app = DATA / "app-dmy-datefmt.log"
    errors = cli("errors", "--by", "day", "--datefmt", DMY, "--as", "json", app)
    assert errors.exit_code == 0, errors.output
    assert [(r["ts"][:10], r["count"]) for r in json.loads(errors.output)] == [("2026-11-18", 1), ("2026-11-19", 1)]
    parsed = cli("parse", "--kind", "app", "--stats", "--datefmt", DMY, "--as", "json", app)
    assert [(r["format"], r["lines"], r["parsed"]) for r in json.loads(parsed.output)] == [("mks", 8, 8)]
    df = mkslog.read(str(app), kind="app", datefmt=DMY, source_tz="UTC")
    assert df["ts"].null_count() == 0 and len(df) == 4
    access = DATA / "nginx-main-behind-lb.log"
    for command in ("logins", "suspects", "summary"):
        result = cli(command, "--app-log", str(app), "--datefmt", DMY, "--as", "json", access)
        assert result.exit_code == 0, (command, result.output)
    summary = json.loads(cli("summary", "--app-log", str(app), "--datefmt", DMY, "--as", "json", access).output)
    assert summary["app_errors"] == 2
