"""System metrics that replace the manual's ``system_metrics.sh``: CPU, memory and disk use.

One line per run in metrics.log, in the manual's exact format (:mod:`mkslog.loglines`); its ``Disk``
is the fullest of the checked filesystems (every mounted real one by default, see
:mod:`mkslog.health.disks`), so the log never shows a calm number while one disk fills up. A value
strictly above its threshold (``[thresholds]`` in mkslog.toml; per mount ``[health.disk_thresholds]``)
alerts, one alert per metric and per mount. Standard library and psutil only: no polars.

>>> import datetime as dt
>>> when = dt.datetime(2025, 1, 6, 0, 30, 0, tzinfo=dt.UTC)
>>> m = Metrics(cpu=12.5, memory=40.1, disks=[DiskUse("/", "/", "/dev/vda", "ext4", 63)], when=when)
>>> m.log_line("Asia/Tokyo"), m.disk, m.disk_path
('2025-01-06 09:30:00,CPU:12.5,Memory:40.1,Disk:63', 63, '/')
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import psutil

from .. import loglines
from ..errors import HealthError
from .disks import DiskUse, disk_percent, measure_disks
from .logfile import timestamp


@dataclass
class Metrics:
    """CPU and memory in percent (one decimal), each disk in whole percent as ``df`` prints it."""

    cpu: float
    memory: float
    disks: list[DiskUse]
    when: dt.datetime

    @property
    def fullest(self) -> DiskUse:
        return max(self.disks, key=lambda d: d.percent)

    @property
    def disk(self) -> int:
        """The use of the fullest checked filesystem: the number metrics.log records."""
        return self.fullest.percent

    @property
    def disk_path(self) -> str:
        return self.fullest.path

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

        >>> m = Metrics(cpu=90.0, memory=40.0, disks=[DiskUse("/", "/", "", "", 85)], when=dt.datetime(2025, 1, 1))
        >>> m.summary("cpu", 80, "web1"), m.summary("memory", 90, "web1")
        ('cpu 90.0 % over 80 % on web1', 'memory 40.0 % back under 90 % on web1')
        """
        relation = "over" if getattr(self, name) > limit else "back under"
        return f"{name} {self.shown(name)} % {relation} {limit:g} % on {host}"

    @staticmethod
    def disk_summary(disk: DiskUse, limit: float, host: str) -> str:
        """The alert subject of one disk, naming its path.

        >>> Metrics.disk_summary(DiskUse("/var", "/var", "/dev/vdb", "ext4", 91), 90, "web1")
        'disk 91 % over 90 % on web1 (/var)'
        """
        relation = "over" if disk.percent > limit else "back under"
        return f"disk {disk.percent} % {relation} {limit:g} % on {host} ({disk.path})"

    def breaches(self, thresholds: dict[str, float]) -> dict[str, bool]:
        """Which of cpu and memory are over their threshold (strictly above, like the manual's ``-gt``).

        >>> m = Metrics(cpu=90.0, memory=40.0, disks=[DiskUse("/", "/", "", "", 85)], when=dt.datetime(2025, 1, 1))
        >>> m.breaches({"cpu": 80, "memory": 85, "disk": 85})
        {'cpu': True, 'memory': False}
        """
        return {name: getattr(self, name) > thresholds[name] for name in ("cpu", "memory")}

    def disk_breaches(self, limits: dict[str, float]) -> dict[str, bool]:
        """Which disks (by path) are over their own threshold."""
        return {d.path: d.percent > limits[d.path] for d in self.disks}


def collect_metrics(disk_paths: str | list[str] | tuple[str, ...] | None = None,
                    cpu_interval: float = 1.0) -> Metrics:
    """Measure CPU (averaged over ``cpu_interval`` seconds), memory in use, and the disk use of
    ``disk_paths`` (a path or several; none: every mounted real filesystem)."""
    if not cpu_interval or cpu_interval <= 0:
        # psutil's non-blocking form compares with the previous call, which a fresh process lacks.
        raise HealthError(f"CPU interval must be a positive number of seconds, got {cpu_interval!r}")
    disks = measure_disks([disk_paths] if isinstance(disk_paths, str) else disk_paths)
    cpu = psutil.cpu_percent(interval=cpu_interval)
    # psutil's percent is (total - available) / total: memory that cache cannot give back.
    memory = psutil.virtual_memory().percent
    return Metrics(
        cpu=round(cpu, 1),
        memory=round(memory, 1),
        disks=disks,
        when=dt.datetime.now(dt.UTC),  # an instant: log_line() gives its wall time in the log's zone
    )


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


__all__ = ["DiskUse", "Metrics", "collect_metrics", "disk_percent", "thresholds_from"]
