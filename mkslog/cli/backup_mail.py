"""The backup's e-mail (the manual's ``BACKUP_EMAIL``): one mail per run, on success and on failure.

``backup.email`` in mkslog.toml lists the recipients; the mail goes through the ``[alerts]`` SMTP
server (:func:`mkslog.health.alerts.send_mail`). It lives in the CLI because backup/ and health/ stand
apart (neither imports the other). A mail that cannot be sent does not change the backup's exit
status: it is a ``Warning:`` on stderr and a ``WARNING: Backup mail failed: ...`` line in backup.log.
"""

from __future__ import annotations

import socket
from typing import Any

import click

from ..errors import BackupError
from .common import safe_text


def mail_settings(cfg: Any) -> Any | None:
    """The alert settings with ``to`` = ``backup.email``; None when no backup mail is configured.
    Checked before the backup runs, so a mail that cannot work is said up front."""
    from ..health.alerts import AlertSettings

    to = cfg.get("backup.email") or []
    to = [to] if isinstance(to, str) else [str(a) for a in to]
    if not to:
        return None
    if not cfg.get("alerts.smtp_host"):
        raise BackupError("backup.email is set but alerts.smtp_host is not: set the SMTP server in the [alerts] "
                          "table of mkslog.toml, or empty backup.email")
    return AlertSettings.from_config(_Overlay(cfg, {"alerts.to": to}))


class _Overlay:
    """A config whose ``get`` answers some keys differently: the alert settings, sent to backup.email."""

    def __init__(self, cfg: Any, values: dict[str, Any]):
        self.cfg, self.values = cfg, values

    def get(self, key: str, default: Any = None) -> Any:
        return self.values[key] if key in self.values else self.cfg.get(key, default)


def send_backup_mail(settings: Any | None, log: Any, status: str, kind: str, text: str) -> None:
    """Mail ``text`` with the subject ``Backup OK|PARTIAL|FAILED: KIND on HOST``; failures are warnings."""
    if settings is None:
        return
    from ..health.alerts import describe_mail_error, send_mail

    subject = f"Backup {status.upper()}: {kind} on {socket.gethostname()}"
    try:
        send_mail(settings, subject, text + "\n")
    except Exception as exc:  # any SMTP or socket failure: the backup itself is done
        message = describe_mail_error(settings, exc)
        click.echo(f"Warning: {safe_text(message)}", err=True)
        try:
            log.write(f"WARNING: Backup mail failed: {message}")
        except BackupError:
            pass  # the log is unwritable: the backup step already said so
