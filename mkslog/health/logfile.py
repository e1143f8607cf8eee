"""The health logs: the manual's line stamp, and appending one line to a log file.

health_check.log, metrics.log and the alert log get one line per event (formats in
:mod:`mkslog.loglines`), stamped as wall time of ``zone``: the config's ``source_timezone``, by
default the machine's zone, the zone the reader reads them in. Standard library only.

>>> import datetime as dt, tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "logs" / "health_check.log"
>>> append_line(path, timestamp(dt.datetime(2025, 1, 6, 9, 30, 0)) + " - OK: Service is running")
>>> path.read_text().splitlines()
['2025-01-06 09:30:00 - OK: Service is running']
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .. import loglines
from ..errors import HealthError


def timestamp(when: dt.datetime | None = None, zone: str | None = None) -> str:
    """The manual's log stamp of ``when`` (default: now) as wall time of ``zone`` (default: the
    machine's zone); a naive ``when`` is taken as that wall time already.

    >>> timestamp(dt.datetime(2025, 1, 6, 9, 30, 0))
    '2025-01-06 09:30:00'
    """
    return loglines.stamp(when, zone)


def append_line(path: str | Path, line: str) -> None:
    """Append one line to a log, creating its folder first (cron runs on fresh machines too)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise HealthError(
            f"cannot write {path}: {reason} (fix its permissions, or give another --log)"
        ) from exc
