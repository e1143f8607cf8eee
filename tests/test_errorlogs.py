"""mkslog.queries.errorlogs and its commands (templates, upstreams, workers) on real error-log files.

Fixtures under tests/data/, each counted by hand:

- ``nginx-error-upstreams.log``: nginx's own lines as in ../shared/corpus/nginx-error (isucon9's
  ``connect() failed (111: Connection refused)``, beats' ``open() ... failed (2: ...)``) and the
  manual's 502/504 causes, with ``nginx-access-gateway.log`` the access lines (timed format) of
  the same requests;
- ``gunicorn-error-bootloop.log``: the master restarting every one to two minutes, as in the
  corpus' Orange-Button gunicorn-error.log, then a master that gives up (``Worker failed to boot``);
- ``gunicorn-error-timeouts.log``: a worker timeout, its SIGKILL and a worker killed by a signal.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

import mkslog
from mkslog.cli import main
from mkslog.queries import (
    boot_loops,
    explain_gateway_errors,
    message_templates,
    upstream_failures,
    upstream_failures_over_time,
    worker_events,
)

DATA = Path(__file__).parent / "data"
NGINX = DATA / "nginx-error-upstreams.log"
ACCESS = DATA / "nginx-access-gateway.log"
BOOTLOOP = DATA / "gunicorn-error-bootloop.log"
TIMEOUTS = DATA / "gunicorn-error-timeouts.log"
CORPUS_GUNICORN = Path(__file__).parents[2] / "shared" / "corpus" / "gunicorn-error"


def nginx():
    return mkslog.scan(NGINX, kind="nginx-error", source_tz="Asia/Tokyo", tz="Asia/Tokyo")


def test_templates_match_the_hand_counted_groups():
    got = message_templates(nginx(), level=None)
    assert dict(zip(got["template"], got["count"], strict=True)) == {
        "connect() failed (<n>: Connection refused) while connecting to upstream": 4,
        "upstream timed out (<n>: Connection timed out) while reading response header from upstream": 2,
        'open() "<path>" failed (<n>: No such file or directory)': 2,
        'open() "<path>" failed (<n>: No space left on device) while reading upstream': 1,
        "upstream prematurely closed connection while reading response header from upstream": 1,
        "an upstream response is buffered to a temporary file <path> while reading upstream": 1,
    }
    assert got["count"].sum() == 11  # every record is in exactly one group
    top = got.row(0, named=True)
    assert top["level"] == "ERROR"
    assert (top["first_seen"].strftime("%H:%M:%S"), top["last_seen"].strftime("%H:%M:%S")) == ("14:06:12", "15:02:00")
    assert top["example"].startswith("connect() failed (111: Connection refused)")


def test_templates_level_filter_and_gunicorn_pids_folded():
    assert message_templates(nginx(), level="CRITICAL")["count"].to_list() == [1]
    gunicorn = message_templates(mkslog.scan(TIMEOUTS, kind="gunicorn-error"), level="ERROR")
    assert dict(zip(gunicorn["template"], gunicorn["count"], strict=True)) == {
        "WORKER TIMEOUT (pid:<n>)": 2,
        "Error handling request <path>": 1,
        "Worker (pid:<n>) was sent SIGKILL! Perhaps out of memory?": 1,
    }
    assert gunicorn.filter(pl.col("template").str.starts_with("Error"))["exc_type"].to_list() == ["SystemExit"]


def test_upstream_failures_per_upstream_and_hour():
    fails = upstream_failures(nginx())
    assert fails.height == 7  # the crit "No space left" is not an upstream failure
    assert fails.group_by("upstream", "failure").len().sort("upstream", "failure").rows() == [
        ("10.0.0.5:8000", "refused", 1), ("127.0.0.1:8000", "closed", 1), ("127.0.0.1:8000", "refused", 3),
        ("127.0.0.1:8000", "timeout", 2)]
    hourly = upstream_failures_over_time(nginx(), "1h")
    assert hourly.select(pl.col("ts").dt.hour(), "upstream", "failure", "count").rows() == [
        (14, "10.0.0.5:8000", "refused", 1), (14, "127.0.0.1:8000", "closed", 1), (14, "127.0.0.1:8000", "refused", 2),
        (14, "127.0.0.1:8000", "timeout", 2), (15, "127.0.0.1:8000", "refused", 1)]


def test_gateway_errors_are_explained_by_the_error_log_and_the_rest_counted():
    access = mkslog.scan(ACCESS, "timed", tz="Asia/Tokyo")
    got = explain_gateway_errors(nginx(), access)
    assert got.rows() == [
        (502, "127.0.0.1:8000", "refused", 3),
        (502, "10.0.0.5:8000", "refused", 1),
        (502, "127.0.0.1:8000", "closed", 1),
        (502, None, None, 1),  # /api/v1/sops/19 at 14:08: no error record explains it
        (504, "127.0.0.1:8000", "timeout", 2),  # one logged a second after its error line
    ]
    assert got["responses"].sum() == 8 == access.filter(pl.col("status").is_in([502, 504])).collect().height
    strict = explain_gateway_errors(nginx(), access, tolerance="0s")
    assert strict.filter(pl.col("status") == 504).rows() == [(504, "127.0.0.1:8000", "timeout", 1), (504, None, None, 1)]


def test_worker_events_per_hour():
    got = worker_events(mkslog.scan(TIMEOUTS, kind="gunicorn-error", tz="Asia/Tokyo"), "1h")
    assert got.select(pl.col("ts").dt.hour(), "timeouts", "oom_kills", "crashes", "boots", "exits",
                      "master_starts").rows() == [(14, 1, 1, 0, 2, 1, 1), (15, 1, 0, 1, 0, 0, 0)]


def test_a_boot_loop_is_flagged_and_a_master_that_gave_up_is_down():
    got = boot_loops(mkslog.scan(BOOTLOOP, kind="gunicorn-error"))
    assert got.select("starts", "boot_failures", "boot_loop", "down").rows() == [(4, 0, True, False), (1, 1, False, True)]
    assert got["start"][0] == datetime(2025, 2, 14, 18, 8, 19, tzinfo=got["start"][0].tzinfo)
    assert boot_loops(mkslog.scan(BOOTLOOP, kind="gunicorn-error"), min_starts=5)["boot_loop"].to_list() == [False,
                                                                                                              False]


@pytest.mark.skipif(not CORPUS_GUNICORN.is_dir(), reason="the shared corpus is not beside the checkout")
def test_the_real_restarting_gunicorn_is_a_boot_loop():
    got = boot_loops(mkslog.scan(sorted(CORPUS_GUNICORN.glob("*.log")), kind="gunicorn-error"))
    assert got.select("starts", "boot_loop").rows() == [(8, True)]


def run(*args, config=None):
    extra = ["--config", str(config)] if config else []
    return CliRunner().invoke(main, [*args, "--tz", "Asia/Tokyo", *extra], catch_exceptions=False)


def test_cli_templates_upstreams_workers(tmp_path):
    config = tmp_path / "mkslog.toml"
    config.write_text('source_timezone = "Asia/Tokyo"\n')  # the nginx error log's stamps carry no offset
    out = run("templates", str(NGINX), "--output", "json")
    assert out.exit_code == 0, out.output
    assert '"count": 4' in out.stdout and '"example"' in out.stdout
    explained = run("upstreams", str(NGINX), "--explain", "--access-log", str(ACCESS), "--output", "csv",
                    config=config)
    assert explained.exit_code == 0, explained.output
    assert explained.stdout.splitlines()[:2] == ["status,upstream,failure,responses", "502,127.0.0.1:8000,refused,3"]
    boots = run("workers", str(BOOTLOOP), "--boots")
    assert boots.exit_code == 0
    assert "Warning: boot loop: 4 start(s)" in boots.stderr
    assert "Warning: the service went down after a failed boot" in boots.stderr
    hourly = run("workers", str(TIMEOUTS), "--output", "csv")
    assert hourly.stdout.splitlines()[1].startswith("2026-11-18T14:00:00+09:00,1,1,0,0,2,1,1,0,0")


def test_cli_upstreams_of_a_log_without_upstreams_is_an_error_not_a_table(tmp_path):
    app = tmp_path / "app.log"
    app.write_text("2026-11-18 14:00:00,123 ERROR app_v2: boom\n")
    out = run("upstreams", str(app))
    assert out.exit_code == 1
    assert "Error: upstream_failures (an nginx error log) needs the column(s) upstream" in out.stderr
