"""Where backups live on disk: the ``ROOT/<kind>/<name>`` layout, its lock, new names, free space.

A backup root holds one folder per kind (``daily``, ``weekly``, ``monthly``, ``manual``), each
holding backup directories named ``YYYYmmdd`` (a second one on the same day gets
``YYYYmmdd_HHMMSS``, then ``..._2`` ...). ``ROOT/.lock`` keeps two runs that change the root
(create, prune, restore from it) apart. Standard library only.

>>> import tempfile, pathlib, datetime
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> new_backup_dir(root / "daily", datetime.datetime(2026, 11, 16, 2, 0, 1)).name
'20261116'
>>> new_backup_dir(root / "daily", datetime.datetime(2026, 11, 16, 2, 0, 1)).name
'20261116_020001'
>>> [(kind, path.name) for kind, path, _st in scan_root(root)[0]]
[('daily', '20261116'), ('daily', '20261116_020001')]
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from ..errors import BackupError
from ..files import pid_lock

KINDS = ("daily", "weekly", "monthly", "manual")
NAME_RE = re.compile(r"\d{8}(_\d{6}(_\d+)?)?")
MB = 1024 * 1024


@contextmanager
def backup_lock(root: Path) -> Iterator[None]:
    """Hold ``ROOT/.lock`` (:func:`mkslog.files.pid_lock`, non-blocking) so two backups or prunes never
    run at once. The lock dies with the process, so a crashed run never leaves a stale lock behind.
    """
    path = root / ".lock"

    def cannot_open(exc: OSError) -> BackupError:
        return BackupError(f"cannot open the lock file {path}: {exc.strerror} (run as a user who can "
                           "write the backup root)")

    def busy(holder: str) -> BackupError:
        return BackupError(f"another backup is running (lock {path} is held by pid {holder}); wait for it "
                           "to finish, or stop that process if it hangs")

    try:
        root.mkdir(parents=True, exist_ok=True, mode=0o700)  # 0700: backups hold secrets
    except OSError as exc:
        raise cannot_open(exc) from exc
    with pid_lock(path, busy=busy, wait=0, opened=cannot_open):
        yield


@contextmanager
def maybe_lock(root: Path, take: bool) -> Iterator[None]:
    """:func:`backup_lock` when ``take`` (a dry run changes nothing and needs no lock)."""
    if take:
        with backup_lock(root):
            yield
    else:
        yield


@contextmanager
def layout_lock(backup: Path) -> Iterator[None]:
    """Lock the backup root while restoring from ``ROOT/<kind>/<dir>``, so prune cannot remove it."""
    if backup.parent.name in KINDS and backup.parent.parent.is_dir():
        with backup_lock(backup.parent.parent):
            yield
    else:
        yield


def layout_root(backup_dir: Path) -> Path | None:
    """ROOT of a backup directory laid out as ROOT/<kind>/<name>, else None.

    >>> layout_root(Path("/srv/backups/daily/20261116")), layout_root(Path("/tmp/copy"))
    (PosixPath('/srv/backups'), None)
    """
    return backup_dir.parent.parent if backup_dir.parent.name in KINDS else None


def new_backup_dir(kind_dir: Path, now: datetime) -> Path:
    """Create ``YYYYmmdd`` (else ``YYYYmmdd_HHMMSS``, ``..._2`` ...): mkdir is atomic, so never overwrites."""
    kind_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    day, stamp = now.strftime("%Y%m%d"), now.strftime("%Y%m%d_%H%M%S")
    for name in (day, stamp, *(f"{stamp}_{i}" for i in range(2, 1000))):
        try:
            (kind_dir / name).mkdir(mode=0o700)  # 0700: the backup holds the env file and the database
            return kind_dir / name
        except FileExistsError:
            continue
    raise BackupError(f"too many backups named {stamp}* in {kind_dir}")


def unused_path(path: Path) -> Path:
    """``path``, or ``path_2``, ``path_3`` ... whichever does not exist yet."""
    candidate, n = path, 1
    while candidate.exists() or candidate.is_symlink():
        n += 1
        candidate = path.with_name(f"{path.name}_{n}")
    return candidate


def scan_root(root: Path) -> tuple[list[tuple[str, Path, os.stat_result]], list[dict[str, str]]]:
    """Backup directories per kind, oldest first, never following a symlink; and what was skipped."""
    found, skipped = [], []
    for kind in KINDS:
        kind_dir = root / kind
        if kind_dir.is_symlink():
            skipped.append({"path": str(kind_dir), "reason": "symlink, not followed"})
            continue
        if not kind_dir.is_dir():
            continue
        entries = []
        for entry in os.scandir(kind_dir):
            if entry.is_symlink():
                skipped.append({"path": entry.path, "reason": "symlink, not followed"})
            elif entry.is_dir(follow_symlinks=False) and NAME_RE.fullmatch(entry.name):
                entries.append((kind, Path(entry.path), entry.stat(follow_symlinks=False)))
            elif not entry.name.startswith("."):
                skipped.append({"path": entry.path, "reason": "not named like a backup (YYYYmmdd...)"})
        found += sorted(entries, key=lambda e: (e[2].st_mtime, e[1].name))
    return found, skipped


def tree_size(path: Path) -> int:
    """Bytes of the regular files below ``path`` (symlinks not followed): the archive's upper bound."""
    total = 0
    for folder, _dirs, names in os.walk(path):
        for name in names:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:
                pass  # vanished meanwhile: the archive step reports real problems
    return total


def check_free_space(where: Path, need: int, min_free_mb: int) -> None:
    """Refuse to start when ``need`` bytes plus ``min_free_mb`` do not fit on ``where``'s filesystem."""
    free = shutil.disk_usage(where).free
    if free < need + min_free_mb * MB:
        raise BackupError(f"not enough free space on {where}: need about {(need >> 20) + min_free_mb} MB "
                          f"({need >> 20} MB plus backup.min_free_mb={min_free_mb}), {free >> 20} MB free (free "
                          "some space, run `mkslog backup prune`, or lower backup.min_free_mb)")


def os_failure(exc: OSError, doing: str) -> BackupError:
    """An OSError as a BackupError naming the file and the usual fixes.

    >>> str(os_failure(PermissionError(13, "Permission denied", "/srv/x"), "the backup"))
    'the backup failed: /srv/x: Permission denied (check permissions and free space)'
    """
    where = f" {exc.filename}" if exc.filename else ""
    return BackupError(f"{doing} failed:{where}: {exc.strerror or exc} (check permissions and free space)")
