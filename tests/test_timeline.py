"""mkslog.timeline() and ``mkslog timeline``: the sample week's outage, told by every log in order.

The sample generator's scenario knows the story: at 14:00 on day 3 the workers hang on the
database (504s, a fast 500 with a traceback), at ``refused`` the gunicorn master gives up (502,
connection refused), at ``restart`` it is started again. The timeline must say exactly that.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
from click.testing import CliRunner

import mkslog
from mkslog.cli import main
from mkslog.queries import timeline_events
from mkslog.sample.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "mkslog.example.toml"
SC = Scenario(date(2026, 11, 16), 7, seed=47, scale=1.0)


def at(t: float) -> datetime:
    return datetime.fromisoformat(SC.clock.aware(t))


START, REFUSED, RESTART = at(SC.burst[0]), at(SC.refused), at(SC.restart)
SINCE, UNTIL = START - timedelta(minutes=5), START + timedelta(minutes=30)


def outage() -> pl.DataFrame:
    return mkslog.timeline(SINCE, UNTIL, config=CONFIG, tz="Asia/Tokyo")


def first(events: pl.DataFrame, source: str, starts: str) -> dict:
    rows = events.filter((pl.col("source") == source) & pl.col("summary").str.starts_with(starts))
    assert rows.height == 1, (source, starts, events)
    return rows.row(0, named=True)


def test_the_outage_in_order_with_every_log():
    events = outage()
    assert events["ts"].is_sorted()
    assert set(events["source"]) == {"access", "nginx-error", "gunicorn-error", "app", "health", "metrics"}
    burst = first(events, "access", "5xx burst")
    access = mkslog.scan(config=CONFIG, since=SINCE, until=UNTIL)
    fives = access.filter(pl.col("status") >= 500).select(pl.len()).collect().item()
    assert burst["count"] == fives == 83  # every 5xx of the window, none left out
    assert START <= burst["ts"] < START + timedelta(minutes=1) and REFUSED < burst["until"] < RESTART
    timeouts = first(events, "nginx-error", "upstream timed out")
    refused = first(events, "nginx-error", "connect() failed")
    assert START <= timeouts["ts"] < timeouts["until"] < REFUSED <= refused["ts"] < refused["until"] < RESTART
    assert (timeouts["count"], refused["count"]) == (11, 60)
    stop = first(events, "gunicorn-error", "Shutting down: Master")
    assert REFUSED - timedelta(seconds=2) <= stop["ts"] <= REFUSED
    assert first(events, "gunicorn-error", "Starting gunicorn")["ts"] == RESTART
    kills = first(events, "gunicorn-error", "Worker (pid:<n>) was sent SIGKILL")
    assert kills["count"] == first(events, "gunicorn-error", "WORKER TIMEOUT")["count"] == 43
    assert first(events, "app", "psycopg2.OperationalError")["count"] == 24
    assert first(events, "health", "health check failed")["count"] == 4
    # the timeline is the story: hung workers and their 504s, then the master gone, then back
    order = [first(events, s, p)["ts"] for s, p in (("nginx-error", "upstream timed out"),
                                                   ("gunicorn-error", "WORKER TIMEOUT"),
                                                   ("gunicorn-error", "Shutting down"),
                                                   ("nginx-error", "connect() failed"),
                                                   ("gunicorn-error", "Starting gunicorn"))]
    assert order == sorted(order)


def test_pointers_name_the_first_line_of_each_event():
    events = outage()
    files = {p.name: p for p in (ROOT / "sample_logs").rglob("*") if p.is_file() and not p.name.endswith(".gz")}
    checked = 0
    for row in events.iter_rows(named=True):
        name, line = row["pointer"].rsplit(":", 1)
        if name not in files:
            continue  # a rotated .gz: the pointer is right, reading it here is not worth the code
        text = files[name].read_text(encoding="utf-8").splitlines()[int(line) - 1]
        assert row["ts"].strftime("%H:%M:%S") in text or row["ts"].strftime("%H:%M") in text, (row, text)
        checked += 1
    assert checked >= 8


def test_quiet_hours_have_no_events_and_a_missing_log_is_named():
    missing: dict[str, str] = {}
    quiet = mkslog.timeline("2026-11-17 03:00", "2026-11-17 03:30", config=CONFIG, tz="Asia/Tokyo",
                            paths={"access": None, "app": None, "backup": [str(ROOT / "no-such-backup.log")]},
                            missing=missing)
    assert quiet.is_empty() and quiet.columns == ["ts", "until", "source", "level", "summary", "count", "pointer"]
    assert list(missing) == ["backup"] and "no-such-backup.log" in missing["backup"]


def test_repeats_further_apart_than_the_gap_are_two_events():
    t = datetime(2026, 11, 18, 5, 0)
    health = pl.LazyFrame({"ts": [t, t + timedelta(minutes=5), t + timedelta(hours=1)], "ok": [False, False, False],
                           "message": ["Service is down"] * 3, "reason": [None] * 3})
    got = timeline_events(health=health, gap="10m")
    assert got.select("summary", "count").rows() == [("health check failed: Service is down", 2),
                                                     ("health check failed: Service is down", 1)]


def test_cli_timeline_needs_a_window_and_prints_the_events():
    runner = CliRunner()
    assert runner.invoke(main, ["timeline", "--config", str(CONFIG)]).exit_code == 2
    out = runner.invoke(main, ["timeline", "--config", str(CONFIG), "--since", "2026-11-18 13:55", "--until",
                               "2026-11-18 14:30", "--source", "gunicorn-error", "--output", "csv"])
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    assert lines[0] == "ts,until,source,level,summary,count,pointer"
    assert lines[-1] == ("2026-11-18T14:19:30+09:00,2026-11-18T14:19:30+09:00,gunicorn-error,INFO,"
                         "Starting gunicorn 23.0.0,1,error.log:224")
