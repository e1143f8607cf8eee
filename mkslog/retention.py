"""Log retention and disk use: the manual's ``find /var/log/... -name "*.gz" -mtime +30 -delete`` made safe.

:func:`prune_logs` deletes only *rotated members* of the configured log sets (``[logs.*] paths`` in
mkslog.toml): ``app.log.1``, ``app.log.2.gz``, ``app.log-20261120.gz``, never the live ``app.log``
(whatever its age), never a symlink, and never a file whose real folder is not the folder its
pattern names, so a link or a ``..`` cannot lead it outside the configured directories. What was
removed, and the bytes freed, go to ``retention.log`` (``YYYY-mm-dd HH:MM:SS - message``, the
backup log's layout). :func:`disk_usage` sizes the configured log directories, the Parquet store and
the backup root, like ``du -s``. Standard library only.

>>> import os, tempfile, pathlib, datetime as dt
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> for name in ("app.log", "app.log.1", "app.log.2.gz"):
...     _ = (d / name).write_text("x" * 10)
...     os.utime(d / name, (0, 0))  # 1970: far older than any cut-off
>>> done = prune_logs({"app": [str(d / "app.log*")]}, dt.timedelta(days=30), dry_run=True)
>>> [p.name for p in done.removed], done.bytes_freed, [p.name for p in done.live]
(['app.log.2.gz', 'app.log.1'], 20, ['app.log'])
"""

from __future__ import annotations

import fnmatch
import glob
import os
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from . import loglines
from .errors import LogFileError
from .sources import rotation_key


@dataclass
class PruneResult:
    """What a prune removed (or would remove), what it kept and why, and the bytes freed."""

    removed: list[Path] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)
    live: list[Path] = field(default_factory=list)  # live files: never removed
    recent: int = 0  # rotated members younger than the cut-off
    skipped: list[dict[str, str]] = field(default_factory=list)
    bytes_freed: int = 0
    dry_run: bool = False


def is_rotated(path: str | os.PathLike) -> bool:
    """Whether ``path`` is named like a rotated member of a logrotate set (not the live file).

    >>> [is_rotated(p) for p in ("app.log", "app.log.1", "app.log.3.gz", "app.log-20261120", "app.log.gz")]
    [False, True, True, True, False]
    """
    return rotation_key(os.fspath(path))[2] != 0


def log_sets(config) -> dict[str, list[str]]:
    """The configured path patterns of every log set, by its ``[logs.<key>]`` name."""
    logs = config.get("logs", {}) or {}
    return {key: [str(p) for p in (table.get("paths") or [])] for key, table in logs.items()
            if isinstance(table, dict)}


def prune_logs(sets: dict[str, list[str]], older_than: timedelta, *, dry_run: bool = False,
               log_path: str | os.PathLike | None = None, zone: str | None = None,
               now: float | None = None) -> PruneResult:
    """Delete the rotated members of ``sets`` (name -> patterns) last modified more than ``older_than`` ago.

    ``dry_run`` deletes nothing and logs nothing. A file that cannot be removed is reported in
    ``skipped`` with the reason; the others still go.
    """
    if older_than <= timedelta(0):
        raise LogFileError(f"--older-than must be a positive age, got {older_than} (e.g. 30d)")
    cutoff = (time.time() if now is None else now) - older_than.total_seconds()
    result = PruneResult(dry_run=dry_run)
    seen: set[str] = set()
    for pattern in (p for patterns in sets.values() for p in patterns):
        if pattern == "-":
            continue
        folder = os.path.dirname(os.path.abspath(os.path.expanduser(pattern)))
        for match in sorted(glob.glob(os.path.expanduser(pattern)), key=rotation_key):
            path = Path(os.path.abspath(match))
            if str(path) in seen:
                continue
            seen.add(str(path))
            _consider(path, folder, cutoff, result)
    if not dry_run:
        _remove(result, RetentionLog(log_path, zone), older_than)
    return result


def _consider(path: Path, folder: str, cutoff: float, result: PruneResult) -> None:
    try:
        st = path.lstat()
    except OSError as exc:
        result.skipped.append({"path": str(path), "reason": exc.strerror or str(exc)})
        return
    if path.is_symlink():
        result.skipped.append({"path": str(path), "reason": "symlink, not followed"})
    elif not path.is_file():
        return  # a folder the glob matched: not a log file
    elif not is_rotated(path):
        result.live.append(path)
    elif not _inside(path, folder):
        result.skipped.append({"path": str(path), "reason": f"outside the configured directory {folder}"})
    elif st.st_mtime >= cutoff:
        result.recent += 1
    else:
        result.removed.append(path)
        result.sizes[str(path)] = st.st_size
        result.bytes_freed += st.st_size


def _inside(path: Path, folder: str) -> bool:
    """Whether ``path``'s real folder is the configured ``folder`` (or matches it, when it is a pattern)."""
    real = os.path.realpath(path.parent)
    return fnmatch.fnmatch(real, folder) if glob.has_magic(folder) else real == os.path.realpath(folder)


def _remove(result: PruneResult, log: RetentionLog, older_than: timedelta) -> None:
    removed = []
    for path in result.removed:
        try:
            path.unlink()
        except FileNotFoundError:
            result.bytes_freed -= result.sizes.pop(str(path))  # gone meanwhile (logrotate ran): freed nothing
            continue
        except OSError as exc:
            result.bytes_freed -= result.sizes.pop(str(path))
            result.skipped.append({"path": str(path), "reason": f"cannot remove: {exc.strerror} (run as the "
                                   "user that owns the logs)"})
            continue
        removed.append(path)
        log.write(f"Removed rotated log: {path} ({result.sizes[str(path)]} bytes)")
    result.removed = removed
    log.write(f"Log retention: removed {len(removed)} rotated logs older than {_age(older_than)}, "
              f"freed {result.bytes_freed} bytes")


def _age(age: timedelta) -> str:
    """``30 days``, ``12 hours``: the cut-off as the log line says it."""
    return f"{age.days} days" if age.total_seconds() % 86400 == 0 else f"{age.total_seconds() / 3600:g} hours"


class RetentionLog:
    """Appends ``YYYY-mm-dd HH:MM:SS - message`` lines (wall time of ``zone``) to ``path``; None: no log."""

    def __init__(self, path: str | os.PathLike | None, zone: str | None):
        self.path, self.zone = (Path(path) if path else None), zone

    def write(self, message: str) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(loglines.backup_line(loglines.stamp(zone=self.zone), message) + "\n")
        except OSError as exc:
            raise LogFileError(f"cannot write {self.path}: {exc.strerror} (set retention.log in mkslog.toml to "
                               "a writable file)") from exc


@dataclass
class Usage:
    """One sized place: what it is, its path, bytes and files below it; ``exists`` False when missing."""

    what: str
    path: str
    bytes: int
    files: int
    exists: bool


def tree_usage(what: str, path: str | os.PathLike) -> Usage:
    """Bytes and regular files below ``path`` (symlinks not followed), like ``du -s --apparent-size``.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "a.log").write_text("12345")
    >>> u = tree_usage("logs", d); (u.bytes, u.files, u.exists)
    (5, 1, True)
    """
    root = Path(path)
    if not root.is_dir():
        return Usage(what, str(root), 0, 0, False)
    total = files = 0
    for folder, _dirs, names in os.walk(root):
        for name in names:
            try:
                st = os.lstat(os.path.join(folder, name))
            except OSError:
                continue  # vanished meanwhile
            total += st.st_size
            files += 1
    return Usage(what, str(root), total, files, True)


def disk_usage(config) -> list[Usage]:
    """The configured log directories, the Parquet store and the backup root, largest first."""
    places: dict[str, str] = {}
    for key, patterns in log_sets(config).items():
        for pattern in patterns:
            if pattern != "-":
                folder = os.path.dirname(os.path.abspath(os.path.expanduser(pattern)))
                for real in sorted(glob.glob(folder)) if glob.has_magic(folder) else [folder]:
                    places.setdefault(real, f"logs ({key})")
                    if key not in places[real]:
                        places[real] = places[real][:-1] + f", {key})"
    if config.get("store"):
        places.setdefault(str(config.get("store")), "store")
    if config.get("backup.root"):
        places.setdefault(str(config.get("backup.root")), "backups")
    usages = [tree_usage(what, path) for path, what in places.items()]
    return sorted(usages, key=lambda u: (-u.bytes, u.path))


__all__ = ["PruneResult", "Usage", "disk_usage", "is_rotated", "log_sets", "prune_logs", "tree_usage"]
