"""sqlite-utils' output habits (issue 14 item 5), through the real CLI on the bundled sample week
and on ``tests/data/nginx-access-wide-values.log`` (combined lines modelled on the system's nginx
log: an IPv6 client, an attachment download with a UUID path, long browser agents, and one hostile
line whose referrer and agent carry ESC/OSC 8 sequences, BEL, a raw tab, an 8-bit CSI and U+2028).

``--nl`` and ``--tsv`` read back (json.loads per line; csv with a tab and no quoting, then
:func:`mkslog.present.rows.tsv_unescape`) give the ``--as json`` answer; ``--no-headers`` leaves out
only the header; ``parse -o -`` through a real pipe equals the file ``-o FILE`` writes; a table at
``--max-width 80`` keeps every address and path whole and cuts the agent; a real terminal (a pty)
gets no escape sequence from a log and refuses Parquet.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from pty_support import read_terminal

from mkslog.cli.main import main
from mkslog.present.rows import tsv_unescape
from mkslog.present.tables import render

ROOT = Path(__file__).resolve().parents[1]
CONFIG = str(ROOT / "mkslog.example.toml")
WIDE = str(ROOT / "tests" / "data" / "nginx-access-wide-values.log")
ACCESS = str(ROOT / "sample_logs" / "nginx" / "mirai-knowledge-system-access.log")
UA_EDGE = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
           "Safari/537.36 Edg/131.0.0.0")
LONG_PATH = "/api/v1/knowledge/1236/attachments/9f1c2b3a-5d4e-4c3b-8a2f-0e1d2c3b4a59/download"
IPV6 = "2001:db8:4f21:9a00:1c2e:77ff:fe10:3b5d"
#: Bytes that would drive a terminal: ESC, BEL, the 8-bit CSI (as UTF-8), a line separator.
RAW_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def cli(*args: str) -> str:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def tsv_rows(text: str) -> list[dict]:
    rows = list(csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE))
    head = rows[0]
    assert all(len(r) == len(head) for r in rows), "a TSV row is one line with every field"
    return [dict(zip(head, (tsv_unescape(c) for c in r), strict=True)) for r in rows[1:]]


def as_tsv_value(value) -> str:
    """What a JSON value reads back as from TSV: null empty, lists joined, bools lower case."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ", ".join(as_tsv_value(v) for v in value)
    return str(value)


def same_cell(got: str, expected) -> bool:
    if isinstance(expected, float):  # TSV writes the number, JSON the same number
        return float(got) == expected
    return got == as_tsv_value(expected)


# the commands whose --nl/--tsv answer is checked against --as json: tables, a summary (one record),
# free text with newlines (app tracebacks), lists (suspects' scanner paths), SQL, hostile values
COMMANDS = [
    ("top-ips", "-n", "5", "--config", CONFIG),
    ("endpoints", "--config", CONFIG),
    ("errors", "--config", CONFIG),
    ("slow", "-n", "5", "--config", CONFIG),
    ("suspects", "--config", CONFIG),
    ("summary", "--config", CONFIG),
    ("sql", "SELECT remote_addr, path, status, user_agent FROM access WHERE status >= 500 LIMIT 20",
     "--config", CONFIG),
    ("show", "--kind", "app", "--level", "ERROR", "--config", CONFIG),
    ("show", WIDE),
]


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(a[:1] + a[1:3]) for a in COMMANDS])
def test_nl_and_tsv_read_back_as_the_json_answer(args):
    as_json = json.loads(cli(*args, "--as", "json"))
    rows = [as_json] if isinstance(as_json, dict) else as_json
    assert rows, "the check needs rows"
    nl = cli(*args, "--nl")
    assert nl == cli(*args, "--as", "ndjson") == cli(*args, "--as", "nl")
    assert [json.loads(line) for line in nl.splitlines()] == rows
    tsv = cli(*args, "--tsv")
    assert tsv == cli(*args, "--as", "tsv")
    assert not RAW_CONTROLS.search(tsv) and not RAW_CONTROLS.search(nl)
    back = tsv_rows(tsv)
    assert len(back) == len(rows)
    for got, expected in zip(back, rows, strict=True):
        assert list(got) == list(expected)
        bad = {k: (got[k], v) for k, v in expected.items() if not same_cell(got[k], v)}
        assert not bad


def test_hostile_values_come_back_exact_and_inert():
    """The hostile line's agent: raw in the log, escaped on the way out, the same text read back."""
    agent = "\x1b[31mred\x1b[0m\tTAB \u009b2J \u2028sep \\x41 back\\slash"
    referer = "-\x1b]8;;http://evil.example/\x07click\x1b]8;;\x07"
    tsv = cli("show", WIDE, "--tsv")
    hostile = tsv_rows(tsv)[2]
    assert hostile["user_agent"] == agent and hostile["referer"] == referer and hostile["path"] == "/=cmd|calc"
    assert "\t'-\\x1b]8;;http://evil.example/\\x07click" in tsv  # guarded like CSV, escaped
    assert [json.loads(line)["user_agent"] for line in cli("show", WIDE, "--nl").splitlines()][2] == agent
    for fmt in ("table", "csv", "markdown", "json"):
        out = cli("show", WIDE, "--as", fmt)
        assert "\x1b" not in out and "\x07" not in out and "\u009b" not in out, fmt


@pytest.mark.parametrize("fmt", ["table", "csv", "tsv"])
def test_no_headers_leaves_out_only_the_header(fmt):
    args = ("top-ips", "-n", "4", "--config", CONFIG, "--as", fmt)
    full = cli(*args).splitlines()
    bare = cli(*args, "--no-headers").splitlines()
    skip = 2 if fmt == "table" else 1  # a piped table: its title line, then the header row
    assert full[skip - 1].startswith("remote_addr")
    # a table aligns to its values alone then (narrower columns): the same cells, row by row
    assert [line.split() for line in bare] == [line.split() for line in full[skip:]]
    assert len(bare) == 4 and bare[0].split()[0].split(",")[0] == "10.1.0.6"


def test_an_output_file_extension_sets_nl_and_tsv(tmp_path):
    for name, flag in (("top.jsonl", "--nl"), ("top.ndjson", "--nl"), ("top.tsv", "--tsv")):
        cli("top-ips", "--config", CONFIG, "-o", tmp_path / name)
        assert (tmp_path / name).read_text() == cli("top-ips", "--config", CONFIG, flag)
    assert cli("top-ips", "--config", CONFIG, "--nl", "-o", "-") == cli("top-ips", "--config", CONFIG, "--nl")


# --- parse -o -: the records to stdout, through a real pipe ------------------------------------


def mkslog_process(*args: str, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "mkslog", *args], capture_output=True, env=env, timeout=300,
                          check=False, **kwargs)


READERS = {
    "nl": (".jsonl", pl.read_ndjson, pl.read_ndjson),
    "csv": (".csv", pl.read_csv, pl.read_csv),
    "tsv": (".tsv", lambda f: pl.read_csv(f, separator="\t", quote_char=None),
            lambda f: pl.read_csv(f, separator="\t", quote_char=None)),
    "parquet": (".parquet", pl.read_parquet, pl.read_parquet),
    "arrow": (".arrow", pl.read_ipc_stream, pl.read_ipc),  # a pipe carries the stream format
}


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_parse_to_stdout_equals_the_file(tmp_path, fmt):
    suffix, read_pipe, read_file = READERS[fmt]
    out = tmp_path / f"records{suffix}"
    written = mkslog_process("parse", ACCESS, WIDE, "-o", str(out))
    assert written.returncode == 0, written.stderr
    piped = mkslog_process("parse", ACCESS, WIDE, "-o", "-", "--as", fmt)
    assert piped.returncode == 0, piped.stderr
    assert b"wrote the records to stdout" in piped.stderr
    from_pipe, from_file = read_pipe(io.BytesIO(piped.stdout)), read_file(out)
    assert from_pipe.height == 2754 + 3
    assert from_pipe.equals(from_file)
    if fmt in ("nl", "csv", "tsv"):  # text formats: the very bytes
        assert piped.stdout == out.read_bytes()


def test_parse_to_stdout_defaults_to_parquet_and_the_old_to_spelling():
    piped = mkslog_process("parse", WIDE, "--to", "-")
    assert piped.returncode == 0, piped.stderr
    assert pl.read_parquet(io.BytesIO(piped.stdout))["remote_addr"].to_list()[0] == IPV6


def test_parse_to_a_reader_that_stops_early_is_not_an_error():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    sample = str(ROOT / "sample_logs" / "nginx" / "mirai-knowledge-system-access.log*")
    proc = subprocess.Popen([sys.executable, "-m", "mkslog", "parse", sample, "-o", "-", "--as", "csv"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    head = proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    stderr = proc.stderr.read()
    assert proc.wait(timeout=300) == 0, stderr
    assert head.startswith(b"ts,") and b"Error" not in stderr and b"Traceback" not in stderr


def in_a_terminal(*args: str, columns: int = 80) -> tuple[int, bytes, bytes]:
    """Run mkslog with stdout on a real pseudo-terminal of ``columns`` columns."""
    leader, follower = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": str(columns), "LINES": "40", "TERM": "xterm"}
    proc = subprocess.Popen([sys.executable, "-m", "mkslog", *args], stdout=follower, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env=env)
    os.close(follower)
    out = read_terminal(leader)
    stderr = proc.stderr.read()
    return proc.wait(timeout=60), out, stderr


@pytest.mark.parametrize("fmt", ["parquet", "arrow"])
def test_binary_records_to_a_terminal_are_refused(fmt):
    code, out, stderr = in_a_terminal("parse", WIDE, "-o", "-", "--as", fmt)
    assert code == 1 and not out
    assert f"Error: {fmt} is binary and stdout is a terminal: redirect it".encode() in stderr
    assert b"--as csv|nl|tsv" in stderr


def test_text_records_to_a_terminal_are_inert():
    code, out, _ = in_a_terminal("parse", WIDE, "-o", "-", "--as", "csv")
    assert code == 0
    text = out.decode()
    assert "\x1b" not in text and "\x07" not in text and "\u009b" not in text
    assert "\\x1b[31mred\\x1b[0m" in text and IPV6 in text


# --- widths: the values one copies are never cut -----------------------------------------------


def visible(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def test_a_table_at_80_columns_keeps_paths_and_addresses_and_cuts_the_agent():
    df = pl.read_parquet(io.BytesIO(mkslog_process("parse", WIDE, "-o", "-").stdout))
    table = df.select("remote_addr", "path", "user_agent").head(2)
    for terminal in (True, False):
        out = visible(render(table, "table", terminal=terminal, max_width=80))
        lines = out.splitlines()
        assert IPV6 in out and LONG_PATH in out, terminal
        assert UA_EDGE not in out and "Mozilla/5.0…" in out  # the agent at its narrowest (12 cells)
        # the kept columns (125 cells) do not fit in 80: the table is wider, the agent at its narrowest
        assert max(len(line) for line in lines) > 80
    # when they fit, the table fits: the agent shrinks to the room left
    small = df.select("remote_addr", "status", "user_agent").head(2)
    for terminal in (True, False):
        lines = visible(render(small, "table", terminal=terminal, max_width=80)).splitlines()
        assert max(len(line) for line in lines) <= 80 and IPV6 in "\n".join(lines)
    # no limit: nothing is cut
    assert UA_EDGE in render(table, "table", terminal=True, max_width=0)


def test_max_width_through_the_cli_and_the_terminal_width_by_default():
    out = cli("show", WIDE, "--as", "table", "--max-width", "80")
    assert IPV6 in out and LONG_PATH in out and "inline=1" in out and "2026-11-19T10:15:02+09:00" in out
    assert UA_EDGE not in out and "…" in out
    assert UA_EDGE in cli("show", WIDE, "--as", "table")  # piped: no limit
    code, term, _ = in_a_terminal("show", WIDE, "--as", "table", columns=80)  # a terminal: its width
    text = visible(term.decode())
    assert code == 0 and IPV6 in text and LONG_PATH in text and UA_EDGE not in text
    assert "\x1b]8" not in term.decode() and "\x07" not in term.decode()  # no hyperlink from a log
    code, wide, _ = in_a_terminal("top-ips", "-n", "3", "--config", CONFIG, columns=80)
    assert code == 0 and max(len(line) for line in visible(wide.decode()).splitlines()) <= 80
