"""Tests of mkslog.health.alerts: the state file (locked, atomic, private) and the quiet period for a
flapping service, with mail going to a real SMTP sink (aiosmtpd) on 127.0.0.1. Time is driven through
``notify(now=...)``, not the clock; nothing under test is mocked.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from smtp_support import smtp_sink  # noqa: F401 (registers the fixture `smtp` here)

from mkslog.health.alerts import AlertSettings, notify, read_state

T0 = dt.datetime(2026, 11, 16, 0, 0, 0, tzinfo=dt.UTC)





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


@pytest.mark.parametrize("final", ["up", "down"])
def test_a_flapping_service_sends_a_digest_not_a_mail_per_change(smtp, tmp_path, final):
    """Issue 20.17: 10 down/up cycles within quiet_minutes = 60 sent 20 mails."""
    collector, port = smtp
    settings = settings_for(tmp_path, port, quiet=60)
    key, url = "health:http://127.0.0.1:5000/api/v1/health", "http://127.0.0.1:5000/api/v1/health"

    def check(minute: float, failing: bool):
        subject = f"service down: {url} (HTTP 503)" if failing else f"service up: {url} (200, 3 ms)"
        return notify(settings, key, failing=failing, subject=subject, body=subject, now=T0 + dt.timedelta(minutes=minute))

    outcomes = []
    for cycle in range(10):  # down at minute 0, 2, 4 ...; up at minute 1, 3, 5 ...
        outcomes += [check(2 * cycle, True), check(2 * cycle + 1, False)]
    if final == "down":
        outcomes.append(check(20, True))
    # The first alert and its recovery go out at once; every change after that is only counted.
    assert [m["Subject"].split(":")[0] for m in collector.messages] == ["ALERT", "RESOLVED"]
    assert all(o.suppressed for o in outcomes[2:]) and outcomes[-1].changes == (18 if final == "up" else 19)
    assert read_state(settings.state_file)["alerts"][key]["state"] == final

    # The first check after the quiet period (60 min after the RESOLVED mail) sends one digest.
    after = check(62, final == "down")
    assert len(collector.messages) == 3 and after.sent and not after.suppressed
    changes = 18 if final == "up" else 19
    digest = f"{changes} state changes since 2026-11-16 00:01:00 (UTC), now {final.upper()}"
    kind = "RESOLVED" if final == "up" else "ALERT"
    assert collector.messages[2]["Subject"] == f"{kind}: service {final}: {url} " + (
        "(200, 3 ms)" if final == "up" else "(HTTP 503)") + f"; {digest}"
    assert collector.messages[2].get_content().replace("\r\n", "\n").startswith(digest + "\n\n")  # SMTP line ends
    alert_log = (tmp_path / "alerts.log").read_text(encoding="utf-8").splitlines()
    assert [line[22:].split(":")[0] for line in alert_log] == ["ALERT", "RESOLVED", kind]

    # Settled: still the same an hour later.
    if final == "up":
        assert check(200, False) is None and read_state(settings.state_file)["alerts"] == {}
    else:
        assert check(100, True).suppressed  # within the digest's quiet period
        assert check(200, True).sent and len(collector.messages) == 4  # a reminder: still down
    assert len(collector.messages) <= 4


def test_quiet_minutes_zero_mails_every_change(smtp, tmp_path):
    collector, port = smtp
    settings = settings_for(tmp_path, port, quiet=0)
    for minute, failing in enumerate([True, False, True, False]):
        notify(settings, "metrics:cpu", failing=failing, subject="cpu", body="", now=T0 + dt.timedelta(minutes=minute))
    assert [m["Subject"] for m in collector.messages] == ["ALERT: cpu", "RESOLVED: cpu", "ALERT: cpu", "RESOLVED: cpu"]
