"""Records of the error, application, health, metrics and backup logs: the real files of the corpus
(copied into tests/data/corpus, origins in its SOURCES.md), multi-line records across chunk
boundaries, orphans, rejects of the single-line kinds, timezones, and the scan API."""

from __future__ import annotations

import gzip
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import mkslog
from mkslog.errors import FormatError, LogFileError
from mkslog.kinds import RECORD_KINDS as KINDS
from mkslog.parse.detect import detect_kind
from mkslog.parse.records import kind_schema
from mkslog.parse.stats import ParseStats
from mkslog.parse.text import parse_text


def scan_records(paths=None, kind=None, format=None, **kwargs):
    """The records of ``kind`` through the front door (kind and format as positional arguments)."""
    return mkslog.scan(paths, format, kind=kind, **kwargs)


def read_records(paths=None, kind=None, format=None, **kwargs):
    return scan_records(paths, kind, format, **kwargs).collect(engine="streaming")

ROOT = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data" / "corpus"
DJANGO = "{levelname} {asctime} {module} {process:d} {thread:d} {message}"

CORPUS = [
    # (file, kind, format, records, lines, exception types of the tracebacks)
    ("beats__nginx__error__test__error.log", "nginx-error", None, 4, 6, {}),
    ("isucon9-qualify__log__nginx__error.log", "nginx-error", None, 3, 3, {}),
    ("Orange-Button-ProductRegistry__logs__gunicorn-error.log", "gunicorn-error", None, 48, 48, {}),
    ("Orange-Button-ProductRegistry__logs__django.log", "app", DJANGO, 44, 68, {"IndexError": 2}),
    # the corpus notes say 8 tracebacks: the file has 9 records with one (lines 1, 20, ... 148)
    ("notable-flask__logs__all_errors.log", "app", None, 17, 165, {"ValueError": 9}),
    # the corpus notes count 2 "Traceback" lines at the start of a line; 8 records carry one
    ("notable-flask__logs__ml.log", "app", None, 4091, 5436,
     {"ValueError": 2, "SystemError": 2, "NameError": 2, "FileNotFoundError": 1, "TypeError": 1}),
]


def file_lines(path: Path) -> int:
    data = path.read_bytes()
    return data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)


def assert_covers_every_line(df: pl.DataFrame, lines: int) -> None:
    """Records are contiguous: each starts where the one before ends, from line 1 to the last."""
    starts, spans = df["line_no"].to_list(), df["n_lines"].to_list()
    assert starts[0] == 1
    for (a, n), b in zip(zip(starts, spans, strict=True), starts[1:], strict=False):
        assert a + n == b
    assert starts[-1] + spans[-1] - 1 == lines
    assert sum(spans) == lines


@pytest.mark.parametrize(("name", "kind", "fmt", "records", "lines", "exc_types"), CORPUS, ids=[c[0] for c in CORPUS])
def test_corpus_file(name, kind, fmt, records, lines, exc_types):
    path = DATA / name
    assert file_lines(path) == lines
    stats = ParseStats()
    df = read_records(path, kind, fmt, stats=stats, source_tz="UTC")
    assert len(df) == records
    fs = stats.files[str(path)]
    assert (fs.lines, fs.parsed, fs.rejected) == (lines, lines, 0)
    assert_covers_every_line(df, lines)
    assert Counter(df["exc_type"].drop_nulls().to_list()) == Counter(exc_types)
    assert not df["orphan"].any()
    assert df["ts"].null_count() == (len(df) if name.endswith("ml.log") else 0)  # ml.log's format has no time


def test_ml_log_crlf_ansi_and_long_lines():
    df = read_records(DATA / "notable-flask__logs__ml.log", "app")
    assert df["source"][0] == "logging"  # detected: logging.basicConfig's default format
    assert dict(df.group_by("level").len().iter_rows()) == {"DEBUG": 2058, "INFO": 2006, "ERROR": 27}
    text = df.select(pl.concat_str("message", pl.col("detail").fill_null(""))).to_series()
    assert not text.str.contains("\r", literal=True).any()  # CRLF and the stray \r\r\n are gone
    werkzeug = df.filter(pl.col("logger") == "werkzeug")["message"]
    assert len(werkzeug) == 381
    # werkzeug's colour codes are part of the message as written (presenters make them inert)
    assert '127.0.0.1 - - [19/Feb/2021 21:33:08] "\x1b[33mGET /images/marsh.jpg HTTP/1.1\x1b[0m" 404 -' in werkzeug
    assert werkzeug.str.contains("\x1b[", literal=True).sum() == 355
    long = df.filter(pl.col("message").str.len_chars() > 100_000)
    assert len(long) == 27 and set(long["logger"]) == {"matplotlib"} and set(long["n_lines"]) == {1}
    # an HTTP request dump logged in one call: the header lines are the record's detail
    dump = df.filter(pl.col("line_no") == 26).row(0, named=True)
    assert dump["message"] == "Host: e2918032bf71.ngrok.io" and dump["n_lines"] == 15
    assert dump["detail"].startswith("User-Agent: Mozilla/5.0")
    tb = df.filter(pl.col("line_no") == 2090).row(0, named=True)
    assert tb["message"] == "Traceback (most recent call last):"
    assert (tb["exc_type"], tb["exc_message"]) == ("SystemError", "tile cannot extend outside image")  # chained: last


def test_all_errors_chained_tracebacks():
    df = read_records(DATA / "notable-flask__logs__all_errors.log", "app", "dashed", source_tz="UTC")
    first = df.row(0, named=True)
    assert first["ts"] == datetime(2021, 4, 4, 23, 13, 54, 376000, tzinfo=UTC)
    assert (first["logger"], first["level"], first["n_lines"]) == ("app", "ERROR", 18)
    assert first["exc_message"] == "could not generate sinewave audio"  # not the first "need at least one array"
    assert "During handling of the above exception" in first["detail"]
    assert df.filter(pl.col("exc_type").is_null())["message"].str.starts_with("ERROR: ").all()


def test_nginx_error_corpus():
    df = read_records(DATA / "beats__nginx__error__test__error.log", "nginx-error", source_tz="UTC")
    first = df.row(0, named=True)
    assert first["ts"] == datetime(2016, 10, 25, 14, 49, 34, tzinfo=UTC)
    assert (first["level"], first["pid"], first["tid"], first["cid"]) == ("ERROR", 54053, 0, 1)
    assert first["message"] == ('open() "/usr/local/Cellar/nginx/1.10.2_1/html/favicon.ico" failed '
                                "(2: No such file or directory)")
    assert (first["client"], first["server"], first["request"], first["host"], first["referrer"]) == (
        "127.0.0.1", "localhost", "GET /favicon.ico HTTP/1.1", "localhost:8080", "http://localhost:8080/")
    fastcgi = df.row(2, named=True)  # the FastCGI stderr dump: 3 lines, 1 record
    assert (fastcgi["line_no"], fastcgi["n_lines"], fastcgi["pid"], fastcgi["tid"]) == (3, 3, 205860, 205860)
    assert fastcgi["message"].startswith('FastCGI sent in stderr: "PHP message: PHP Warning:')
    assert [line[:12] for line in fastcgi["detail"].split("\n")] == ["PHP message:", "PHP message:"]
    isucon = read_records(DATA / "isucon9-qualify__log__nginx__error.log", "nginx-error", source_tz="UTC")
    assert isucon["server"].to_list() == [None] * 3  # "server: ," is empty
    assert set(isucon["upstream"]) == {"http://192.168.0.53:8001/"}
    assert isucon["message"][0] == "connect() failed (111: Connection refused) while connecting to upstream"


def test_nginx_error_tail_fields_on_the_last_continuation_line():
    text = (
        '2026/11/18 14:05:00 [error] 2102#2102: *150018 FastCGI sent in stderr: "PHP message: one\n'
        'PHP message: two" while reading response header from upstream, client: 10.0.0.1, server: mks.example.jp, '
        'request: "GET / HTTP/1.1", upstream: "fastcgi://unix:/run/php.sock:", host: "mks.example.jp"\n'
        '2026/11/18 14:05:01 [warn] 2102#2102: conflicting server name "x" on 0.0.0.0:80, ignored\n'
        "2026/11/18 14:05:02 [crit] 1#1: *5 SSL_do_handshake() failed, client: 1.2.3.4, server: 0.0.0.0:443\n"
    )
    df = parse_text(text, "nginx-error", source_tz="Asia/Tokyo")
    assert df["ts"][0] == datetime(2026, 11, 18, 5, 5, tzinfo=UTC)
    assert df["level"].to_list() == ["ERROR", "WARN", "CRIT"]
    fcgi = df.row(0, named=True)
    assert (fcgi["client"], fcgi["upstream"], fcgi["host"], fcgi["n_lines"]) == (
        "10.0.0.1", "fastcgi://unix:/run/php.sock:", "mks.example.jp", 2)
    assert df["cid"].to_list() == [150018, None, 5]
    assert df["message"][1] == 'conflicting server name "x" on 0.0.0.0:80, ignored'
    assert (df["client"][2], df["server"][2]) == ("1.2.3.4", "0.0.0.0:443")


GUNICORN_EVENTS = [
    ("[CRITICAL] WORKER TIMEOUT (pid:2078)", "worker_timeout", 2078),
    ("[INFO] Booting worker with pid: 2080", "worker_boot", 2080),
    ("[INFO] Worker exiting (pid: 2080)", "worker_exit", 2080),
    ("[ERROR] Worker (pid:2078) was sent SIGKILL! Perhaps out of memory?", "worker_exit", 2078),
    ("[WARNING] Worker (pid:2079) exited with code 1", "worker_exit", 2079),
    ("[INFO] Starting gunicorn 23.0.0", "start", None),
    ("[INFO] Listening at: http://127.0.0.1:5000 (1234)", "listening", None),
    ("[INFO] Handling signal: term", "signal", None),
    ("[INFO] Shutting down: Master", "shutdown", None),
    ("[INFO] Using worker: sync", "other", None),
]


def test_gunicorn_error_events():
    lines = [f"[2026-11-18 14:05:{i:02d} +0900] [1234] {msg}" for i, (msg, _, _) in enumerate(GUNICORN_EVENTS)]
    df = parse_text("\n".join(lines) + "\n", "gunicorn-error", source_tz="UTC")  # the offset wins
    assert df["event"].to_list() == [e for _, e, _ in GUNICORN_EVENTS]
    assert df["worker_pid"].to_list() == [p for _, _, p in GUNICORN_EVENTS]
    assert df["ts"][0] == datetime(2026, 11, 18, 5, 5, 0, tzinfo=UTC)
    assert set(df["utc_offset"]) == {540}
    assert df["level"][0] == "CRITICAL"


def test_gunicorn_worker_exception_with_traceback():
    text = (
        "[2026-11-18 14:05:00 -0500] [2080] [ERROR] Exception in worker process\n"
        "Traceback (most recent call last):\n"
        '  File "/venv/lib/python3.11/site-packages/gunicorn/arbiter.py", line 609, in spawn_worker\n'
        "    worker.init_process()\n"
        "psycopg2.OperationalError: connection to server at \"127.0.0.1\", port 5432 failed: Connection refused\n"
        "\tIs the server running on that host and accepting TCP/IP connections?\n"
        "\n"
        "[2026-11-18 14:05:01 -0500] [2080] [INFO] Worker exiting (pid: 2080)\n"
    )
    df = parse_text(text, "gunicorn-error")
    exc = df.row(0, named=True)
    assert (exc["event"], exc["n_lines"], exc["utc_offset"]) == ("exception", 7, -300)
    assert exc["ts"] == datetime(2026, 11, 18, 19, 5, tzinfo=UTC)
    assert exc["exc_type"] == "psycopg2.OperationalError"
    assert exc["exc_message"] == 'connection to server at "127.0.0.1", port 5432 failed: Connection refused'
    assert df["event"][1] == "worker_exit"


def test_traceback_variants():
    text = (
        "2026-11-18 14:05:00,001 ERROR app: chained with a cause\n"
        "Traceback (most recent call last):\n"
        '  File "a.py", line 1, in f\n'
        "KeyError: 'user_id'\n"
        "\n"
        "The above exception was the direct cause of the following exception:\n"
        "\n"
        "Traceback (most recent call last):\n"
        '  File "a.py", line 3, in g\n'
        "app_v2.errors.LookupFailed: no such user\n"
        "2026-11-18 14:05:01,002 CRITICAL app: interrupted\n"
        "Traceback (most recent call last):\n"
        '  File "a.py", line 9, in main\n'
        "KeyboardInterrupt\n"
        "2026-11-18 14:05:02,003 ERROR app: ValueError: mentioned, but no traceback\n"
        "  some indented context\n"
    )
    df = parse_text(text, "app", "mks")
    assert df["exc_type"].to_list() == ["app_v2.errors.LookupFailed", "KeyboardInterrupt", None]
    assert df["exc_message"].to_list() == ["no such user", None, None]
    assert df["n_lines"].to_list() == [10, 4, 2]


def test_traceback_split_across_chunk_boundaries_comes_out_whole():
    path = DATA / "notable-flask__logs__all_errors.log"
    whole = read_records(path, "app", source_tz="UTC")
    for size in (64, 100, 1000):
        stats = ParseStats()
        tiny = read_records(path, "app", chunk_size=size, stats=stats, source_tz="UTC")
        assert_frame_equal(whole, tiny)
        assert stats.total.lines == stats.total.parsed == 165
    ml = DATA / "notable-flask__logs__ml.log"
    assert_frame_equal(read_records(ml, "app"), read_records(ml, "app", chunk_size=4096))


def test_continuation_lines_before_the_first_record_are_kept():
    text = (
        '  File "x.py", line 1, in f\n'
        "KeyError: 'a'\n"
        "\n"
        "2026-11-18 14:05:00,123 INFO app: next\n"
        "2026-11-18 14:05:01,123 INFO app: last\n"
    )
    for size in (None, 16, 40):
        df = parse_text(text, "app", "mks", chunk_size=size)
        assert len(df) == 3
        orphan = df.row(0, named=True)
        assert orphan["orphan"] is True and orphan["level"] is None and orphan["ts"] is None
        assert orphan["message"] == '  File "x.py", line 1, in f'
        assert orphan["detail"] == "KeyError: 'a'\n"
        assert (orphan["line_no"], orphan["n_lines"]) == (1, 3)
        assert df["orphan"].to_list() == [True, False, False]
    only = parse_text("no record starts here\nnor here\n", "gunicorn-error")
    assert (len(only), only["n_lines"][0], only["orphan"][0]) == (1, 2, True)


def test_an_endless_record_is_cut_but_nothing_is_lost():
    text = "2026-11-18 14:05:00,123 ERROR app: huge\n" + "".join(f"  line {i}\n" for i in range(50))
    df = parse_text(text, "app", "mks", chunk_size=64, max_record_lines=10)
    assert len(df) > 1 and df["n_lines"].sum() == 51
    assert df["orphan"].to_list() == [False] + [True] * (len(df) - 1)
    assert_covers_every_line(df, 51)


def test_ansi_codes_and_invalid_utf8():
    data = (b"\x1b[32mINFO\x1b[0m:app:coloured level\r\n"
            b"INFO:werkzeug:127.0.0.1 \"\x1b[37mGET / HTTP/1.1\x1b[0m\" 200 -\r\n"
            b"ERROR:app:bad byte \xff here\r\n")
    stats = ParseStats()
    df = parse_text(data, "app", "logging", stats=stats)
    assert df["level"].to_list() == ["INFO", "INFO", "ERROR"]
    # colour codes around the leading fields are skipped; in the message they stay as written
    assert df["message"].to_list() == ["coloured level", '127.0.0.1 "\x1b[37mGET / HTTP/1.1\x1b[0m" 200 -',
                                       "bad byte \\xFF here"]
    assert stats.total.invalid_utf8 == 1


HEALTH = """\
2026-11-18 14:05:00 - OK: Service is running (200, 12 ms)
2026-11-18 14:10:00 - ERROR: Service is down (connection refused (errno 111))
2026-11-18 14:15:00 - ERROR: Service is down
2026-11-18 14:20:00 - OK: Service is running
Service is running

2026-11-18 14:25:00 - OK Service is running
"""


def test_health_log(tmp_path):
    path = tmp_path / "health_check.log"
    path.write_text(HEALTH)
    stats = ParseStats()
    df = mkslog.read(path, kind="health", stats=stats, source_tz="Asia/Tokyo")
    assert df["ok"].to_list() == [True, False, False, True]
    assert df["status"].to_list() == ["OK", "ERROR", "ERROR", "OK"]
    assert set(df["message"]) == {"Service is running", "Service is down"}
    assert df["reason"].to_list() == ["200, 12 ms", "connection refused (errno 111)", None, None]
    assert (df["status_code"][0], df["elapsed_ms"][0]) == (200, 12.0)
    assert df["ts"][0] == datetime(2026, 11, 18, 5, 5, tzinfo=UTC)
    assert df["line_no"].to_list() == [1, 2, 3, 4]
    assert (stats.total.lines, stats.total.parsed, stats.total.rejected) == (7, 4, 3)
    rejects = mkslog.rejects(path, kind="health")
    assert rejects["line_no"].to_list() == [5, 6, 7]
    assert rejects["reason"][0].startswith("not a health line: expected YYYY-mm-dd HH:MM:SS - OK")
    assert rejects["reason"][1] == "empty line"
    assert rejects["line"][2] == "2026-11-18 14:25:00 - OK Service is running"


def test_metrics_log(tmp_path):
    path = tmp_path / "metrics.log"
    path.write_text(
        "2026-11-18 14:05:00,CPU:12.5,Memory:40.1,Disk:63\n"
        "2026-11-18 14:10:00,CPU:93,Memory:88.25,Disk:64\n"
        "2026-11-18 14:15:00,CPU:abc,Memory:1,Disk:2\n"
        "2026-02-30 10:00:00,CPU:1,Memory:2,Disk:3\n"
    )
    stats = ParseStats()
    df = mkslog.read(path, kind="metrics", stats=stats, source_tz="Asia/Tokyo")
    assert df.schema == kind_schema("metrics")
    assert df.select("cpu", "memory", "disk").rows() == [(12.5, 40.1, 63.0), (93.0, 88.25, 64.0)]
    assert df["ts"].to_list() == [datetime(2026, 11, 18, 5, 5, tzinfo=UTC), datetime(2026, 11, 18, 5, 10, tzinfo=UTC)]
    reasons = stats.rejects()["reason"].to_list()
    assert reasons[0].startswith("malformed metrics line") and reasons[1].startswith("invalid timestamp")
    assert stats.total.parsed + stats.total.rejected == stats.total.lines == 4


BACKUP_LINES = [
    # (message, level, backup_kind, event, path, size_bytes)
    ("Starting daily backup", "INFO", "daily", "start", None, None),
    ("Data backup completed: /var/backups/mks/daily/20261116/data_20261116_020001.tar.gz (12345678 bytes)",
     "INFO", "daily", "data", "/var/backups/mks/daily/20261116/data_20261116_020001.tar.gz", 12345678),
    ("Config backup completed: /var/backups/mks/daily/20261116/.env.production (1234 bytes)",
     "INFO", "daily", "config", "/var/backups/mks/daily/20261116/.env.production", 1234),
    ("Database backup completed: /p/database_20261116_020001.sql.gz (345678 bytes)",
     "INFO", None, "database", "/p/database_20261116_020001.sql.gz", 345678),
    ("Daily backup completed successfully", "INFO", "daily", "completed", None, None),
    ("ERROR: Daily backup failed: not enough free space", "ERROR", "daily", "failed", None, None),
    ("ERROR: Database backup failed: pg_dump: error: connection refused", "ERROR", None, "failed", None, None),
    ("Verification OK: /var/backups/mks/weekly/20261116", "INFO", "weekly", "verified",
     "/var/backups/mks/weekly/20261116", None),
    ("ERROR: Verification failed: /var/backups/mks/monthly/20261101: checksum mismatch", "ERROR", "monthly",
     "verify_failed", "/var/backups/mks/monthly/20261101", None),
    ("Removed expired backup: /var/backups/mks/daily/20261016", "INFO", "daily", "removed",
     "/var/backups/mks/daily/20261016", None),
    ("Restored /var/backups/mks/manual/20261116 to /var/lib/mks/data", "INFO", "manual", "restored",
     "/var/backups/mks/manual/20261116", None),
    ("Data backup completed: /x/data.tar.gz (12M)", "INFO", None, "data", "/x/data.tar.gz", 12 * 1024**2),
    ("Data backup completed: /x/data.tar.gz (3.4G)", "INFO", None, "data", "/x/data.tar.gz", round(3.4 * 1024**3)),
    ("Something the parser does not know", "INFO", None, "other", None, None),
]


def test_backup_log(tmp_path):
    path = tmp_path / "backup.log"
    lines = [f"2026-11-16 02:00:{i:02d} - {m}" for i, (m, *_) in enumerate(BACKUP_LINES)]
    path.write_text("\n".join([*lines, "not a backup line"]) + "\n")
    stats = ParseStats()
    df = mkslog.read(path, kind="backup", stats=stats, source_tz="UTC")
    got = df.select("message", "level", "backup_kind", "event", "path", "size_bytes").rows()
    assert got == BACKUP_LINES
    assert df["reason"][5] == "not enough free space" and df["reason"][8] == "checksum mismatch"
    assert df["target"][10] == "/var/lib/mks/data"
    assert (stats.total.rejected, stats.rejects()["line_no"].to_list()) == (1, [len(BACKUP_LINES) + 1])


def test_source_timezone_from_argument_and_config(tmp_path):
    path = tmp_path / "app.log"
    path.write_text("2026-11-18 14:05:00,123 INFO app: hi\n")
    tokyo = mkslog.read(path, kind="app", format="mks", source_tz="Asia/Tokyo")
    assert tokyo["ts"][0] == datetime(2026, 11, 18, 5, 5, 0, 123000, tzinfo=UTC)
    config = tmp_path / "mkslog.toml"
    config.write_text('source_timezone = "UTC"\n')
    utc = mkslog.read(path, kind="app", format="mks", config=config)
    assert utc["ts"][0] == datetime(2026, 11, 18, 14, 5, 0, 123000, tzinfo=UTC)
    shown = mkslog.read(path, kind="app", format="mks", source_tz="Asia/Tokyo", tz="Asia/Tokyo")
    assert str(shown.schema["ts"].time_zone) == "Asia/Tokyo" and shown["ts"][0].hour == 14
    with pytest.raises(mkslog.MkslogError, match="unknown timezone"):
        mkslog.scan(path, kind="app", source_tz="Mars/Olympus")


def test_scan_honours_projection_predicate_and_limits():
    path = DATA / "notable-flask__logs__ml.log"
    full = read_records(path, "app")
    lf = mkslog.scan(path, kind="app")
    assert lf.collect_schema()["n_lines"] == pl.Int64
    errors = lf.filter(pl.col("level") == "ERROR").select("line_no", "exc_type").collect(engine="streaming")
    assert_frame_equal(errors, full.filter(pl.col("level") == "ERROR").select("line_no", "exc_type"))
    assert lf.head(5).collect()["line_no"].to_list() == full["line_no"].head(5).to_list()
    stats = ParseStats()
    mkslog.scan(path, kind="app", stats=stats).select("line_no").collect()
    assert stats.total.lines == 5436


def test_kind_none_detects_and_errors_are_explained(tmp_path):
    df = mkslog.read(DATA / "beats__nginx__error__test__error.log", kind=None)
    assert "cid" in df.columns and len(df) == 4
    access = mkslog.read(DATA / "beats__nginx__access__test__access.log", kind=None)
    assert "remote_addr" in access.columns
    with pytest.raises(FormatError, match="unknown log kind"):
        mkslog.scan(DATA / "beats__nginx__error__test__error.log", kind="syslog")
    with pytest.raises(FormatError, match="fixed layout"):
        mkslog.scan(DATA / "beats__nginx__error__test__error.log", "combined", kind="nginx-error")
    with pytest.raises(FormatError, match="different kinds"):
        mkslog.scan([DATA / "beats__nginx__error__test__error.log",
                     DATA / "Orange-Button-ProductRegistry__logs__gunicorn-error.log"], kind=None)
    with pytest.raises(LogFileError, match="configured app log paths"):
        mkslog.scan(None, kind="app", config=_config(tmp_path, "[logs.app]\npaths = ['nowhere/app.log']\n"))


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mkslog.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(("name", "kind"), [
    ("beats__nginx__error__test__error.log", "nginx-error"),
    ("isucon9-qualify__log__nginx__error.log", "nginx-error"),
    ("Orange-Button-ProductRegistry__logs__gunicorn-error.log", "gunicorn-error"),
    ("notable-flask__logs__all_errors.log", "app"),
    ("notable-flask__logs__ml.log", "app"),
    ("beats__nginx__access__test__access.log", "access"),
    ("lnav__logfile_shop_access_log.0", "access"),
    ("gonx__example__access.log", "access"),  # a custom access format: still told apart as access
])
def test_detect_kind(name, kind):
    assert detect_kind(DATA / name) == kind


def test_detect_kind_of_the_fixed_logs(tmp_path):
    for kind, line in [("health", "2026-11-18 14:05:00 - OK: Service is running"),
                       ("metrics", "2026-11-18 14:05:00,CPU:12.5,Memory:40.1,Disk:63"),
                       ("backup", "2026-11-18 14:05:00 - Starting daily backup"),
                       ("app", "2026-11-18 14:05:00,123 INFO app_v2: started")]:
        path = tmp_path / f"{kind}.log"
        path.write_text(line + "\n")
        assert detect_kind(path) == kind


def test_detect_kind_refuses_an_unknown_layout(tmp_path):
    # a syslog-style layout (no year, no level word): neither a known kind nor an inferable app format
    path = tmp_path / "messages"
    path.write_text("Nov 18 14:05:00 web1 cron[4211]: (root) CMD (run-parts /etc/cron.hourly)\n")
    with pytest.raises(FormatError, match="cannot tell what kind of log"):
        detect_kind(path)


def test_empty_file_and_missing_final_newline(tmp_path):
    empty = tmp_path / "empty.log"
    empty.write_bytes(b"")
    for kind in KINDS:
        stats = ParseStats()
        df = mkslog.read(empty, kind=kind, stats=stats)
        assert df.is_empty() and df.schema == scan_records(empty, kind).collect_schema()
        assert stats.total.lines == 0
    with pytest.raises(FormatError, match="no lines"):
        detect_kind(empty)
    last = tmp_path / "last.log"
    last.write_bytes(b"2026-11-18 14:05:00,123 INFO app: one\n2026-11-18 14:05:01,123 INFO app: two")
    assert mkslog.read(last, kind="app")["message"].to_list() == ["one", "two"]


def test_gzip_rotated_file(tmp_path):
    raw = (DATA / "notable-flask__logs__all_errors.log").read_bytes()
    (tmp_path / "app.log.1.gz").write_bytes(gzip.compress(raw))
    (tmp_path / "app.log").write_bytes(raw)
    df = read_records(str(tmp_path / "app.log*"), "app", "dashed")
    assert len(df) == 34 and df["file"].unique(maintain_order=True).to_list() == [
        str(tmp_path / "app.log.1.gz"), str(tmp_path / "app.log")]


def test_schemas_of_the_kinds():
    assert list(kind_schema("health")) == ["ts", "ok", "status", "message", "reason", "status_code", "elapsed_ms",
                                           "source", "file", "line_no"]
    for kind in ("nginx-error", "gunicorn-error", "app"):
        schema = kind_schema(kind)
        assert schema["ts"] == pl.Datetime("us", "UTC")
        assert list(schema)[-9:] == ["detail", "exc_type", "exc_message", "orphan", "partial", "n_lines", "source",
                                     "file", "line_no"]


@pytest.mark.skipif(not (ROOT / "sample_logs" / "app").is_dir(), reason="sample logs not generated")
@pytest.mark.parametrize("kind", KINDS)
def test_sample_logs_parse_without_rejects(kind):
    config = mkslog.load_config(ROOT / "mkslog.example.toml")
    if not config.log_paths(kind.replace("-", "_")):
        pytest.skip(f"no {kind} paths in the example config")
    stats = ParseStats()
    df = scan_records(None, kind, config=config, stats=stats).collect(engine="streaming")
    assert len(df) > 0
    assert {detect_kind(f) for f in df["file"].unique()} == {kind}
    assert stats.total.rejected == 0 and stats.total.lines == stats.total.parsed
    assert df["ts"].null_count() == 0
    if "orphan" in df.columns:
        assert not df["orphan"].any()
        assert df["n_lines"].sum() == stats.total.lines


def test_chunks_numbered_by_the_parser_keep_every_line_and_byte_count(tmp_path):
    # a file read in chunks whose lines the parser counts (LineBase), the last record of each
    # carried into the next as a copied head: invalid UTF-8 inside carried tracebacks, a record
    # longer than a chunk, a file without a final newline; every count as for one chunk
    from mkslog.parse.pipeline import Plan, RecordParser, parse_batches
    from mkslog.parse.records import record_format
    from mkslog.sources import Source

    parts = []
    for i in range(40):
        parts.append(f"2026-11-18 14:05:{i:02d},000 ERROR app: boom {i}\n".encode())
        parts.append(b"Traceback (most recent call last):\n  File \"a.py\", line 1, in f\n")
        parts.append(b"ValueError: bad \xff byte\n" if i % 7 == 0 else b"KeyError: 'k'\n")
        if i == 20:
            parts.extend(f"  deep frame {j}\n".encode() for j in range(60))
    data = b"".join(parts) + b"2026-11-18 14:06:00,000 INFO app: no newline at the end"
    path = tmp_path / "app.log"
    path.write_bytes(data)
    lines = data.count(b"\n") + 1

    def read(size, max_lines=100_000):
        stats = ParseStats()
        plan = Plan(Source(str(path)), RecordParser(record_format("app", "mks"), "UTC"))
        frames = list(parse_batches([plan], stats, chunk_size=size, max_record_lines=max_lines))
        return pl.concat(frames), stats

    whole, whole_stats = read(None)
    assert whole_stats.total.lines == lines and whole_stats.total.invalid_utf8 == 6
    assert whole["n_lines"].sum() == lines and len(whole) == 41
    for size in (50, 333, 4096):
        df, stats = read(size)
        assert_frame_equal(df, whole)
        assert (stats.total.lines, stats.total.parsed, stats.total.invalid_utf8) == (lines, lines, 6), size
    cut, stats = read(200, max_lines=30)  # the 63-line record is cut, its rest continues as orphans
    assert cut["n_lines"].sum() == lines and stats.total.lines == lines and cut["orphan"].sum() >= 1
    assert cut["line_no"].is_sorted() and cut["line_no"][0] == 1
