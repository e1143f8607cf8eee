"""Tests of mkslog.health.alerts: the state file (locked, atomic, private) and the quiet period for a
flapping service, with mail going to a real SMTP sink (aiosmtpd) on 127.0.0.1. Time is driven through
``notify(now=...)``, not the clock; nothing under test is mocked.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from mkslog.health.alerts import AlertSettings, notify, read_state

T0 = dt.datetime(2026, 11, 16, 0, 0, 0, tzinfo=dt.UTC)


class Collector:
    """An SMTP sink: every message that arrives, parsed."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's naming)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


def settings_for(tmp_path: Path, port: int | None = None, quiet: float = 60) -> AlertSettings:
    mail = {"smtp_host": "127.0.0.1", "smtp_port": port, "to": ["ops@example.com"]} if port else {}
    return AlertSettings(alert_log=str(tmp_path / "alerts.log"), state_file=str(tmp_path / "state" / "alerts.json"),
                         quiet_minutes=quiet, zone="UTC", **mail)


def test_state_is_private_and_waits_for_a_running_check(tmp_path):
    # Another check holds the state lock for a second (cron ran `health check` and `health metrics`
    # in the same minute): notify waits for it instead of failing or writing over its state.
    settings = settings_for(tmp_path)
    lock = tmp_path / "state" / "alerts.json.lock"
    lock.parent.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, sys, time\n"
         f"fd = open({str(lock)!r}, 'a'); fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(1)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        started = time.monotonic()
        outcome = notify(settings, "metrics:cpu", failing=True, subject="cpu 99 % over 80 %", body="", now=T0)
        waited = time.monotonic() - started
    finally:
        holder.wait(timeout=10)
    assert outcome.sent and waited >= 0.7
    state_file = Path(settings.state_file)
    assert list(read_state(state_file)["alerts"]) == ["metrics:cpu"]
    assert stat.S_IMODE(state_file.stat().st_mode) == 0o600
    assert sorted(os.listdir(state_file.parent)) == ["alerts.json", "alerts.json.lock"]  # no temp file left
