"""Backups of the Mirai Knowledge System: the operations manual's backup.sh, made safe and testable.

A backup is a directory ``ROOT/<kind>/YYYYmmdd/`` (a second one on the same day gets
``YYYYmmdd_HHMMSS``) holding ``data_YYYYmmdd_HHMMSS.tar.gz`` (the data directory), a copy of the env
file (mode 0600), ``database_YYYYmmdd_HHMMSS.sql.gz`` when a database URL is given (pg_dump, see
:mod:`mkslog.backup.pg`), and ``MANIFEST.json`` (see :mod:`mkslog.backup.archive`). Every step
appends a ``YYYY-mm-dd HH:MM:SS - message`` line to backup.log, which mkslog's parser reads back
(:mod:`mkslog.loglines` defines the line for both). Lines and names are stamped in ``zone``: the
config's ``source_timezone``, by default the machine's zone, the zone the reader reads the log in.

Library functions take explicit paths and return small dataclasses; the CLI resolves defaults
from mkslog.toml. Standard library only: no polars, no parsers (DESIGN.md).

>>> import tempfile, pathlib
>>> tmp = pathlib.Path(tempfile.mkdtemp())
>>> (tmp / "data").mkdir(); _ = (tmp / "data" / "a.txt").write_text("hello")
>>> made = create_backup("manual", tmp / "backups", tmp / "data", min_free_mb=0)
>>> made.path.parent.name, made.files[0].name.startswith("data_"), made.verified
('manual', True, True)
>>> verify_backup(made.path).ok
True
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import tarfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import loglines
from ..errors import BackupError
from . import archive as arc
from .pg import dump_database, find_binary, parse_database_url, restore_database

KINDS = ("daily", "weekly", "monthly", "manual")
DEFAULT_RETENTION = {"daily": 30, "weekly": 84, "monthly": 365, "manual": 0}  # days; 0 keeps forever
NAME_RE = re.compile(r"\d{8}(_\d{6}(_\d+)?)?")
MB = 1024 * 1024


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


@dataclass
class VerifyResult:
    path: Path
    ok: bool
    files: int
    members: int
    problems: list[str]
    duration_s: float


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


@dataclass
class RestoreResult:
    backup: Path
    target: Path
    previous: Path | None  # where the old target was moved aside
    members: int
    database: str | None
    duration_s: float


class PartialBackupError(BackupError):
    """The data was backed up, but the database dump failed: ``result`` describes what exists."""

    def __init__(self, message: str, result: CreateResult):
        super().__init__(message)
        self.result = result


class BackupLog:
    """Appends ``YYYY-mm-dd HH:MM:SS - message`` lines to backup.log, stamped as wall time of ``zone``
    (default: the machine's zone; give the config's ``source_timezone``); path None: no log.

    >>> BackupLog(None, "Asia/Tokyo").zone
    'Asia/Tokyo'
    """

    def __init__(self, path: str | os.PathLike | None, zone: str | None = None):
        self.path = Path(path) if path else None
        self.zone = zone or loglines.machine_timezone()
        loglines.zone_info(self.zone)  # an unknown zone fails before anything is written

    def now(self) -> datetime:
        """Now in the log's zone: what backup and restore names are stamped with."""
        return datetime.now(loglines.zone_info(self.zone))

    def write(self, message: str) -> None:
        if self.path is None:
            return
        # One event, one line: the parser reading the log back goes line by line.
        line = loglines.backup_line(loglines.stamp(zone=self.zone), message) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(line)
        except OSError as exc:
            raise BackupError(f"cannot write the backup log {self.path}: {exc.strerror} "
                              "(set backup.log in mkslog.toml to a writable file)") from exc


@contextmanager
def backup_lock(root: Path) -> Iterator[None]:
    """Hold ``ROOT/.lock`` (flock, non-blocking) so two backups or prunes never run at once.

    The lock dies with the process, so a crashed run never leaves a stale lock behind.
    """
    path = root / ".lock"
    try:
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        raise BackupError(f"cannot open the lock file {path}: {exc.strerror} (run as a user who can "
                          "write the backup root)") from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise BackupError(f"another backup is running (lock {path} is held by pid {holder}); wait for it "
                              "to finish, or stop that process if it hangs") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock


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
    if root == data_dir or data_dir in root.parents:
        raise BackupError(f"the backup root {root} lies inside the data directory {data_dir}: the backup "
                          "would contain itself (choose a root outside it)")
    if env is not None and not env.is_file():
        raise BackupError(f"env file not found: {env} (give --env-file PATH, or --env-file '' to back up "
                          "without it)")
    if database_url:
        parse_database_url(database_url)
        find_binary("pg_dump")


def _create(kind: str, root: Path, data_dir: Path, env: Path | None, database_url: str | None,
            log: BackupLog, min_free_mb: int, verify: bool, now: datetime | None) -> CreateResult:
    # The names carry the same wall time as the log lines; a naive ``now`` is that wall time already.
    zone = loglines.zone_info(log.zone)
    now = log.now() if now is None else now.replace(tzinfo=zone) if now.tzinfo is None else now.astimezone(zone)
    stamp = now.strftime("%Y%m%d_%H%M%S")
    env_size = env.stat().st_size if env else 0
    check_free_space(root, tree_size(data_dir) + env_size, min_free_mb)
    dest = _new_backup_dir(root / kind, now)
    files: list[BackupFile] = []
    display = parse_database_url(database_url).display if database_url else None
    try:
        skipped = arc.write_archive(data_dir, dest / f"data_{stamp}.tar.gz")
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
        reason = os_failure(exc, "writing") if isinstance(exc, OSError) else exc
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


def os_failure(exc: OSError, doing: str) -> BackupError:
    """An OSError as a BackupError naming the file and the usual fixes."""
    where = f" {exc.filename}" if exc.filename else ""
    return BackupError(f"{doing} failed:{where}: {exc.strerror or exc} (check permissions and free space)")


def _completed(log: BackupLog, label: str, path: Path) -> BackupFile:
    size = path.stat().st_size
    log.write(f"{label} backup completed: {path} ({size} bytes)")
    return BackupFile(path.name, path, size)


def _new_backup_dir(kind_dir: Path, now: datetime) -> Path:
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


def verify_backup(backup_dir: str | os.PathLike, *, log: BackupLog | None = None) -> VerifyResult:
    """Re-read and re-hash every file and archive member of ``backup_dir`` against its MANIFEST.json.

    ``ok`` only when every file and member matches and nothing is missing or extra.
    """
    started, path = time.monotonic(), Path(backup_dir).absolute()
    if not path.is_dir():
        raise BackupError(f"no backup directory at {path} (see `mkslog backup list`)")
    problems: list[str] = []
    files = members = 0
    try:
        expected = {entry["name"]: entry for entry in arc.read_manifest(path)["files"]}
    except BackupError as exc:
        expected, problems = {}, [str(exc)]
    present = {p.name for p in path.iterdir() if p.name not in (arc.MANIFEST, arc.MANIFEST + ".tmp")}
    problems += [f"{name} is missing" for name in sorted(set(expected) - present)]
    problems += [f"{name} is not in MANIFEST.json" for name in sorted(present - set(expected)) if expected]
    for name in sorted(set(expected) & present):
        try:
            if (path / name).is_symlink() or not (path / name).is_file():
                raise BackupError(f"{name} is not a regular file")
            actual = arc.scan_file(path / name)
        except BackupError as exc:
            problems.append(str(exc))
            continue
        except OSError as exc:
            problems.append(f"{name} cannot be read: {exc.strerror} (run as a user who can read the backup)")
            continue
        files += 1
        members += len(actual.get("members", []))
        problems += arc.compare_entry(expected[name], actual)
    result = VerifyResult(path, not problems, files, members, problems, round(time.monotonic() - started, 3))
    if log is not None:
        log.write(f"Verification OK: {path}" if result.ok
                  else f"ERROR: Verification failed: {path}: {'; '.join(problems)}")
    return result


def list_backups(root: str | os.PathLike, *, log_path: str | os.PathLike | None = None
                 ) -> tuple[list[BackupInfo], list[dict[str, str]]]:
    """The backups under ``root`` (oldest first per kind) and the entries skipped (symlinks ...).

    ``verified`` is the last verification that backup.log records for each directory.
    """
    found, skipped = _scan_root(Path(root).absolute())
    states = _verification_states(log_path, {str(p) for _kind, p, _st in found})
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


def _scan_root(root: Path) -> tuple[list[tuple[str, Path, os.stat_result]], list[dict[str, str]]]:
    """Backup directories per kind, oldest first, never following a symlink."""
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


def _verification_states(log_path: str | os.PathLike | None, paths: set[str]) -> dict[str, str]:
    """The last ``Verification OK`` / ``ERROR: Verification failed`` outcome per backup dir in the log."""
    states: dict[str, str] = {}
    if not log_path or not Path(log_path).is_file():
        return states
    with open(log_path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            message = line.rstrip("\n").partition(" - ")[2]
            if message.startswith("Verification OK: ") and message[17:] in paths:
                states[message[17:]] = "ok"
            elif message.startswith("ERROR: Verification failed: "):
                rest = message[28:]
                path = next((p for p in paths if rest.startswith(p + ": ")), None)
                if path:
                    states[path] = "failed"
    return states


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
    with _maybe_lock(root, not dry_run):
        found, result.skipped = _scan_root(root)
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
        if complete and verify_backup(path, log=log).ok:
            return path
    return None


def _remove(path: Path) -> None:
    if path.is_symlink():  # checked again right before deleting: never delete through a link
        raise BackupError(f"{path} became a symlink; not removing it")
    try:
        shutil.rmtree(path)  # rmtree unlinks symlinks inside the tree, never follows them
    except OSError as exc:
        raise BackupError(f"cannot remove {path}: {exc.strerror} (check permissions)") from exc


@contextmanager
def _maybe_lock(root: Path, take: bool) -> Iterator[None]:
    if take:
        with backup_lock(root):
            yield
    else:
        yield


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
        with _layout_lock(backup):
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
        staging = _unused(target.parent / f".{target.name}.restore-{stamp}")
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
    previous = _unused(Path(f"{target}.old-{stamp}")) if target.exists() or target.is_symlink() else None
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
                          + ("(this backup has no database dump)" if prefix == "database_" else ""))
    return backup / matches[0]


def _check_database(database_url: str | None) -> str:
    if not database_url:
        raise BackupError("no database URL to restore into: give --database-url, or set MKS_DATABASE_URL "
                          "in the env file or backup.database_url in mkslog.toml")
    display = parse_database_url(database_url).display
    find_binary("psql")
    return display


def _unused(path: Path) -> Path:
    """``path``, or ``path_2``, ``path_3`` ... whichever does not exist yet."""
    candidate, n = path, 1
    while candidate.exists() or candidate.is_symlink():
        n += 1
        candidate = path.with_name(f"{path.name}_{n}")
    return candidate


@contextmanager
def _layout_lock(backup: Path) -> Iterator[None]:
    """Lock the backup root while restoring from ``ROOT/<kind>/<dir>``, so prune cannot remove it."""
    if backup.parent.name in KINDS and backup.parent.parent.is_dir():
        with backup_lock(backup.parent.parent):
            yield
    else:
        yield
