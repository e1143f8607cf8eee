"""Disk use of every mounted real filesystem: the manual's ``df -h | grep -E '^/dev/' | awk '$5 > "80%"'``.

A real filesystem is what ``df`` lists with a ``/dev/...`` device, less the read-only image formats
that are always full by design (squashfs snaps, ISO images). Each mount has its own threshold: the
``[health.disk_thresholds]`` table of mkslog.toml maps a mount point (or a folder given with
``--disk-path``) to a percentage; any other mount takes ``thresholds.disk``. Standard library and
psutil only.

>>> disk_threshold("/var/lib/postgresql", 85.0, {"/var/lib/postgresql": 90})
90.0
>>> disk_threshold("/", 85.0, {"/var/lib/postgresql": 90})
85.0
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from ..errors import HealthError

#: Filesystems that are full by construction: counting them would alert forever.
IMAGE_FSTYPES = frozenset({"squashfs", "iso9660", "udf", "erofs"})


@dataclass
class DiskUse:
    """One checked path: the path as given (or the mount point), its mount, device and use in whole percent."""

    path: str
    mount: str
    device: str
    fstype: str
    percent: int

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "mount": self.mount, "device": self.device, "fstype": self.fstype,
                "percent": self.percent}


def real_mounts() -> list[tuple[str, str, str]]:
    """(mount point, device, fstype) of every mounted real filesystem, each mount point once.

    Falls back to ``/`` alone when none has a ``/dev/`` device (a container's overlay root), so
    that the root filesystem is always checked.
    """
    seen: dict[str, tuple[str, str, str]] = {}
    for part in psutil.disk_partitions(all=False):
        if part.device.startswith("/dev/") and part.fstype not in IMAGE_FSTYPES and part.mountpoint not in seen:
            seen[part.mountpoint] = (part.mountpoint, part.device, part.fstype)
    return list(seen.values()) or [("/", "", "")]


def mount_of(path: str | os.PathLike) -> str:
    """The mount point holding ``path`` (``path`` itself when it is one).

    >>> mount_of("/")
    '/'
    """
    current = Path(os.path.abspath(path))
    while not os.path.ismount(current) and current != current.parent:
        current = current.parent
    return str(current)


def measure_disks(paths: list[str] | tuple[str, ...] | None = None) -> list[DiskUse]:
    """Disk use of ``paths`` (each once, in the order given), else of every mounted real filesystem."""
    mounts = {m[0]: m for m in real_mounts()}
    if paths:
        wanted = [(p, mount_of(p) if os.path.exists(p) else p) for p in dict.fromkeys(str(p) for p in paths)]
    else:
        wanted = [(mount, mount) for mount in mounts]
    found = []
    for path, mount in wanted:
        try:
            usage = psutil.disk_usage(path)
        except OSError as exc:
            raise HealthError(
                f"cannot measure disk use of {path}: {exc.strerror or exc} (check --disk-path)"
            ) from exc
        _, device, fstype = mounts.get(mount, (mount, "", ""))
        found.append(DiskUse(path, mount, device, fstype, disk_percent(usage.used, usage.free)))
    return found


def disk_percent(used: int, free: int) -> int:
    """Disk use as ``df`` shows it: used / (used + available to users), rounded up.

    >>> disk_percent(used=621, free=379), disk_percent(used=620, free=380), disk_percent(0, 0)
    (63, 62, 0)
    """
    total = used + free
    return -(-used * 100 // total) if total else 0


def disk_threshold(path: str, default: float, per_mount: dict[str, Any] | None) -> float:
    """The threshold of ``path``: its entry in ``[health.disk_thresholds]``, else ``default``."""
    value = (per_mount or {}).get(path, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise HealthError(f"health.disk_thresholds[{path!r}] must be a number of percent, got {value!r} "
                          "(fix mkslog.toml)")
    return float(value)


def disk_thresholds(disks: list[DiskUse], default: float, per_mount: dict[str, Any] | None) -> dict[str, float]:
    """The threshold of each checked disk, keyed by its path: its own entry, else its mount's, else ``default``."""
    table = per_mount or {}
    return {d.path: disk_threshold(d.path if d.path in table else d.mount, default, table) for d in disks}
