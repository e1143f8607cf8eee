"""backup.log: one ``YYYY-mm-dd HH:MM:SS - message`` line per step, written and read back here.

Every step of create, verify, prune and restore appends a line (the manual's backup.sh format,
:func:`mkslog.loglines.backup_line`), stamped as wall time of ``zone``: the config's
``source_timezone``, by default the machine's zone, the zone mkslog's parser reads the log in.
:func:`verification_states` reads the log back for ``mkslog backup list`` and prune.
Standard library only.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "backup.log"
>>> log = BackupLog(path, "Asia/Tokyo")
>>> log.write("Verification OK: /srv/backups/daily/20261116")
>>> verification_states(path, {"/srv/backups/daily/20261116"})
{'/srv/backups/daily/20261116': 'ok'}
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from .. import loglines
from ..errors import BackupError

VERIFIED_OK = "Verification OK: "
VERIFY_FAILED = "ERROR: Verification failed: "


class BackupLog:
    """Appends ``YYYY-mm-dd HH:MM:SS - message`` lines to backup.log, stamped as wall time of ``zone``
    (default: the machine's zone; give the config's ``source_timezone``); path None: no log.

    >>> BackupLog(None, "Asia/Tokyo").zone
    'Asia/Tokyo'
    """

    def __init__(self, path: str | os.PathLike | None, zone: str | None = None):
        self.path = Path(path) if path else None
        self.zone = zone or loglines.machine_timezone()
        loglines.zone_info(self.zone)  # an unknown zone fails before anything is written

    def now(self) -> datetime:
        """Now in the log's zone: what backup and restore names are stamped with."""
        return datetime.now(loglines.zone_info(self.zone))

    def write(self, message: str) -> None:
        if self.path is None:
            return
        # One event, one line: the parser reading the log back goes line by line.
        line = loglines.backup_line(loglines.stamp(zone=self.zone), message) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(line)
        except OSError as exc:
            raise BackupError(f"cannot write the backup log {self.path}: {exc.strerror} "
                              "(set backup.log in mkslog.toml to a writable file)") from exc


def verification_states(log_path: str | os.PathLike | None, paths: set[str]) -> dict[str, str]:
    """The last ``Verification OK`` / ``ERROR: Verification failed`` outcome per backup dir in the log."""
    states: dict[str, str] = {}
    if not log_path or not Path(log_path).is_file():
        return states
    with open(log_path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            message = line.rstrip("\n").partition(" - ")[2]
            if message.startswith(VERIFIED_OK) and message[len(VERIFIED_OK):] in paths:
                states[message[len(VERIFIED_OK):]] = "ok"
            elif message.startswith(VERIFY_FAILED):
                rest = message[len(VERIFY_FAILED):]
                path = next((p for p in paths if rest.startswith(p + ": ")), None)
                if path:
                    states[path] = "failed"
    return states
