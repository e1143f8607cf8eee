"""Progress goes to stderr only when stderr is a terminal: a real process whose stderr is a
pseudo-terminal (as in an interactive shell) and whose stdout is a pipe (as in `| less`)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from pty_support import read_terminal

ROOT = Path(__file__).resolve().parents[1]
LINE = '203.0.113.7 - - [19/Nov/2026:03:00:09 +0900] "GET / HTTP/1.1" 200 5 "-" "curl"\n'


def _run(args: list[str], cwd: Path, *, tty: bool) -> tuple[int, str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TERM": "xterm"}
    env.pop("MKSLOG_CONFIG", None)
    if not tty:
        proc = subprocess.run([sys.executable, "-m", "mkslog", *args], cwd=cwd, env=env, capture_output=True,
                              text=True, timeout=120)
        return proc.returncode, proc.stdout, proc.stderr
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "mkslog", *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=follower, text=True)
    os.close(follower)
    stdout = proc.stdout.read()
    return proc.wait(timeout=120), stdout, read_terminal(leader).decode(errors="replace")


def test_ingest_shows_progress_on_a_terminal_only(tmp_path):
    (tmp_path / "access.log").write_text(LINE * 100)
    args = ["ingest", "access.log", "--store", "store", "--kind", "access"]
    code, stdout, stderr = _run(args, tmp_path, tty=True)
    assert code == 0 and "new" in stdout
    assert "ingesting access logs" in stderr  # the spinner, drawn on the terminal
    (tmp_path / "access.log").write_text(LINE * 200)  # grown: the next ingest reads the new lines
    code, stdout, stderr = _run(args, tmp_path, tty=False)
    assert code == 0 and "appended" in stdout
    assert "ingesting" not in stderr  # piped stderr (cron): the summary only, no progress
