"""System metrics that replace the manual's ``system_metrics.sh``: CPU, memory and disk use.

One line per run in metrics.log, in the manual's exact format (:mod:`mkslog.loglines`); a value
strictly above its threshold (``[thresholds]`` in mkslog.toml) alerts. Standard library and
psutil only: no polars.

>>> import datetime as dt
>>> when = dt.datetime(2025, 1, 6, 0, 30, 0, tzinfo=dt.UTC)
>>> Metrics(cpu=12.5, memory=40.1, disk=63, disk_path="/", when=when).log_line("Asia/Tokyo")
'2025-01-06 09:30:00,CPU:12.5,Memory:40.1,Disk:63'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from .. import loglines
from ..errors import HealthError
from .logfile import timestamp


@dataclass
class Metrics:
    """CPU and memory in percent (one decimal), disk in whole percent as ``df`` prints it."""

    cpu: float
    memory: float
    disk: int
    disk_path: str
    when: dt.datetime

    def log_line(self, zone: str | None = None) -> str:
        """The metrics.log line, in the manual's exact format, stamped in ``zone`` (default: the machine's)."""
        return loglines.metrics_line(timestamp(self.when, zone), self.cpu, self.memory, self.disk)

    def values(self) -> dict[str, float | int]:
        return {"cpu": self.cpu, "memory": self.memory, "disk": self.disk}

    def shown(self, name: str) -> str:
        """A metric as the log prints it: one decimal for cpu and memory, whole percent for disk."""
        return str(self.disk) if name == "disk" else f"{getattr(self, name):.1f}"

    def summary(self, name: str, limit: float, host: str) -> str:
        """One line for the terminal and alert subjects, over or back under ``limit``.

        >>> m = Metrics(cpu=90.0, memory=40.0, disk=85, disk_path="/", when=dt.datetime(2025, 1, 1))
        >>> m.summary("cpu", 80, "web1"), m.summary("disk", 90, "web1")
        ('cpu 90.0 % over 80 % on web1', 'disk 85 % back under 90 % on web1')
        """
        relation = "over" if getattr(self, name) > limit else "back under"
        return f"{name} {self.shown(name)} % {relation} {limit:g} % on {host}"

    def breaches(self, thresholds: dict[str, float]) -> dict[str, bool]:
        """Which metrics are over their threshold (strictly above, like the manual's ``-gt``).

        >>> m = Metrics(cpu=90.0, memory=40.0, disk=85, disk_path="/", when=dt.datetime(2025, 1, 1))
        >>> m.breaches({"cpu": 80, "memory": 85, "disk": 85})
        {'cpu': True, 'memory': False, 'disk': False}
        """
        return {name: value > thresholds[name] for name, value in self.values().items()}


def collect_metrics(disk_path: str | Path = "/", cpu_interval: float = 1.0) -> Metrics:
    """Measure CPU (averaged over ``cpu_interval`` seconds), memory in use and disk use of ``disk_path``."""
    if not cpu_interval or cpu_interval <= 0:
        # psutil's non-blocking form compares with the previous call, which a fresh process lacks.
        raise HealthError(f"CPU interval must be a positive number of seconds, got {cpu_interval!r}")
    try:
        usage = psutil.disk_usage(str(disk_path))
    except OSError as exc:
        raise HealthError(
            f"cannot measure disk use of {disk_path}: {exc.strerror or exc} (check --disk-path)"
        ) from exc
    cpu = psutil.cpu_percent(interval=cpu_interval)
    # psutil's percent is (total - available) / total: memory that cache cannot give back.
    memory = psutil.virtual_memory().percent
    return Metrics(
        cpu=round(cpu, 1),
        memory=round(memory, 1),
        disk=disk_percent(usage.used, usage.free),
        disk_path=str(disk_path),
        when=dt.datetime.now(dt.UTC),  # an instant: log_line() gives its wall time in the log's zone
    )


def disk_percent(used: int, free: int) -> int:
    """Disk use as ``df`` shows it: used / (used + available to users), rounded up.

    >>> disk_percent(used=621, free=379), disk_percent(used=620, free=380), disk_percent(0, 0)
    (63, 62, 0)
    """
    total = used + free
    return -(-used * 100 // total) if total else 0


def thresholds_from(values: dict[str, Any]) -> dict[str, float]:
    """The cpu/memory/disk thresholds of a ``[thresholds]`` table, checked to be numbers."""
    result = {}
    for name in ("cpu", "memory", "disk"):
        value = values.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise HealthError(
                f"thresholds.{name} must be a number of percent, got {value!r} (fix mkslog.toml)"
            )
        result[name] = float(value)
    return result
