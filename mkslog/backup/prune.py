"""Listing and pruning the backups of a root: what is there, and removing what has expired.

Retention goes by the backup directory's mtime, per kind (``backup.retention_days``); the newest
backup of a kind that is complete and verifies now is never removed, even when expired, so a
root never loses its last restorable backup. Symlinks are skipped, never followed.
Standard library only.

>>> import tempfile, pathlib, datetime
>>> from mkslog.backup.create import create_backup
>>> tmp = pathlib.Path(tempfile.mkdtemp())
>>> (tmp / "data").mkdir(); _ = (tmp / "data" / "a.txt").write_text("hello")
>>> made = create_backup("daily", tmp / "backups", tmp / "data", min_free_mb=0)
>>> [(i.kind, i.complete) for i in list_backups(tmp / "backups")[0]]
[('daily', True)]
>>> later = datetime.datetime.now() + datetime.timedelta(days=40)
>>> result = prune_backups(tmp / "backups", now=later)
>>> len(result.removed), len(result.protected)
(0, 1)
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import BackupError
from . import archive as arc
from .layout import KINDS, maybe_lock, scan_root
from .log import BackupLog, verification_states
from .verify import verify_backup

DEFAULT_RETENTION = {"daily": 30, "weekly": 84, "monthly": 365, "manual": 0}  # days; 0 keeps forever


@dataclass
class BackupInfo:
    kind: str
    name: str
    path: Path
    created: str  # from the manifest, else the directory's mtime
    mtime: float  # the age that retention goes by
    size: int
    complete: bool  # has a manifest without errors
    verified: str  # "ok", "failed" or "unknown": the last verification written to backup.log


@dataclass
class PruneResult:
    root: Path
    dry_run: bool
    removed: list[Path] = field(default_factory=list)
    protected: list[Path] = field(default_factory=list)  # expired, but the newest verified of its kind
    kept: int = 0
    skipped: list[dict[str, str]] = field(default_factory=list)


def list_backups(root: str | os.PathLike, *, log_path: str | os.PathLike | None = None
                 ) -> tuple[list[BackupInfo], list[dict[str, str]]]:
    """The backups under ``root`` (oldest first per kind) and the entries skipped (symlinks ...).

    ``verified`` is the last verification that backup.log records for each directory.
    """
    found, skipped = scan_root(Path(root).absolute())
    states = verification_states(log_path, {str(p) for _kind, p, _st in found})
    infos = []
    for kind, path, st in found:
        try:
            manifest = arc.read_manifest(path)
        except BackupError:
            manifest = {}
        mtime = datetime.fromtimestamp(st.st_mtime).astimezone().isoformat(timespec="seconds")
        size = sum(e.stat(follow_symlinks=False).st_size for e in os.scandir(path) if e.is_file(follow_symlinks=False))
        infos.append(BackupInfo(kind, path.name, path, created=manifest.get("created") or mtime,
                                mtime=st.st_mtime, size=size, complete=bool(manifest) and not manifest.get("errors"),
                                verified=states.get(str(path), "unknown")))
    return infos, skipped


def prune_backups(root: str | os.PathLike, retention_days: dict[str, int] | None = None, *,
                  dry_run: bool = False, log: BackupLog | None = None, now: datetime | None = None
                  ) -> PruneResult:
    """Remove backups older than their kind's retention (age from the directory's mtime).

    The newest backup of a kind that is complete and verifies now is never removed, even when
    expired; symlinks are skipped, never followed; ``dry_run`` only reports.
    """
    root = Path(root).absolute()
    retention = _retention(retention_days)
    result = PruneResult(root, dry_run)
    if not root.is_dir():
        raise BackupError(f"no backup root at {root} (give --root or set backup.root in mkslog.toml)")
    with maybe_lock(root, not dry_run):
        found, result.skipped = scan_root(root)
        now_ts = (now or datetime.now()).timestamp()
        for kind in KINDS:
            backups = [path for k, path, _st in reversed(found) if k == kind]  # newest first
            ages = {path: now_ts - st.st_mtime for k, path, st in found if k == kind}
            expired = [p for p in backups if retention[kind] and ages[p] > retention[kind] * 86400]
            protected = _newest_verified(backups, log) if expired else None
            for path in expired:
                if path == protected:
                    result.protected.append(path)
                    continue
                if not dry_run:
                    _remove(path)
                    if log is not None:
                        log.write(f"Removed expired backup: {path}")
                result.removed.append(path)
            result.kept += len(backups) - len(expired) + (protected in expired)
    return result


def _retention(days: dict[str, Any] | None) -> dict[str, int]:
    retention = dict(DEFAULT_RETENTION, **(days or {}))
    for kind, value in retention.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise BackupError(f"backup.retention_days.{kind} must be a whole number of days >= 0 "
                              f"(0 keeps forever), not {value!r}")
    return retention


def _newest_verified(backups: list[Path], log: BackupLog | None) -> Path | None:
    """The first of ``backups`` (newest first) that is complete and passes a full verification now."""
    for path in backups:
        try:
            complete = not arc.read_manifest(path).get("errors")
        except BackupError:
            continue
        try:
            if complete and verify_backup(path, log=log).ok:
                return path
        except BackupError:  # cannot even be read: not a backup anyone could restore
            continue
    return None


def _remove(path: Path) -> None:
    if path.is_symlink():  # checked again right before deleting: never delete through a link
        raise BackupError(f"{path} became a symlink; not removing it")
    try:
        shutil.rmtree(path)  # rmtree unlinks symlinks inside the tree, never follows them
    except OSError as exc:
        raise BackupError(f"cannot remove {path}: {exc.strerror} (check permissions)") from exc
