"""`mkslog show`: the records of any kind as the log's own lines or as fields, -n N, filters; and
--follow against a real writer process that appends, renames and recreates the file (logrotate's
create) or copies and truncates it (copytruncate), bounded in time; Ctrl-C ends it with exit 0."""

from __future__ import annotations

import gzip
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from mkslog.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
CONFIG = str(ROOT / "mkslog.example.toml")
DEADLINE = 30  # seconds: the whole follow test, whatever the machine's load


def raw(pattern: str) -> list[str]:
    out = []
    def age(p: Path) -> int:  # logrotate's number: .6.gz is the oldest, the live file 0
        tail = p.name.split(".log", 1)[1].strip(".").split(".")[0]
        return int(tail) if tail.isdigit() else 0

    for path in sorted(ROOT.glob(pattern), key=age, reverse=True):
        data = path.read_bytes()
        out += (gzip.decompress(data) if path.suffix == ".gz" else data).decode("utf-8").splitlines()
    return out


def test_show_last_lines_as_the_log_wrote_them():
    result = CliRunner().invoke(main, ["show", "--config", CONFIG, "-n", "3", "--status", "5xx"])
    assert result.exit_code == 0, result.output
    expected = [line for line in raw("sample_logs/nginx/mirai-knowledge-system-access.log*") if '" 500 ' in line
                or '" 502 ' in line or '" 503 ' in line or '" 504 ' in line][-3:]
    assert result.stdout.splitlines() == expected


def test_show_multiline_records_whole_and_as_json():
    result = CliRunner().invoke(main, ["show", "--config", CONFIG, "--kind", "app", "--level", "ERROR", "-n", "1"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert " ERROR " in lines[0] and lines[1] == "Traceback (most recent call last):" and len(lines) > 3
    app = raw("sample_logs/app/app.log*")
    start = app.index(lines[0])
    assert app[start:start + len(lines)] == lines
    as_json = CliRunner().invoke(main, ["show", "--config", CONFIG, "--kind", "app", "--level", "ERROR", "-n", "1",
                                        "--as", "json"])
    record = json.loads(as_json.stdout)[0]
    assert record["level"] == "ERROR" and record["n_lines"] == len(lines)


def reader(stream) -> queue.Queue:
    lines: queue.Queue = queue.Queue()

    def pump():
        for line in iter(stream.readline, ""):
            lines.put(line.rstrip("\n"))

    threading.Thread(target=pump, daemon=True).start()
    return lines


def expect(lines: queue.Queue, wanted: list[str], deadline: float) -> list[str]:
    got: list[str] = []
    while len(got) < len(wanted) and time.monotonic() < deadline:
        try:
            got.append(lines.get(timeout=0.2))
        except queue.Empty:
            pass
    return got


WRITER = r"""
import os, shutil, sys, time
path, mode = sys.argv[1], sys.argv[2]
def write(text):
    with open(path, "a") as f:
        f.write(text)
write("2026-11-20 10:01:00 - ERROR: Service is down\n2026-11-20 10:02:00 - OK: Service is running\n")
time.sleep(0.6)
if mode == "rename":     # logrotate create: the old file moves away, a new one takes the path
    write("2026-11-20 10:03:00 - ERROR: Service is down\n")
    os.rename(path, path + ".1")
    write("2026-11-20 10:04:00 - ERROR: Service is down\n")
else:                    # logrotate copytruncate: copy, then cut the live file to nothing
    time.sleep(0.3)
    shutil.copy(path, path + ".1")
    with open(path, "r+") as f:
        f.truncate(0)
    time.sleep(0.6)
    write("2026-11-20 10:04:00 - ERROR: Service is down\n")
time.sleep(0.6)
write("2026-11-20 10:05:00 - OK: Service is running\n2026-11-20 10:06:00 - ERROR: Service is down\n")
"""


@pytest.mark.parametrize("mode", ["rename", "copytruncate"])
def test_follow_a_real_writer_through_rotation(tmp_path, mode):
    log = tmp_path / "health_check.log"
    log.write_text("2026-11-20 10:00:00 - ERROR: Service is down\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    deadline = time.monotonic() + DEADLINE
    show = subprocess.Popen([sys.executable, "-m", "mkslog", "show", "--kind", "health", str(log), "--follow",
                             "--interval", "0.1", "--where", "status = 'ERROR'", "-n", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    try:
        lines = reader(show.stdout)
        assert expect(lines, ["first"], deadline) == ["2026-11-20 10:00:00 - ERROR: Service is down"]
        time.sleep(0.5)  # the follower is watching the file's end
        writer = subprocess.run([sys.executable, "-c", WRITER, str(log), mode], timeout=DEADLINE)
        assert writer.returncode == 0
        wanted = ["2026-11-20 10:01:00 - ERROR: Service is down"]
        if mode == "rename":
            wanted.append("2026-11-20 10:03:00 - ERROR: Service is down")
        wanted += ["2026-11-20 10:04:00 - ERROR: Service is down", "2026-11-20 10:06:00 - ERROR: Service is down"]
        assert expect(lines, wanted, deadline) == wanted
    finally:
        show.send_signal(signal.SIGINT)
        try:
            rc = show.wait(timeout=10)
        except subprocess.TimeoutExpired:
            show.kill()
            raise
    assert rc == 0, show.stderr.read()
    assert "Traceback" not in show.stderr.read()
