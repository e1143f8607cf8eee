"""Tests of mkslog.health.http_check's deadline (issue 20.16): ``--timeout`` bounds the whole check,
also against a real server on 127.0.0.1 that trickles its headers or its body one byte every 0.5 s
(a slow-loris answer: every single read arrives well within any per-read socket timeout).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from mkslog.cli.main import main
from mkslog.health.http_check import check_url

STALL_S = 20  # the trickling server gives up after this, so that the old code's test ends too


class Trickler:
    """Answers every connection with a valid HTTP response, sent 1 byte per 0.5 s from ``start``."""

    def __init__(self, start: int):
        self.start = start
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        self.listener.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # the fixture closed the listener: the test is over
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        body = b"ok\n" * 400
        answer = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body
        with conn:
            try:
                conn.recv(65536)  # the request
                conn.sendall(answer[: self.start])
                ends = time.monotonic() + STALL_S
                for i in range(self.start, len(answer)):
                    if self.stop.is_set() or time.monotonic() > ends:
                        return
                    conn.sendall(answer[i : i + 1])
                    time.sleep(0.5)
            except OSError:
                return  # the client gave up: what a deadline is for


@pytest.fixture(params=["headers", "body"])
def trickler(request):
    # "headers": the status line arrives, then one header byte every 0.5 s; "body": all headers arrive.
    server = Trickler(start=17 if request.param == "headers" else 61)
    yield server
    server.stop.set()
    server.listener.close()


def test_timeout_bounds_a_trickling_answer(trickler, tmp_path: Path):
    log = tmp_path / "health_check.log"
    cfg = tmp_path / "mkslog.toml"
    cfg.write_text('[health]\nalert_log = "alerts.log"\nstate_file = "alerts.json"\n', encoding="utf-8")
    started = time.monotonic()
    result = CliRunner().invoke(main, ["health", "check", "--url", f"http://127.0.0.1:{trickler.port}/health",
                                       "--timeout", "3", "--log", str(log), "--json", "--config", str(cfg)])
    took = time.monotonic() - started
    assert took < 3 + 2, f"the check ran {took:.1f} s with --timeout 3"
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    assert (doc["status"], doc["reason"]) == ("down", "timeout after 3.0 s")
    assert 2900 <= doc["elapsed_ms"] < 5000
    [line] = log.read_text(encoding="utf-8").splitlines()
    assert line.endswith(" - ERROR: Service is down (timeout after 3.0 s)")


def test_a_whole_answer_within_the_deadline_is_still_up():
    server = Trickler(start=10_000)  # everything at once
    try:
        result = check_url(f"http://127.0.0.1:{server.port}/", 3)
        assert (result.healthy, result.code) == (True, 200)
    finally:
        server.stop.set()
        server.listener.close()
