"""The monthly restore test, and putting the env file back: the manual's restore procedure, rehearsed.

:func:`test_restore` restores a backup into a temporary directory (never over live data), checks the
sha256 of every restored file against MANIFEST.json (the archive's members, and the env file),
writes ``Restore test OK: DIR (N files checked)`` or ``ERROR: Restore test failed: DIR: reason`` to
backup.log, and removes the temporary directory whatever happened. :func:`restore_env` puts a
backup's ``.env.production`` back with mode 0600, keeping the current one as ``PATH.old-STAMP``.
Standard library only.

>>> import tempfile, pathlib
>>> from mkslog.backup.create import create_backup
>>> tmp = pathlib.Path(tempfile.mkdtemp())
>>> (tmp / "data").mkdir(); _ = (tmp / "data" / "a.txt").write_text("hello")
>>> _ = (tmp / ".env.production").write_text("SECRET_KEY=x\\n")
>>> made = create_backup("manual", tmp / "backups", tmp / "data", env_file=tmp / ".env.production", min_free_mb=0)
>>> drill = test_restore(made.path)
>>> drill.ok, drill.files_checked, drill.workdir.exists()
(True, 2, False)
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..errors import BackupError
from ..files import atomic_write
from . import archive as arc
from .layout import layout_lock, unused_path
from .log import BackupLog
from .restore import restore_backup
from .verify import is_data_archive, verify_backup


@dataclass
class DrillResult:
    backup: Path
    ok: bool
    files_checked: int
    problems: list[str] = field(default_factory=list)
    workdir: Path = Path()
    duration_s: float = 0.0


def _sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(arc.CHUNK):
            sha.update(chunk)
    return sha.hexdigest()


def test_restore(backup_dir: str | os.PathLike, *, log: BackupLog | None = None,
                 workdir: str | os.PathLike | None = None) -> DrillResult:
    """Restore ``backup_dir`` into a temporary directory under ``workdir`` (default: the system's temp
    folder), compare every restored file's sha256 with MANIFEST.json, log the outcome, remove it all."""
    started, backup = time.monotonic(), Path(backup_dir).absolute()
    work = Path(tempfile.mkdtemp(prefix="mkslog-restore-test-", dir=workdir))
    result = DrillResult(backup, False, 0, workdir=work)
    try:
        result.files_checked, result.problems = _drill(backup, work)
    except (BackupError, OSError) as exc:
        result.problems.append(str(exc) if isinstance(exc, BackupError) else f"{exc.filename}: {exc.strerror}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result.ok = not result.problems
    result.duration_s = round(time.monotonic() - started, 3)
    if log is not None:
        log.write(f"Restore test OK: {backup} ({result.files_checked} files checked)" if result.ok else
                  f"ERROR: Restore test failed: {backup}: {'; '.join(result.problems)}")
    return result


def _drill(backup: Path, work: Path) -> tuple[int, list[str]]:
    check = verify_backup(backup)
    if not check.ok:
        return 0, [f"verification failed: {'; '.join(check.problems)}"]
    manifest = arc.read_manifest(backup)
    entries = {e["name"]: e for e in manifest["files"]}
    problems: list[str] = []
    checked = 0
    archives = [name for name in entries if is_data_archive(name)]
    if archives:
        target = work / "data"
        restore_backup(backup, target)
        members = entries[archives[0]].get("members", [])
        hashes = {m["name"]: m.get("sha256") for m in members if m["type"] == "file"}
        for member in members:
            rel = member["name"].split("/", 1)[1] if "/" in member["name"] else ""
            path = target / rel if rel else target
            if member["type"] in ("file", "hardlink"):
                # a hard link holds the content of the earlier file it links to
                want = member.get("sha256") if member["type"] == "file" else hashes.get(member.get("linkname"))
                if not path.is_file() or path.is_symlink():
                    problems.append(f"{member['name']} was not restored as a file")
                elif _sha256(path) != want:
                    problems.append(f"{member['name']}: restored content differs from MANIFEST.json (sha256)")
                else:
                    checked += 1
            elif member["type"] == "dir" and not path.is_dir():
                problems.append(f"{member['name']} was not restored as a directory")
            elif member["type"] == "symlink" and (not path.is_symlink() or os.readlink(path) != member["linkname"]):
                problems.append(f"{member['name']} was not restored as a link to {member['linkname']}")
    env_name = manifest.get("env_file")
    if env_name:
        copy = restore_env(backup, work / env_name)
        if _sha256(copy.target) != entries[env_name]["sha256"]:
            problems.append(f"{env_name}: restored content differs from MANIFEST.json (sha256)")
        elif stat.S_IMODE(copy.target.stat().st_mode) != 0o600:
            problems.append(f"{env_name} was restored with mode {stat.S_IMODE(copy.target.stat().st_mode):04o}, "
                            "not 0600")
        else:
            checked += 1
    if not archives and not env_name:
        problems.append("the backup holds neither a data archive nor an env file: nothing to test-restore")
    return checked, problems


@dataclass
class EnvRestore:
    backup: Path
    target: Path
    previous: Path | None  # where the env file that was there is now


def restore_env(backup_dir: str | os.PathLike, target: str | os.PathLike, *, log: BackupLog | None = None,
                now: datetime | None = None) -> EnvRestore:
    """Verify ``backup_dir``, then write its env file to ``target`` with mode 0600 (atomically); an
    existing ``target`` is kept as ``target.old-YYYYmmdd_HHMMSS`` (also 0600)."""
    backup, dest = Path(backup_dir).absolute(), Path(target).absolute()
    try:
        with layout_lock(backup):
            check = verify_backup(backup, log=log)
            if not check.ok:
                raise BackupError(f"refusing to restore {backup}: verification failed: {'; '.join(check.problems)}; "
                                  "nothing was changed (choose another backup: mkslog backup list)")
            name = arc.read_manifest(backup).get("env_file") or _guess_env(backup)
            data = (backup / name).read_bytes()
            previous = None
            if dest.exists():
                stamp = (now or (log or BackupLog(None)).now()).strftime("%Y%m%d_%H%M%S")
                previous = unused_path(Path(f"{dest}.old-{stamp}"))
                atomic_write(previous, dest.read_bytes(), mode=0o600)
            dest.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(dest, data, mode=0o600)
    except (BackupError, OSError) as exc:
        error = exc if isinstance(exc, BackupError) else BackupError(
            f"restoring the env file failed: {exc.filename}: {exc.strerror} (check permissions)")
        if log is not None:
            log.write(f"ERROR: Restore failed: {error}")
        raise error from (None if error is exc else exc)
    if log is not None:
        log.write(f"Restored {backup / name} to {dest}")
    return EnvRestore(backup, dest, previous)


def _guess_env(backup: Path) -> str:
    """The env file of a backup written before the manifest named it: its one ``.env*`` file."""
    names = [e["name"] for e in arc.read_manifest(backup)["files"] if e["name"].startswith(".env")]
    if len(names) != 1:
        raise BackupError(f"{backup} holds {len(names)} env files, expected one (this backup has no env file; "
                          "choose another: mkslog backup list)")
    return names[0]


# pytest collects test_* names from any module it imports with --doctest-modules; this one is a library
# function, not a test.
test_restore.__test__ = False  # type: ignore[attr-defined]
