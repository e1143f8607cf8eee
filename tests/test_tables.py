"""mkslog.present.tables: log text stays text in every output. On a terminal it is never rich markup
(no hyperlink from a path), in Markdown it is never HTML; the real CLI is run on a real pseudo-terminal.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from mkslog.cli.main import main
from mkslog.present.tables import render, render_record, render_sections

ROOT = Path(__file__).resolve().parent.parent
LINK = "[link=http://evil.example/]x[/link]"
#: A backslash before "[" turned the old escape ("[" -> "\[") back into markup.
ESCAPED_LINK = "\\" + LINK
OSC8 = "\x1b]8;"
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture()
def linky(tmp_path) -> tuple[Path, Path]:
    """An nginx ``timed`` access log and a Flask app log (as in the sample week) whose client
    address, paths, user agent, user name and error message are rich link markup, with the
    backslash that undid the old ``[`` escape."""
    access = tmp_path / "access.log"
    access.write_text(
        f'{ESCAPED_LINK} - - [20/Nov/2026:10:00:00 +0900] "GET /.env{ESCAPED_LINK} HTTP/1.1" 404 5 "-" '
        f'"{ESCAPED_LINK}" 2.000 2.000\n'
        f'203.0.113.9 - - [20/Nov/2026:10:00:01 +0900] "GET /a{ESCAPED_LINK} HTTP/1.1" 404 5 "-" "curl" 0.010 0.010\n'
        '203.0.113.9 - - [20/Nov/2026:10:00:02 +0900] "POST /api/v1/auth/login HTTP/1.1" 401 5 "-" "x" 0.010 0.010\n',
        encoding="utf-8")
    app = tmp_path / "app.log"
    app.write_text(
        f"2026-11-20 10:00:02,000 WARNING app_v2.auth: Invalid username or password: username={ESCAPED_LINK} "
        "ip=203.0.113.9\n"
        f"2026-11-20 10:00:03,000 ERROR app_v2.api: boom {ESCAPED_LINK}\n", encoding="utf-8")
    return access, app


def on_terminal(*args: str) -> str:
    """What ``python -m mkslog ARGS`` writes to a real pseudo-terminal (so it draws rich tables)."""
    main, child = os.openpty()
    env = {**os.environ, "COLUMNS": "300", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "mkslog", *args], stdin=subprocess.DEVNULL, stdout=child,
                            stderr=child, env=env, cwd=ROOT)
    os.close(child)
    chunks = []
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(main)
    assert proc.wait(timeout=120) == 0, b"".join(chunks).decode(errors="replace")
    return b"".join(chunks).decode("utf-8")


@pytest.mark.parametrize("command", [
    ("endpoints", "{access}", "--raw", "--format", "timed"),
    ("top-ips", "{access}", "--format", "timed"),
    ("errors", "{app}", "--top"),
    ("logins", "{access}", "--by", "user", "--app-log", "{app}", "--format", "timed"),
    ("suspects", "{access}", "--app-log", "{app}", "--format", "timed"),
])
def test_log_text_never_becomes_a_terminal_hyperlink(linky, command):
    access, app = linky
    out = on_terminal(*(part.format(access=access, app=app) for part in command))
    assert "\x1b[" in out  # a real terminal table (colours), not the plain text for pipes
    assert OSC8 not in out
    assert ESCAPED_LINK in out  # shown as written


def test_rich_tables_take_titles_headers_and_cells_as_text():
    df = pl.DataFrame({LINK: [LINK, ESCAPED_LINK, "a\x1b]8;;http://x/\x07b"], "n": [1, 2, 3]})
    out = render(df, "table", title=f"Top {LINK}", terminal=True)
    assert OSC8 not in out and "\x07" not in out
    assert f"Top {LINK}" in out and ESCAPED_LINK in out
    assert "a\\x1b]8;;http://x/\\x07b" in out
    assert OSC8 not in render_record(df.head(1), "table", title=LINK, terminal=True)
    assert OSC8 not in render_sections({LINK: df}, "table", title=LINK, terminal=True)


def test_markdown_escapes_html_and_pipes_in_cells_headers_and_title():
    df = pl.DataFrame({f"path{SCRIPT}": [f"/x{SCRIPT}|y", "<img src=x onerror=alert(1)>"], "n": [1, 2]})
    out = render(df, "markdown", title=f"Top {SCRIPT}")
    assert "<" not in out and ">" not in out
    assert out.splitlines()[0] == "### Top &lt;script&gt;alert(1)&lt;/script&gt;"
    assert out.splitlines()[2] == "| path&lt;script&gt;alert(1)&lt;/script&gt; | n |"
    assert out.splitlines()[4] == "| /x&lt;script&gt;alert(1)&lt;/script&gt;\\|y | 1 |"
    assert out.splitlines()[5] == "| &lt;img src=x onerror=alert(1)&gt; | 2 |"
    record = render_record(df.head(1), "markdown")
    assert "<script>" not in record and "&lt;script&gt;" in record


def test_markdown_output_of_the_cli_runs_no_html(tmp_path):
    log = tmp_path / "script.log"
    log.write_text(f'203.0.113.9 - - [20/Nov/2026:10:00:00 +0900] "GET /{SCRIPT} HTTP/1.1" 404 5 "-" "{SCRIPT}" '
                   "0.010 0.010\n", encoding="utf-8")
    out = CliRunner().invoke(main, ["endpoints", str(log), "--raw", "--format", "timed", "--as", "markdown"])
    assert out.exit_code == 0, out.output
    assert "<script>" not in out.output and "| /&lt;script&gt;alert(1)&lt;/script&gt; | 1 |" in out.output


def test_plain_tables_for_pipes_are_one_line_per_row():
    out = render(pl.DataFrame({"path": ["/a\nb\tc\x1b[2J"], "n": [1]}), "table", terminal=False)
    assert out.splitlines() == ["path             n", "/a\\nb\\tc\\x1b[2J  1"]


# --- one precision per column, times as ISO with the offset (issue 17) ---------------------------


def test_a_table_column_has_one_precision():
    df = pl.DataFrame({"endpoint": ["/a", "/b", "/c"], "p99_ms": [1361.09, 267.7, 30006.0], "p50_ms": [48.0, 188.0, 26.0]})
    lines = render(df, "table", terminal=False).splitlines()
    assert lines == [
        "endpoint     p99_ms  p50_ms",
        "/a         1,361.09      48",
        "/b           267.70     188",
        "/c        30,006.00      26",
    ]
    assert render(df, "markdown").splitlines()[2] == "| /a | 1,361.09 | 48 |"


def test_times_are_iso_with_the_offset_and_one_precision_everywhere():
    tz = "Asia/Tokyo"
    df = pl.DataFrame({
        "remote_addr": ["198.51.100.23"],
        # an access log time (seconds) beside an app log time (milliseconds), as in `logins`
        "first_seen": pl.Series([datetime(2026, 11, 19, 3, 0, 9)]).dt.replace_time_zone(tz),
        "last_seen": pl.Series([datetime(2026, 11, 19, 3, 59, 45, 371000)]).dt.replace_time_zone(tz),
    })
    expected = ["2026-11-19T03:00:09.000+09:00", "2026-11-19T03:59:45.371+09:00"]
    assert render(df, "csv").splitlines()[1] == "198.51.100.23," + ",".join(expected)
    doc = json.loads(render(df, "json"))[0]
    assert [doc["first_seen"], doc["last_seen"]] == expected
    assert render(df, "table", terminal=False).splitlines()[1].split()[1:] == expected
    seconds = df.with_columns(pl.col("last_seen").dt.truncate("1s"))
    assert json.loads(render(seconds, "json"))[0]["last_seen"] == "2026-11-19T03:59:45+09:00"
    assert json.loads(render_record(df, "json"))["first_seen"] == expected[0]
