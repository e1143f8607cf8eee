"""Alerts for the health checks: an e-mail through SMTP (the manual used ``mail -s``), a line in the
alert log, and a quiet period so that a service down for an hour sends one mail, not twelve, and a
flapping one sends a digest, not a mail per change.

Each alert has a key (``health:<url>``, ``metrics:cpu``, ``cert:<host>:<port>``). The time an alert
was last sent for a key is kept in a small JSON state file, written atomically and under a lock
(cron may run ``health check`` and ``health metrics`` in the same minute). When a key that was
alerting becomes healthy again, a ``RESOLVED`` message goes out; state changes after that within the
quiet period are counted, not mailed, and the first check after it sends one digest
(``N state changes since ..., now DOWN``); a key that stays up for a quiet period is forgotten.

Standard library only (plus mkslog.health.logfile's log helpers): no polars.

>>> settings = AlertSettings(alert_log="/tmp/alerts.log", state_file="/tmp/state.json", quiet_minutes=60)
>>> settings.mail_enabled
False
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import json
import os
import smtplib
import socket
import ssl
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from .. import loglines
from ..errors import HealthError
from ..files import atomic_write, pid_lock
from ..loglines import one_line
from .logfile import append_line, timestamp

STATE_VERSION = 1


@dataclass
class AlertSettings:
    """Where alerts go. The SMTP password is never stored here: it is read from ``password_env``."""

    alert_log: str
    state_file: str
    quiet_minutes: float = 60.0
    smtp_host: str = ""
    smtp_port: int = 25
    starttls: bool = False
    username: str = ""
    password_env: str = "MKSLOG_SMTP_PASSWORD"
    sender: str = "mkslog@localhost"
    to: list[str] = field(default_factory=list)
    timeout: float = 10.0
    #: The zone the alert log (and the health and metrics logs) are stamped in: source_timezone.
    zone: str = field(default_factory=loglines.machine_timezone)

    @property
    def mail_enabled(self) -> bool:
        return bool(self.smtp_host)

    @classmethod
    def from_config(cls, cfg: Any) -> AlertSettings:
        """Read ``health.alert_log/state_file/quiet_minutes`` and ``alerts.*`` from a :class:`Config`."""
        to = cfg.get("alerts.to") or []
        if isinstance(to, str):  # a single address is a natural thing to write in TOML
            to = [to]
        settings = cls(
            alert_log=str(cfg.get("health.alert_log") or ""),
            state_file=str(cfg.get("health.state_file") or ""),
            quiet_minutes=cfg.get("health.quiet_minutes", 60.0),
            smtp_host=str(cfg.get("alerts.smtp_host") or ""),
            smtp_port=cfg.get("alerts.smtp_port", 25),
            starttls=bool(cfg.get("alerts.starttls", False)),
            username=str(cfg.get("alerts.username") or ""),
            password_env=str(cfg.get("alerts.password_env") or "MKSLOG_SMTP_PASSWORD"),
            sender=str(cfg.get("alerts.from") or "mkslog@localhost"),
            to=[str(addr) for addr in to],
            timeout=cfg.get("alerts.timeout", 10.0),
            zone=str(cfg.get("source_timezone") or loglines.machine_timezone()),
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        """Raise HealthError (ConfigError for the zone) for settings that cannot work, before any check runs."""
        loglines.zone_info(self.zone)
        if not self.alert_log:
            raise HealthError("health.alert_log is empty: set the alert log path in mkslog.toml")
        if not self.state_file:
            raise HealthError("health.state_file is empty: set the alert state file path in mkslog.toml")
        if (
            isinstance(self.quiet_minutes, bool)
            or not isinstance(self.quiet_minutes, int | float)
            or self.quiet_minutes < 0
        ):
            raise HealthError(f"health.quiet_minutes must be a number >= 0, got {self.quiet_minutes!r}")
        if self.mail_enabled:
            if not self.to:
                raise HealthError(
                    "alerts.smtp_host is set but alerts.to is empty: list the recipients in mkslog.toml"
                )
            if not isinstance(self.smtp_port, int) or not 0 < self.smtp_port < 65536:
                raise HealthError(f"alerts.smtp_port must be 1-65535, got {self.smtp_port!r}")
            if not isinstance(self.timeout, int | float) or self.timeout <= 0:
                raise HealthError(
                    f"alerts.timeout must be a positive number of seconds, got {self.timeout!r}"
                )


@dataclass
class Outcome:
    """What happened to one alert (kind ``alert``) or recovery notice (kind ``resolved``)."""

    key: str
    kind: str
    subject: str
    suppressed: bool = False  # within the quiet period of an earlier alert: nothing sent
    quiet_until: str | None = None
    logged: bool = False  # the alert log line was written
    mailed_to: list[str] = field(default_factory=list)
    mail_error: str | None = None
    changes: int = 0  # state changes since the last mail (held back in the quiet period, or in this digest)

    @property
    def sent(self) -> bool:
        return self.logged and self.mail_error is None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "sent": self.sent}


def notify(
    settings: AlertSettings,
    key: str,
    *,
    failing: bool,
    subject: str,
    body: str,
    now: dt.datetime | None = None,
) -> Outcome | None:
    """Alert for ``key`` when ``failing``, resolve it when it recovers, at most one mail per quiet period.

    The first ALERT goes out at once, and so does the RESOLVED of its first recovery; after any mail,
    further state changes within the quiet period are only counted in the state file, and the first
    check after the quiet period sends one digest (``N state changes since ..., now DOWN``). A key
    still down after the quiet period is alerted again; one that stayed up is forgotten. Returns None
    when there is nothing to say (healthy, and nothing pending).
    """
    now = now or dt.datetime.now(dt.UTC)
    seen = "down" if failing else "up"
    with _locked_state(settings.state_file) as state:
        entry = state["alerts"].get(key)
        if entry is None:
            return _mail(settings, state, key, seen, subject, body, now, {}) if failing else None
        if entry.get("state", "down") != seen:  # an entry of the old format was always down
            entry["changes"] = int(entry.get("changes", 0)) + 1
            entry["state"] = seen
        changes, notified = int(entry.get("changes", 0)), entry.get("notified", "down")
        quiet_until = _quiet_until(entry, settings.quiet_minutes)
        quiet = quiet_until is not None and now < quiet_until
        first_recovery = notified == "down" and seen == "up" and changes == 1
        if changes == 0 and seen == "up":  # up since the RESOLVED mail: nothing to say
            if not quiet:
                del state["alerts"][key]  # settled for a whole quiet period: forget the key
            return None
        if quiet and not first_recovery:
            return Outcome(
                key,
                "alert" if failing else "resolved",
                one_line(subject),
                suppressed=True,
                quiet_until=quiet_until.isoformat(timespec="seconds"),
                changes=changes,
            )
        if changes > 1:  # a flapping key: one digest for the whole quiet period
            since = f"{loglines.stamp(_last_sent(entry), settings.zone)} ({settings.zone})"
            digest = f"{changes} state changes since {since}, now {seen.upper()}"
            subject, body = f"{subject}; {digest}", f"{digest}\n\n{body}"
        return _mail(settings, state, key, seen, subject, body, now, entry, changes)


def _mail(settings: AlertSettings, state: dict, key: str, seen: str, subject: str, body: str,
          now: dt.datetime, entry: dict, changes: int = 0) -> Outcome:
    """Deliver an ALERT (``seen`` down) or RESOLVED (up) and record it as the key's last mail."""
    outcome = _deliver(settings, key, "ALERT" if seen == "down" else "RESOLVED", subject, body)
    outcome.changes = changes
    # A mail that failed is not recorded as sent: the next run retries it instead of the
    # quiet period silencing the only notice the operator would have had.
    if outcome.sent:
        state["alerts"][key] = {
            "first_alert": entry.get("first_alert", now.isoformat(timespec="seconds")),
            "last_sent": now.isoformat(timespec="seconds"),
            "subject": outcome.subject,
            "state": seen,  # what the last check saw
            "notified": seen,  # what the last mail said
            "changes": 0,  # state changes since the last mail
        }
        outcome.quiet_until = (now + dt.timedelta(minutes=settings.quiet_minutes)).isoformat(timespec="seconds")
    return outcome


def _last_sent(entry: dict) -> dt.datetime | None:
    try:
        last = dt.datetime.fromisoformat(entry["last_sent"])
    except (KeyError, TypeError, ValueError):
        return None
    return last if last.tzinfo else last.replace(tzinfo=dt.UTC)


def _quiet_until(entry: dict | None, quiet_minutes: float) -> dt.datetime | None:
    last = _last_sent(entry) if entry else None  # a hand-edited entry: better one alert too many
    return None if last is None else last + dt.timedelta(minutes=quiet_minutes)


def compose_body(summary: str, facts: dict[str, Any]) -> str:
    """A plain-text mail body: the one-line summary, then the facts, one per line.

    >>> print(compose_body("service down: http://h/ (HTTP 500)", {"code": 500, "reason": "HTTP 500"}))
    service down: http://h/ (HTTP 500)
    <BLANKLINE>
    code: 500
    reason: HTTP 500
    """
    lines = [one_line(summary), ""]
    lines += [f"{name}: {one_line(value)}" for name, value in facts.items() if value is not None]
    return "\n".join(lines)


def _deliver(settings: AlertSettings, key: str, kind: str, subject: str, body: str) -> Outcome:
    """Mail (when configured), then write the alert log line. A mail failure is reported, not raised."""
    subject = one_line(subject)
    outcome = Outcome(key, kind.lower(), subject)
    if settings.mail_enabled:
        try:
            send_mail(settings, f"{kind}: {subject}", body)
            outcome.mailed_to = list(settings.to)
        except (OSError, smtplib.SMTPException, _MailConfigError) as exc:
            outcome.mail_error = describe_mail_error(settings, exc)
    append_line(settings.alert_log, loglines.alert_line(timestamp(zone=settings.zone), kind, subject))
    outcome.logged = True
    return outcome


class _MailConfigError(Exception):
    """Mail cannot be sent as configured (e.g. the password variable is unset)."""


def send_mail(settings: AlertSettings, subject: str, body: str) -> None:
    """Send one plain-text mail to ``settings.to``; smtplib's exceptions propagate."""
    msg = EmailMessage()
    msg["Subject"] = one_line(subject)
    msg["From"] = settings.sender
    msg["To"] = ", ".join(settings.to)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=socket.gethostname() or "localhost")
    msg.set_content(body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.timeout) as smtp:
        if settings.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.username:
            smtp.login(settings.username, _password(settings))
        smtp.send_message(msg)


def _password(settings: AlertSettings) -> str:
    password = os.environ.get(settings.password_env)
    if password is None:
        raise _MailConfigError(
            f"alerts.username is set but ${settings.password_env} is not (export it in the cron or systemd environment)"
        )
    return password


def describe_mail_error(settings: AlertSettings, exc: BaseException) -> str:
    """One line saying which mail failed and why.

    >>> s = AlertSettings("a.log", "s.json", smtp_host="mx", smtp_port=25, to=["ops@example.com"])
    >>> describe_mail_error(s, ConnectionRefusedError(111, "Connection refused"))
    'mail to ops@example.com via mx:25 failed: Connection refused'
    """
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error
        detail = f"{exc.smtp_code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
    elif isinstance(exc, smtplib.SMTPRecipientsRefused):
        detail = f"recipients refused: {', '.join(exc.recipients)}"
    elif isinstance(exc, OSError) and exc.strerror:
        detail = exc.strerror
    else:
        detail = str(exc) or type(exc).__name__
    return one_line(
        f"mail to {', '.join(settings.to)} via {settings.smtp_host}:{settings.smtp_port} failed: {detail}"
    )


# --------------------------------------------------------------------------------------------
# State file


@contextlib.contextmanager
def _locked_state(state_file: str) -> Iterator[dict]:
    """Read the state under an exclusive lock (waiting for another check to finish); write it back
    atomically if it changed."""
    path = Path(state_file)

    def cannot_use(exc: OSError) -> HealthError:
        return HealthError(f"cannot use alert state {path}: {exc.strerror or exc} (fix health.state_file)")

    def busy(holder: str) -> HealthError:  # only with a finite wait; kept for a clear message anyway
        return HealthError(f"the alert state {path} is locked by pid {holder}")

    with pid_lock(path.with_name(path.name + ".lock"), busy=busy, wait=None, opened=cannot_use):
        state = read_state(path)
        before = copy.deepcopy(state)
        yield state
        if state != before:
            _write_state(path, state)


def read_state(path: str | Path) -> dict:
    """The alert state: ``{"version": 1, "alerts": {key: {"last_sent": iso, ...}}}``.

    A missing or damaged file counts as empty: at worst that repeats one alert, whereas
    refusing to run would silence all of them.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        data = None
    except (ValueError, UnicodeDecodeError):
        data = None
    except OSError as exc:
        raise HealthError(
            f"cannot read alert state {path}: {exc.strerror or exc} (fix health.state_file)"
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("alerts"), dict):
        data = {"version": STATE_VERSION, "alerts": {}}
    return data


def _write_state(path: Path, state: dict) -> None:
    """Atomically (:func:`mkslog.files.atomic_write`): a crash leaves the old state or the new, never half.
    Mode 0600 as before: the state names the failing services."""
    try:
        atomic_write(path, json.dumps(state, indent=2, sort_keys=True) + "\n", mode=0o600)
    except OSError as exc:
        raise HealthError(
            f"cannot write alert state {path}: {exc.strerror or exc} (fix health.state_file)"
        ) from exc
