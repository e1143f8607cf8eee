"""Creating a backup of the Mirai Knowledge System: the operations manual's backup.sh, made safe.

A backup is a directory ``ROOT/<kind>/YYYYmmdd/`` (see :mod:`mkslog.backup.layout`) holding
``data_YYYYmmdd_HHMMSS.tar.gz`` (the data directory), a copy of the env file (mode 0600),
``database_YYYYmmdd_HHMMSS.sql.gz`` when a database URL is given (pg_dump, see
:mod:`mkslog.backup.pg`), and ``MANIFEST.json`` (see :mod:`mkslog.backup.archive`). Every step
appends a line to backup.log (:mod:`mkslog.backup.log`). Verifying, pruning and restoring live in
:mod:`mkslog.backup.verify`, :mod:`mkslog.backup.prune` and :mod:`mkslog.backup.restore`.

Library functions take explicit paths and return small dataclasses; the CLI resolves defaults
from mkslog.toml. Standard library only: no polars, no parsers (DESIGN.md).

>>> import tempfile, pathlib
>>> tmp = pathlib.Path(tempfile.mkdtemp())
>>> (tmp / "data").mkdir(); _ = (tmp / "data" / "a.txt").write_text("hello")
>>> made = create_backup("manual", tmp / "backups", tmp / "data", min_free_mb=0)
>>> made.path.parent.name, made.files[0].name.startswith("data_"), made.verified
('manual', True, True)
"""

from __future__ import annotations

import os
import shutil
import tarfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .. import loglines
from ..errors import BackupError
from . import archive as arc
from .layout import KINDS, backup_lock, check_free_space, new_backup_dir, os_failure, tree_size
from .log import BackupLog
from .pg import dump_database, find_binary, parse_database_url
from .verify import verify_backup


@dataclass
class BackupFile:
    name: str
    path: Path
    size: int


@dataclass
class CreateResult:
    kind: str
    path: Path
    files: list[BackupFile]
    database: str | None  # the URL without its password
    skipped: list[str]  # sockets, FIFOs, devices left out of the archive
    errors: list[str]
    verified: bool
    duration_s: float
    status: str = "ok"


class PartialBackupError(BackupError):
    """The data was backed up, but the database dump failed: ``result`` describes what exists."""

    def __init__(self, message: str, result: CreateResult):
        super().__init__(message)
        self.result = result


def create_backup(kind: str, root: str | os.PathLike, data_dir: str | os.PathLike, *,
                  env_file: str | os.PathLike | None = None, database_url: str | None = None,
                  log_path: str | os.PathLike | None = None, min_free_mb: int = 100,
                  verify: bool = True, now: datetime | None = None, zone: str | None = None) -> CreateResult:
    """Back up ``data_dir`` (and the env file, and the database) into ``root/kind/YYYYmmdd``.

    ``zone`` (default: the machine's): the log lines and the names are stamped in it; give the
    config's ``source_timezone``, the zone backup.log is read back in. Raises BackupError (logged as
    ``ERROR: Daily backup failed: ...``) and leaves no half-written backup behind; a failed database
    dump keeps the data backup and raises PartialBackupError.
    """
    if kind not in KINDS:
        raise BackupError(f"unknown backup kind {kind!r}: use one of {', '.join(KINDS)}")
    log, started = BackupLog(log_path, zone), time.monotonic()
    log.write(f"Starting {kind} backup")
    try:
        root, data_dir = Path(root).absolute(), Path(data_dir).absolute()
        env = Path(env_file).absolute() if env_file else None
        _check_sources(root, data_dir, env, database_url)
        with backup_lock(root):
            result = _create(kind, root, data_dir, env, database_url, log, min_free_mb, verify, now)
    except (BackupError, OSError) as exc:
        error = exc if isinstance(exc, BackupError) else os_failure(exc, "the backup")
        if isinstance(exc, PartialBackupError):
            exc.result.duration_s = round(time.monotonic() - started, 3)
        log.write(f"ERROR: {kind.capitalize()} backup failed: {error}")
        raise error from (None if error is exc else exc)
    result.duration_s = round(time.monotonic() - started, 3)
    log.write(f"{kind.capitalize()} backup completed successfully")
    return result


def _check_sources(root: Path, data_dir: Path, env: Path | None, database_url: str | None) -> None:
    """Refuse to start when an input is missing, so that nothing is written for a doomed backup."""
    if not data_dir.is_dir():
        raise BackupError(f"data directory not found: {data_dir} (give --data-dir or set backup.data_dir "
                          "in mkslog.toml)")
    real_root, real_data = root.resolve(), data_dir.resolve()
    if real_root == real_data or real_data in real_root.parents:
        raise BackupError(f"the backup root {root} lies inside the data directory {data_dir}: the backup "
                          "would contain itself (choose a root outside it)")
    if env is not None and not env.is_file():
        raise BackupError(f"env file not found: {env} (give --env-file PATH, or --env-file '' to back up "
                          "without it)")
    if database_url:
        parse_database_url(database_url)
        find_binary("pg_dump")


def _failure(exc: BaseException, data_dir: Path, env: Path | None) -> BaseException:
    """What went wrong, named as reading an input (a file in the data directory this user may not
    read) or as writing the backup."""
    if not isinstance(exc, OSError):
        return exc
    if isinstance(exc, PermissionError) and exc.filename:
        failed = Path(os.fsdecode(exc.filename)).absolute()
        inputs = [data_dir.absolute(), data_dir.resolve()] + ([env.absolute()] if env else [])
        if any(failed == p or p in failed.parents for p in inputs):
            return BackupError(f"cannot read {failed}: permission denied (run the backup as a user who can read "
                               "the whole data directory, e.g. the application's user or root)")
    return os_failure(exc, "writing")


def _create(kind: str, root: Path, data_dir: Path, env: Path | None, database_url: str | None,
            log: BackupLog, min_free_mb: int, verify: bool, now: datetime | None) -> CreateResult:
    # The names carry the same wall time as the log lines; a naive ``now`` is that wall time already.
    zone = loglines.zone_info(log.zone)
    now = log.now() if now is None else now.replace(tzinfo=zone) if now.tzinfo is None else now.astimezone(zone)
    stamp = now.strftime("%Y%m%d_%H%M%S")
    env_size = env.stat().st_size if env else 0
    check_free_space(root, tree_size(data_dir) + env_size, min_free_mb)
    dest = new_backup_dir(root / kind, now)
    files: list[BackupFile] = []
    display = parse_database_url(database_url).display if database_url else None
    try:
        # A data directory that is itself a symlink (/srv/mks/data -> /mnt/disk/data) is backed up as
        # the directory it points to, under its own name: archived as a link it could not be restored.
        skipped = arc.write_archive(data_dir.resolve(), dest / f"data_{stamp}.tar.gz", name=data_dir.name)
        files.append(_completed(log, "Data", dest / f"data_{stamp}.tar.gz"))
        if env is not None:
            with open(env, "rb") as src, arc.private_file(dest / env.name) as out:
                shutil.copyfileobj(src, out)
            files.append(_completed(log, "Config", dest / env.name))
        errors = _dump(database_url, dest / f"database_{stamp}.sql.gz", log, files) if database_url else []
        arc.write_manifest(dest, kind=kind, created=now.isoformat(timespec="seconds"), data_dir=str(data_dir),
                           database=display, skipped=skipped, errors=errors)
    except (OSError, tarfile.TarError, BackupError) as exc:
        shutil.rmtree(dest, ignore_errors=True)  # never leave a half-written backup behind
        reason = _failure(exc, data_dir, env)
        raise BackupError(f"{reason}; {dest} was removed") from exc
    result = CreateResult(kind, dest, files, display, skipped, errors, verified=False, duration_s=0.0)
    if verify:
        check = verify_backup(dest, log=log)
        if not check.ok:
            raise BackupError(f"the new backup {dest} does not verify: {'; '.join(check.problems)}")
        result.verified = True
    if errors:
        result.status = "partial"
        raise PartialBackupError(f"{errors[0]} (data and config are backed up in {dest})", result)
    return result


def _dump(database_url: str, dest: Path, log: BackupLog, files: list[BackupFile]) -> list[str]:
    """Dump the database; a failure is logged and returned, so the data backup is still kept."""
    try:
        dump_database(database_url, dest)
    except (BackupError, OSError) as exc:
        dest.unlink(missing_ok=True)
        log.write(f"ERROR: Database backup failed: {exc}")
        return [f"database backup failed: {exc}"]
    files.append(_completed(log, "Database", dest))
    return []


def _completed(log: BackupLog, label: str, path: Path) -> BackupFile:
    size = path.stat().st_size
    log.write(f"{label} backup completed: {path} ({size} bytes)")
    return BackupFile(path.name, path, size)
