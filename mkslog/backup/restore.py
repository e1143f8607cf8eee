"""Restoring a backup: verify it, check every archive member, extract beside the target, swap in.

Nothing is touched until the backup verifies and every member of its data archive is known to be
safe (:func:`mkslog.backup.archive.check_members`); extraction goes to a staging directory next to
the target, the current target is moved aside to ``TARGET.old-YYYYmmdd_HHMMSS``, and if the
database restore fails the old data is put back. Standard library only.

>>> import tempfile, pathlib
>>> from mkslog.backup.create import create_backup
>>> tmp = pathlib.Path(tempfile.mkdtemp())
>>> (tmp / "data").mkdir(); _ = (tmp / "data" / "a.txt").write_text("hello")
>>> made = create_backup("manual", tmp / "backups", tmp / "data", min_free_mb=0)
>>> done = restore_backup(made.path, tmp / "restored")
>>> (tmp / "restored" / "a.txt").read_text(), done.members, done.previous
('hello', 2, None)
"""

from __future__ import annotations

import os
import shutil
import tarfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..errors import BackupError
from . import archive as arc
from .layout import check_free_space, layout_lock, os_failure, unused_path
from .log import BackupLog
from .pg import find_binary, parse_database_url, restore_database
from .verify import verify_backup


@dataclass
class RestoreResult:
    backup: Path
    target: Path
    previous: Path | None  # where the old target was moved aside
    members: int
    database: str | None
    duration_s: float


def restore_backup(backup_dir: str | os.PathLike, target: str | os.PathLike, *,
                   database_url: str | None = None, restore_db: bool = False,
                   log: BackupLog | None = None, min_free_mb: int = 0, now: datetime | None = None
                   ) -> RestoreResult:
    """Verify ``backup_dir``, then restore its data directory as ``target`` (and the database).

    The current ``target`` is moved aside to ``target.old-YYYYmmdd_HHMMSS``. Nothing is touched until
    the backup verifies and every archive member is known to be safe; extraction goes to a staging
    directory next to ``target``; if the database restore fails, the old data is put back.
    """
    started, now = time.monotonic(), now or (log or BackupLog(None)).now()
    backup, target = Path(backup_dir).absolute(), Path(target).absolute()
    try:
        with layout_lock(backup):
            result = _restore(backup, target, database_url, restore_db, log, min_free_mb, now)
    except (BackupError, OSError) as exc:
        error = exc if isinstance(exc, BackupError) else os_failure(exc, "the restore")
        if log is not None:
            log.write(f"ERROR: Restore failed: {error}")
        raise error from (None if error is exc else exc)
    result.duration_s = round(time.monotonic() - started, 3)
    return result


def _restore(backup: Path, target: Path, database_url: str | None, restore_db: bool,
             log: BackupLog | None, min_free_mb: int, now: datetime) -> RestoreResult:
    check = verify_backup(backup, log=log)
    if not check.ok:
        raise BackupError(f"refusing to restore {backup}: verification failed: {'; '.join(check.problems)}; "
                          "nothing was changed (choose another backup: mkslog backup list)")
    names = [entry["name"] for entry in arc.read_manifest(backup)["files"]]
    archive = _one(backup, names, "data_", ".tar.gz")
    dump = _one(backup, names, "database_", ".sql.gz") if restore_db else None
    display = _check_database(database_url) if restore_db else None
    stamp = now.strftime("%Y%m%d_%H%M%S")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "r:gz") as tar:
        members = tar.getmembers()
        try:
            top = arc.check_members(members)
        except BackupError as exc:
            raise BackupError(f"refusing to restore {backup}: {exc}; nothing was changed") from None
        check_free_space(target.parent, sum(m.size for m in members), min_free_mb)
        staging = unused_path(target.parent / f".{target.name}.restore-{stamp}")
        staging.mkdir(mode=0o700)
        try:
            tar.extractall(staging, members=members, filter=arc.restore_filter)
        except (OSError, tarfile.TarError) as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise BackupError(f"extracting {archive.name} failed: {exc}; nothing was changed") from exc
    previous = _swap_in(staging / top, target, stamp)
    staging.rmdir()
    if dump is not None:
        try:
            restore_database(database_url, dump)
        except BackupError as exc:
            shutil.rmtree(target, ignore_errors=True)  # the half-restored state goes, the old data comes back
            if previous is not None:
                os.rename(previous, target)
            raise BackupError(f"{exc}; the data restore was undone"
                              + (f" and {target} is back as it was" if previous else "")) from exc
    if log is not None:
        log.write(f"Restored {backup} to {target}")
        if dump is not None:
            log.write(f"Restored {dump} to {display}")
    return RestoreResult(backup, target, previous, len(members), display, 0.0)


def _swap_in(new: Path, target: Path, stamp: str) -> Path | None:
    """Move ``target`` aside to ``target.old-STAMP`` and ``new`` into its place; return the old path.

    Both are renames within one directory, so each is atomic; if the second fails, the first is undone.
    """
    previous = unused_path(Path(f"{target}.old-{stamp}")) if target.exists() or target.is_symlink() else None
    try:
        if previous is not None:
            os.rename(target, previous)
        os.rename(new, target)
    except OSError as exc:
        if previous is not None and previous.exists() and not target.exists():
            os.rename(previous, target)
        shutil.rmtree(new.parent, ignore_errors=True)
        raise BackupError(f"{os_failure(exc, 'moving the restored data into place')}; nothing was changed") from exc
    return previous


def _one(backup: Path, names: list[str], prefix: str, suffix: str) -> Path:
    matches = [n for n in names if n.startswith(prefix) and n.endswith(suffix)]
    if len(matches) != 1:
        raise BackupError(f"{backup} holds {len(matches)} {prefix}*{suffix} files, expected one "
                          + ("(this backup has no database dump)" if prefix == "database_" else
                             "(the data directory was missing when this backup ran)" if not matches else ""))
    return backup / matches[0]


def _check_database(database_url: str | None) -> str:
    if not database_url:
        raise BackupError("no database URL to restore into: give --database-url, or set MKS_DATABASE_URL "
                          "in the env file or backup.database_url in mkslog.toml")
    display = parse_database_url(database_url).display
    find_binary("psql")
    return display
