"""mkslog's own log lines read back at the instant they were written (mkslog.loglines).

Real processes: `python -m mkslog health check|metrics` (against an HTTP server on 127.0.0.1 started
here) and `python -m mkslog backup create` run with TZ=UTC, TZ=America/New_York and with
source_timezone in a config; their logs are read back with mkslog.scan and every ``ts`` must lie
within the process's run. Round trips: each line kind formatted with loglines, parsed by the reader.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import mkslog
from mkslog import loglines
from mkslog.config import load_config
from mkslog.errors import ConfigError
from mkslog.formats.fixed import FIXED
from mkslog.parse.text import parse_text

UTC = dt.UTC
ZONEINFO = Path("/usr/share/zoneinfo")


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


# --------------------------------------------------------------------------------------------
# round trips: every line kind, formatted by the writers' functions, parsed by the reader


def test_health_lines_round_trip():
    when = utc(2026, 11, 18, 5, 5, 0)  # 14:05 in Tokyo
    ts = loglines.stamp(when, "Asia/Tokyo")
    lines = [
        loglines.health_line(ts, True, loglines.health_timing(200, 12)),
        loglines.health_line(ts, False, "HTTP 302 redirect to /login(sso)"),
        loglines.health_line(ts, False, "bad\r\nheader"),  # a control character cannot split the record
        loglines.health_line(ts, True),  # the manual's health_check.sh wrote no detail
        loglines.health_line(ts, False),
    ]
    assert lines[0] == "2026-11-18 14:05:00 - OK: Service is running (200, 12 ms)"
    assert lines[2] == "2026-11-18 14:05:00 - ERROR: Service is down (bad\\x0d\\x0aheader)"
    stats = mkslog.ParseStats()
    df = parse_text("\n".join(lines) + "\n", "health", source_tz="Asia/Tokyo", stats=stats)
    assert stats.total.rejected == 0
    got = df.select("ts", "ok", "status", "message", "reason", "status_code", "elapsed_ms").rows()
    assert got == [
        (when, True, "OK", "Service is running", "200, 12 ms", 200, 12.0),
        (when, False, "ERROR", "Service is down", "HTTP 302 redirect to /login(sso)", None, None),
        (when, False, "ERROR", "Service is down", "bad\\x0d\\x0aheader", None, None),
        (when, True, "OK", "Service is running", None, None, None),
        (when, False, "ERROR", "Service is down", None, None, None),
    ]


def test_metrics_line_round_trips():
    when = utc(2026, 11, 18, 5, 10, 0)
    line = loglines.metrics_line(loglines.stamp(when, "Asia/Tokyo"), 12.54, 40.06, 63)
    assert line == "2026-11-18 14:10:00,CPU:12.5,Memory:40.1,Disk:63"
    df = parse_text(line + "\n", "metrics", source_tz="Asia/Tokyo")
    assert df.select("ts", "cpu", "memory", "disk").rows() == [(when, 12.5, 40.1, 63.0)]


def test_backup_lines_round_trip():
    when = utc(2026, 11, 16, 17, 0, 1)  # 02:00:01 in Tokyo, the next day
    ts = loglines.stamp(when, "Asia/Tokyo")
    folder = "/var/backups/mirai-knowledge-system/daily/20261117"
    messages = [
        "Starting daily backup",
        f"Data backup completed: {folder}/data_20261117_020001.tar.gz (12345678 bytes)",
        "ERROR: Database backup failed: pg_dump: error: connection refused\nIs the server running?",
        f"ERROR: Verification failed: {folder}: MANIFEST.json missing",
        f"Restored {folder} to /var/lib/mirai-knowledge-system/data",
        "Daily backup completed successfully",
    ]
    lines = [loglines.backup_line(ts, m) for m in messages]
    assert lines[2] == ("2026-11-17 02:00:01 - ERROR: Database backup failed: pg_dump: error: connection "
                        "refused | Is the server running?")
    stats = mkslog.ParseStats()
    df = parse_text("\n".join(lines) + "\n", "backup", source_tz="Asia/Tokyo", stats=stats)
    assert stats.total.rejected == 0
    got = df.select("ts", "level", "backup_kind", "event", "path", "target", "size_bytes", "reason").rows()
    assert got == [
        (when, "INFO", "daily", "start", None, None, None, None),
        (when, "INFO", "daily", "data", f"{folder}/data_20261117_020001.tar.gz", None, 12345678, None),
        # "Database" is no backup kind: the line has none, as the reader has always read it
        (when, "ERROR", None, "failed", None, None, None, "pg_dump: error: connection refused | Is the server running?"),
        (when, "ERROR", "daily", "verify_failed", folder, None, None, "MANIFEST.json missing"),
        (when, "INFO", "daily", "restored", folder, "/var/lib/mirai-knowledge-system/data", None, None),
        (when, "INFO", "daily", "completed", None, None, None, None),
    ]
    assert df["message"].to_list() == [line[22:] for line in lines]


def test_reader_formats_are_compiled_from_the_writers_layouts():
    # One definition: the reader's format of each own kind is compiled from the very table its writer formats with.
    for kind, layout in (("health", loglines.HEALTH), ("metrics", loglines.METRICS), ("backup", loglines.BACKUP)):
        rf = FIXED[kind]
        assert rf.extra["layout"] is layout
        assert tuple(rf.schema) == layout.columns and rf.expect == layout.expect


def test_stamp_converts_an_instant_into_the_zone():
    summer, winter = utc(2026, 7, 1, 12, 0, 0), utc(2026, 1, 1, 12, 0, 0)
    assert loglines.stamp(summer, "America/New_York") == "2026-07-01 08:00:00"  # EDT, -4
    assert loglines.stamp(winter, "America/New_York") == "2026-01-01 07:00:00"  # EST, -5
    assert loglines.stamp(winter, "Asia/Tokyo") == "2026-01-01 21:00:00"
    assert loglines.stamp(dt.datetime(2026, 1, 1, 3, 4, 5), "Asia/Tokyo") == "2026-01-01 03:04:05"  # naive: as is
    with pytest.raises(ConfigError, match="unknown timezone 'Mars/Olympus'.*fix mkslog.toml"):
        loglines.stamp(winter, "Mars/Olympus")


# --------------------------------------------------------------------------------------------
# the machine's zone


def test_machine_zone_from_tz_and_from_localtime_links(tmp_path):
    resolve = loglines.resolve_machine_timezone
    nowhere = tmp_path / "missing"
    assert resolve({"TZ": "America/New_York"}, nowhere, nowhere) == ("America/New_York", "machine zone, from TZ")
    assert resolve({"TZ": ":Asia/Tokyo"}, nowhere, nowhere)[0] == "Asia/Tokyo"
    assert resolve({"TZ": str(ZONEINFO / "Europe/Berlin")}, nowhere, nowhere)[0] == "Europe/Berlin"
    assert resolve({"TZ": ""}, nowhere, nowhere) == ("UTC", "machine zone: TZ is empty, which means UTC")
    name, how = resolve({"TZ": "JST-9"}, nowhere, nowhere)
    assert name == "UTC" and "TZ='JST-9' is no IANA zone name" in how and "set source_timezone" in how

    link = tmp_path / "localtime"
    link.symlink_to(ZONEINFO / "America/New_York")
    assert resolve({}, link, nowhere) == ("America/New_York", f"machine zone, from {link}")
    posix = tmp_path / "posix-localtime"
    posix.symlink_to(ZONEINFO / "posix/Asia/Tokyo")
    assert resolve({}, posix, nowhere)[0] == "Asia/Tokyo"

    # A copied /etc/localtime names no zone: /etc/timezone (Debian) does, else UTC and it says so.
    copied = tmp_path / "copied-localtime"
    copied.write_bytes((ZONEINFO / "Asia/Tokyo").read_bytes())
    timezone_file = tmp_path / "timezone"
    timezone_file.write_text("Asia/Tokyo\n")
    assert resolve({}, copied, timezone_file) == ("Asia/Tokyo", f"machine zone, from {timezone_file}")
    name, how = resolve({}, copied, nowhere)
    assert name == "UTC" and f"{copied} names no IANA zone, UTC assumed" in how
    assert resolve({}, nowhere, nowhere) == ("UTC", f"machine zone: no TZ and no {nowhere}, UTC")


def test_config_defaults_source_timezone_to_the_machine_zone(tmp_path):
    cfg = load_config(None, search=False)
    assert cfg.get("source_timezone") == loglines.machine_timezone()
    assert cfg.origin("source_timezone") == f"default ({loglines.machine_timezone_origin()})"
    assert cfg.get("timezone") == "Asia/Tokyo"  # the display zone keeps its default
    empty = tmp_path / "empty.toml"
    empty.write_text('source_timezone = ""\n')
    cfg = load_config(empty)
    assert cfg.get("source_timezone") == loglines.machine_timezone()  # never an implicit UTC
    assert "leaves it empty" in cfg.origin("source_timezone")


def test_mkslog_config_shows_where_the_source_zone_came_from(tmp_path):
    out = _run(["config"], {"TZ": "America/New_York"}, tmp_path)
    assert "source_timezone = 'America/New_York'    # default (machine zone, from TZ)\n" in out.stdout
    example = Path(__file__).resolve().parents[1] / "mkslog.example.toml"
    out = _run(["config", "--config", str(example)], {"TZ": "America/New_York"}, tmp_path)
    assert f"source_timezone = 'Asia/Tokyo'    # file {example}\n" in out.stdout


# --------------------------------------------------------------------------------------------
# real processes: written by `python -m mkslog ...`, read back at the instant they ran


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        status = 200 if self.path == "/ok" else 500
        self.send_response(status)
        self.send_header("Content-Length", "3")
        self.end_headers()
        self.wfile.write(b"ok\n")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _env(tz: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TZ", "MKSLOG_CONFIG")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])  # this checkout's mkslog
    if tz is not None:
        env["TZ"] = tz
    return env


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    full = {**_env(env.get("TZ")), **{k: v for k, v in env.items() if k != "TZ"}}
    return subprocess.run([sys.executable, "-m", "mkslog", *args], capture_output=True, text=True,
                          cwd=cwd, env=full, timeout=120)


def _timed(args: list[str], tz: str, cwd: Path) -> tuple[dt.datetime, dt.datetime]:
    """Run mkslog; the instants (whole seconds, as the stamps have) it ran between."""
    start = dt.datetime.now(UTC).replace(microsecond=0)
    done = _run(args, {"TZ": tz}, cwd)
    end = dt.datetime.now(UTC)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode in (0, 1), done.stderr  # 1: down or over a threshold, still logged
    return start, end


def _read_back(log: Path, kind: str, tz: str, config: Path) -> list[dt.datetime]:
    """The ``ts`` of every record, read by mkslog.scan in a process on the same clock (same TZ)."""
    code = ("import json, sys, mkslog; st = mkslog.ParseStats(); "
            "df = mkslog.scan([sys.argv[1]], kind=sys.argv[2], config=sys.argv[3], stats=st).collect(); "
            "print(json.dumps({'rejected': st.total.rejected, 'ts': [t.isoformat() for t in df['ts']]}))")
    done = subprocess.run([sys.executable, "-c", code, str(log), kind, str(config)], capture_output=True,
                          text=True, env=_env(tz), timeout=120)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["rejected"] == 0
    return [dt.datetime.fromisoformat(t) for t in got["ts"]]


def _config(folder: Path, source_tz: str | None) -> Path:
    text = f'source_timezone = "{source_tz}"\n' if source_tz else ""
    text += ('[health]\nlog = "logs/health_check.log"\nmetrics_log = "logs/metrics.log"\n'
             'alert_log = "logs/alerts.log"\nstate_file = "state/alerts.json"\ncpu_interval = 0.1\n'
             "[thresholds]\ncpu = 100\nmemory = 100\ndisk = 100\n")
    path = folder / "mkslog.toml"
    path.write_text(text, encoding="utf-8")
    return path


# (process TZ, source_timezone in mkslog.toml): the machine's own zone, or the config's over it.
ZONES = [("UTC", None), ("America/New_York", None), ("UTC", "Asia/Tokyo"), ("America/New_York", "Asia/Tokyo")]


@pytest.mark.parametrize(("tz", "source_tz"), ZONES)
def test_health_check_and_metrics_read_back_at_their_instant(server, tmp_path, tz, source_tz):
    cfg = _config(tmp_path, source_tz)
    runs = [_timed(["health", "check", "--url", f"{server}{path}", "--config", str(cfg)], tz, tmp_path)
            for path in ("/ok", "/fail")]
    metrics_run = _timed(["health", "metrics", "--config", str(cfg)], tz, tmp_path)
    checks = _read_back(tmp_path / "logs/health_check.log", "health", tz, cfg)
    assert len(checks) == 2
    for ts, (start, end) in zip(checks, runs, strict=True):
        assert start <= ts <= end, (ts, start, end)
    [ts] = _read_back(tmp_path / "logs/metrics.log", "metrics", tz, cfg)
    assert metrics_run[0] <= ts <= metrics_run[1]
    # The stamp is the wall time of the shared zone, checked independently of the reader.
    zone = loglines.zone_info(source_tz or tz)
    first = (tmp_path / "logs/health_check.log").read_text().splitlines()[0]
    wall = dt.datetime.strptime(first[:19], loglines.TS_LAYOUT).replace(tzinfo=zone)
    assert runs[0][0] <= wall <= runs[0][1]
    alert = (tmp_path / "logs/alerts.log").read_text().splitlines()[0]  # the /fail check alerted
    assert alert.endswith("- ALERT: service down: " + f"{server}/fail (HTTP 500)")
    alert_wall = dt.datetime.strptime(alert[:19], loglines.TS_LAYOUT).replace(tzinfo=zone)
    assert runs[1][0] <= alert_wall <= runs[1][1]
    if source_tz:  # read in this process (its own TZ is whatever the test runner has): the config decides
        [ts_here, _] = mkslog.scan([tmp_path / "logs/health_check.log"], kind="health", config=cfg).collect()["ts"]
        assert ts_here == checks[0]


@pytest.mark.parametrize(("tz", "source_tz"), ZONES)
def test_backup_log_reads_back_at_its_instant(tmp_path, tz, source_tz):
    cfg = _config(tmp_path, source_tz)
    data = tmp_path / "data"
    data.mkdir()
    (data / "knowledge.json").write_text('{"articles": 3}\n')
    root = tmp_path / "backups"
    start, end = _timed(["backup", "create", "--kind", "daily", "--root", str(root), "--data-dir", str(data),
                         "--env-file", "", "--database-url", "", "--config", str(cfg)], tz, tmp_path)
    stamps = _read_back(root / "backup.log", "backup", tz, cfg)
    assert len(stamps) == 4  # start, data, verification, completed
    assert all(start <= ts <= end for ts in stamps), (stamps, start, end)
    # The folder and archive names carry the same wall time as the log lines.
    zone = loglines.zone_info(source_tz or tz)
    [archive] = (root / "daily").glob("*/data_*.tar.gz")
    named = dt.datetime.strptime(archive.name[5:20], "%Y%m%d_%H%M%S").replace(tzinfo=zone)
    assert start <= named <= end and archive.parent.name == named.strftime("%Y%m%d")


def test_an_unknown_source_timezone_stops_the_writers_before_they_write(server, tmp_path):
    cfg = _config(tmp_path, "Asia/Tokio")
    for args in (["health", "check", "--url", f"{server}/ok"], ["backup", "prune", "--root", str(tmp_path)]):
        done = _run([*args, "--config", str(cfg)], {"TZ": "UTC"}, tmp_path)
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert done.stderr.startswith("Error: unknown timezone 'Asia/Tokio' in source_timezone"), done.stderr
    assert not (tmp_path / "logs").exists()
