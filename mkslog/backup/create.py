"""Creating a backup of the Mirai Knowledge System: the operations manual's backup.sh, made safe.

A backup is a directory ``ROOT/<kind>/YYYYmmdd/`` (see :mod:`mkslog.backup.layout`) holding
``data_YYYYmmdd_HHMMSS.tar.gz`` (the data directory), a copy of the env file (mode 0600),
``database_YYYYmmdd_HHMMSS.sql.gz`` when a database URL is given (pg_dump, see
:mod:`mkslog.backup.pg`), ``extra_<name>_YYYYmmdd_HHMMSS.tar.gz`` for each extra part (``/etc/letsencrypt``),
and ``MANIFEST.json`` (see :mod:`mkslog.backup.archive`). Every step
appends a line to backup.log (:mod:`mkslog.backup.log`). Verifying, pruning and restoring live in
:mod:`mkslog.backup.verify`, :mod:`mkslog.backup.prune` and :mod:`mkslog.backup.restore`.

The data directory, the env file and the extra parts are each optional, as in the manual's backup.sh:
one that is missing is a ``WARNING: ... not found, skipped: PATH`` line in backup.log and in the result,
the rest is still backed up, and the result's status is ``partial`` (the CLI exits 3); only a backup
with nothing at all to back up fails.

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
import re
import shutil
import tarfile
import time
from dataclasses import dataclass, field
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
    warnings: list[str] = field(default_factory=list)  # the optional parts that were missing


#: The exit status of a partial backup (a part missing or its dump failed): not 0, and not 1 (nothing made).
PARTIAL_EXIT = 3


class PartialBackupError(BackupError):
    """The data was backed up, but the database dump failed: ``result`` describes what exists."""

    exit_code = PARTIAL_EXIT

    def __init__(self, message: str, result: CreateResult):
        super().__init__(message)
        self.result = result


def create_backup(kind: str, root: str | os.PathLike, data_dir: str | os.PathLike, *,
                  env_file: str | os.PathLike | None = None, database_url: str | None = None,
                  log_path: str | os.PathLike | None = None, min_free_mb: int = 100,
                  verify: bool = True, now: datetime | None = None, zone: str | None = None,
                  extra_paths: list[str | os.PathLike] | tuple = ()) -> CreateResult:
    """Back up ``data_dir`` (and the env file, the database, the extra parts) into ``root/kind/YYYYmmdd``.

    A missing data directory, env file or extra part is a warning (status ``partial``), not a failure.

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
        parts = _present_parts(root, data_dir, env, [Path(p).absolute() for p in extra_paths], database_url, log)
        with backup_lock(root):
            result = _create(kind, root, parts, database_url, log, min_free_mb, verify, now)
    except (BackupError, OSError) as exc:
        error = exc if isinstance(exc, BackupError) else os_failure(exc, "the backup")
        if isinstance(exc, PartialBackupError):
            exc.result.duration_s = round(time.monotonic() - started, 3)
        log.write(f"ERROR: {kind.capitalize()} backup failed: {error}")
        raise error from (None if error is exc else exc)
    result.duration_s = round(time.monotonic() - started, 3)
    if result.warnings:
        log.write(f"WARNING: {kind.capitalize()} backup partial: {'; '.join(result.warnings)}")
    else:
        log.write(f"{kind.capitalize()} backup completed successfully")
    return result


@dataclass
class Parts:
    """What there is to back up: the parts found, and a warning for each optional part that is missing."""

    data_dir: Path | None
    env: Path | None
    extras: list[Path]
    warnings: list[str]
    missing: list[dict[str, str]]


def _present_parts(root: Path, data_dir: Path, env: Path | None, extras: list[Path], database_url: str | None,
                   log: BackupLog) -> Parts:
    """Check the inputs before anything is written: a missing optional part is logged as a warning and
    left out; no part at all, a root inside the data directory or an unusable database URL fail."""
    parts = Parts(data_dir, env, [], [], [])

    def missing(part: str, label: str, path: Path, hint: str) -> None:
        parts.warnings.append(f"{label} not found, skipped: {path}")
        parts.missing.append({"part": part, "path": str(path)})
        log.write(f"WARNING: {label} not found, skipped: {path} ({hint})")

    if not data_dir.is_dir():
        parts.data_dir = None
        missing("data", "Data directory", data_dir, "give --data-dir or set backup.data_dir in mkslog.toml")
    else:
        real_root, real_data = root.resolve(), data_dir.resolve()
        if real_root == real_data or real_data in real_root.parents:
            raise BackupError(f"the backup root {root} lies inside the data directory {data_dir}: the backup "
                              "would contain itself (choose a root outside it)")
    if env is not None and not env.is_file():
        parts.env = None
        missing("config", "Config file", env, "give --env-file PATH, or --env-file '' to back up without it")
    for extra in dict.fromkeys(extras):
        if extra.exists():
            parts.extras.append(extra)
        else:
            missing("extra", "Extra part", extra, "fix --extra or backup.extra_paths in mkslog.toml")
    if database_url:
        parse_database_url(database_url)
        find_binary("pg_dump")
    if parts.data_dir is None and parts.env is None and not parts.extras and not database_url:
        raise BackupError(f"nothing to back up: {'; '.join(parts.warnings) or 'no part given'} (check "
                          "backup.data_dir, backup.env_file and backup.extra_paths in mkslog.toml)")
    return parts


def extra_names(extras: list[Path]) -> list[str]:
    """A distinct, file-name-safe label per extra part: its folder name (``letsencrypt``), then ``_2`` ...

    >>> extra_names([Path("/etc/letsencrypt"), Path("/srv/a/letsencrypt"), Path("/etc/nginx conf")])
    ['letsencrypt', 'letsencrypt_2', 'nginx-conf']
    """
    names: list[str] = []
    for path in extras:
        base = re.sub(r"[^A-Za-z0-9._-]+", "-", path.name).strip("-.") or "part"
        name, n = base, 1
        while name in names:
            n += 1
            name = f"{base}_{n}"
        names.append(name)
    return names


def _create(kind: str, root: Path, parts: Parts, database_url: str | None,
            log: BackupLog, min_free_mb: int, verify: bool, now: datetime | None) -> CreateResult:
    # The names carry the same wall time as the log lines; a naive ``now`` is that wall time already.
    zone = loglines.zone_info(log.zone)
    now = log.now() if now is None else now.replace(tzinfo=zone) if now.tzinfo is None else now.astimezone(zone)
    stamp = now.strftime("%Y%m%d_%H%M%S")
    data_dir, env = parts.data_dir, parts.env
    need = (tree_size(data_dir) if data_dir else 0) + (env.stat().st_size if env else 0)
    check_free_space(root, need + sum(tree_size(p) if p.is_dir() else p.stat().st_size for p in parts.extras),
                     min_free_mb)
    dest = new_backup_dir(root / kind, now)
    files: list[BackupFile] = []
    display = parse_database_url(database_url).display if database_url else None
    try:
        # A data directory that is itself a symlink (/srv/mks/data -> /mnt/disk/data) is backed up as
        # the directory it points to, under its own name: archived as a link it could not be restored.
        skipped = []
        if data_dir is not None:
            skipped = arc.write_archive(data_dir.resolve(), dest / f"data_{stamp}.tar.gz", name=data_dir.name)
            files.append(_completed(log, "Data", dest / f"data_{stamp}.tar.gz"))
        if env is not None:
            with open(env, "rb") as src, arc.private_file(dest / env.name) as out:
                shutil.copyfileobj(src, out)
            files.append(_completed(log, "Config", dest / env.name))
        extras = []
        for path, name in zip(parts.extras, extra_names(parts.extras), strict=True):
            archive = dest / f"extra_{name}_{stamp}.tar.gz"
            skipped += arc.write_archive(path.resolve(), archive, name=path.name)
            files.append(_completed(log, "Extra", archive))
            extras.append({"name": archive.name, "path": str(path)})
        errors = _dump(database_url, dest / f"database_{stamp}.sql.gz", log, files) if database_url else []
        arc.write_manifest(dest, kind=kind, created=now.isoformat(timespec="seconds"),
                           data_dir=str(parts.data_dir or ""), env_file=env.name if env else None,
                           extras=extras, missing=parts.missing, database=display, skipped=skipped,
                           errors=errors)
    except (OSError, tarfile.TarError, BackupError) as exc:
        shutil.rmtree(dest, ignore_errors=True)  # never leave a half-written backup behind
        reason = os_failure(exc, "writing") if isinstance(exc, OSError) else exc
        raise BackupError(f"{reason}; {dest} was removed") from exc
    result = CreateResult(kind, dest, files, display, skipped, errors, verified=False, duration_s=0.0,
                          warnings=parts.warnings)
    if verify:
        check = verify_backup(dest, log=log)
        if not check.ok:
            raise BackupError(f"the new backup {dest} does not verify: {'; '.join(check.problems)}")
        result.verified = True
    if errors or parts.warnings:
        result.status = "partial"
    if errors:
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
