"""Standard input, named pipes and ``<(cmd)``: bytes that can be read once. Format and kind detection
look at the first lines, and the parse must still get every line; gzip is recognised by its magic
bytes there too. Real processes feed the pipes: the CLI runs as a subprocess."""

import gzip
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import mkslog
from mkslog.parse.stats import ParseStats
from mkslog.queries import error_counts, top_ips

ROOT = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data" / "corpus"
SHOP = DATA / "lnav__logfile_shop_access_log.0"  # 1000 combined lines, +0330
APP = DATA / "notable-flask__logs__all_errors.log"  # a Flask app log with tracebacks


def mkslog_cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "mkslog", *args], input=stdin, capture_output=True, env=env,
                          cwd=ROOT, timeout=120)


def expected_top(n: int) -> list[dict]:
    return top_ips(mkslog.scan(str(SHOP)), n).to_dicts()


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_top_ips_on_stdin_reads_every_line(compress):
    data = SHOP.read_bytes()
    result = mkslog_cli("top-ips", "--top", "3", "--as", "json", "-",
                        stdin=gzip.compress(data) if compress else data)
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    got = json.loads(result.stdout)
    assert got == expected_top(3)
    assert got[0]["share"] == got[0]["requests"] / 1000  # all 1000 lines counted


def test_errors_and_parse_on_gzip_stdin():
    data = gzip.compress(APP.read_bytes())
    errors = mkslog_cli("errors", "--by", "day", "--as", "json", "-", stdin=data)
    assert errors.returncode == 0, errors.stderr
    expected = error_counts(mkslog.scan(str(APP), kind="app"), "1d", fill=False)
    assert sum(r["count"] for r in json.loads(errors.stdout)) == expected["count"].sum() > 0
    parsed = mkslog_cli("parse", "--kind", "app", "--stats", "--as", "json", "-", stdin=data)
    assert parsed.returncode == 0, parsed.stderr
    row = json.loads(parsed.stdout)[0]
    assert (row["file"], row["lines"], row["parsed"], row["bytes"]) == ("<stdin>", 165, 165, APP.stat().st_size)


def test_truncated_gzip_on_stdin_keeps_its_lines_and_says_so():
    data = gzip.compress(SHOP.read_bytes())[:20000]
    result = mkslog_cli("parse", "--stats", "--as", "json", "-", stdin=data)
    assert result.returncode == 0
    row = json.loads(result.stdout)[0]
    assert 0 < row["lines"] < 1000 and row["lines"] == row["parsed"] + row["rejected"]
    assert "truncated" in row["error"] and b"Warning: <stdin>: the .gz file is truncated" in result.stderr


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_named_pipe_is_detected_and_parsed_from_one_read(tmp_path, compress):
    fifo = tmp_path / "access.fifo"
    os.mkfifo(fifo)
    data = SHOP.read_bytes()
    payload = gzip.compress(data) if compress else data

    def feed():
        with open(fifo, "wb") as fh:  # blocks until the reader opens the pipe
            fh.write(payload)

    writer = threading.Thread(target=feed)
    writer.start()
    stats = ParseStats()
    df = mkslog.read(str(fifo), stats=stats)  # detection samples the pipe, then the parse reads it
    writer.join(timeout=30)
    assert (stats.total.lines, stats.total.parsed, len(df)) == (1000, 1000, 1000)
    assert df["line_no"].to_list() == list(range(1, 1001))


def test_process_substitution_gets_every_line():
    shell = f"PYTHONPATH='{ROOT}' '{sys.executable}' -m mkslog parse --stats --as json <(cat '{SHOP}')"
    result = subprocess.run(["bash", "-c", shell], capture_output=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    row = json.loads(result.stdout)[0]
    assert (row["lines"], row["parsed"], row["rejected"]) == (1000, 1000, 0)


MIRAI = ROOT / "sample_logs" / "nginx" / "mirai-knowledge-system-access.log"  # 2,754 timed lines, 680 KB
TRICKLE = """import sys, time
data = open(sys.argv[2], "rb").read()
with open(sys.argv[1], "wb") as fh:  # blocks until the reader opens the FIFO
    for i in range(0, len(data), 4096):
        fh.write(data[i:i + 4096]); fh.flush(); time.sleep(0.001)
"""


def test_process_substitution_of_a_log_larger_than_the_detection_sample_gets_every_line():
    # issue 20 item 2: `parse --stats <(cat access.log)` without --format read 1,682 of 2,754 lines
    shell = f"PYTHONPATH='{ROOT}' '{sys.executable}' -m mkslog parse --stats --output json <(cat '{MIRAI}')"
    result = subprocess.run(["bash", "-c", shell], capture_output=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    row = json.loads(result.stdout)[0]
    assert (row["format"], row["lines"], row["parsed"], row["bytes"]) == ("timed", 2754, 2754, MIRAI.stat().st_size)


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("command", [["parse", "--stats"], ["summary"], ["top-ips", "--top", "5"]])
def test_a_fifo_fed_slowly_by_a_writer_process_answers_as_the_file_does(tmp_path, compress, command):
    fifo = tmp_path / "access.fifo"
    os.mkfifo(fifo)
    source = tmp_path / "access.log.gz" if compress else MIRAI
    if compress:
        source.write_bytes(gzip.compress(MIRAI.read_bytes()))
    writer = subprocess.Popen([sys.executable, "-c", TRICKLE, str(fifo), str(source)])
    try:
        piped = mkslog_cli(*command, "--output", "json", str(fifo))
    finally:
        writer.wait(timeout=30)
    assert piped.returncode == 0 and writer.returncode == 0, piped.stderr
    from_file = mkslog_cli(*command, "--output", "json", str(MIRAI))
    assert piped.stdout.replace(str(fifo).encode(), b"F") == from_file.stdout.replace(str(MIRAI).encode(), b"F")
    assert piped.stderr == from_file.stderr == b""


def test_ingest_of_a_fifo_is_refused_at_once_with_a_message(tmp_path):
    fifo = tmp_path / "access.fifo"
    os.mkfifo(fifo)  # no writer: opening it would block forever
    result = mkslog_cli("ingest", "--store", str(tmp_path / "store"), str(fifo))
    assert result.returncode == 1
    assert result.stderr.decode() == (f"Error: ingest reads files: {fifo} is a pipe, which cannot be resumed where "
                                      "it stopped; save it to a file first, or read it once with mkslog parse --to FILE\n")
