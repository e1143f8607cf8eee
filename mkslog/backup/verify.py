"""Verifying a backup: re-read and re-hash every file and archive member against MANIFEST.json.

A backup verifies only when every file and member matches its manifest entry, nothing is
missing or extra, the manifest lists the parts a restore needs (the data archive; the dump when it
names a database), and its data archive holds nothing a restore would refuse; the outcome is written to backup.log (``Verification OK: DIR`` or
``ERROR: Verification failed: DIR: ...``), which ``backup list`` and prune read back.
Standard library only.

>>> import tempfile, pathlib
>>> from mkslog.backup.create import create_backup
>>> tmp = pathlib.Path(tempfile.mkdtemp())
>>> (tmp / "data").mkdir(); _ = (tmp / "data" / "a.txt").write_text("hello")
>>> made = create_backup("manual", tmp / "backups", tmp / "data", min_free_mb=0, verify=False)
>>> check = verify_backup(made.path)
>>> check.ok, check.files, check.members
(True, 1, 2)
"""

from __future__ import annotations

import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import BackupError
from . import archive as arc
from .log import VERIFIED_OK, VERIFY_FAILED, BackupLog


@dataclass
class VerifyResult:
    path: Path
    ok: bool
    files: int
    members: int
    problems: list[str]
    duration_s: float


def verify_backup(backup_dir: str | os.PathLike, *, log: BackupLog | None = None) -> VerifyResult:
    """Re-read and re-hash every file and archive member of ``backup_dir`` against its MANIFEST.json.

    ``ok`` only when every file and member matches and nothing is missing or extra.
    """
    started, path = time.monotonic(), Path(backup_dir).absolute()
    names = _listing(path)
    problems: list[str] = []
    files = members = 0
    try:
        manifest = arc.read_manifest(path)
        expected = {entry["name"]: entry for entry in manifest["files"] if isinstance(entry, dict) and "name" in entry}
        problems += _missing_parts(manifest, expected)
    except BackupError as exc:
        manifest, expected, problems = None, {}, [str(exc)]
    present = {name for name in names if name not in (arc.MANIFEST, arc.MANIFEST + ".tmp")}
    problems += [f"{name} is missing" for name in sorted(set(expected) - present)]
    if manifest is not None:  # an unreadable manifest is the one problem: every file would be "extra"
        problems += [f"{name} is not in MANIFEST.json" for name in sorted(present - set(expected))]
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
        if is_data_archive(name):
            try:  # what restore would refuse must not verify: a backup is only as good as its restore
                arc.check_entries(actual["members"])
            except BackupError as exc:
                problems.append(f"{name}: {exc}; a restore would refuse this backup")
    result = VerifyResult(path, not problems, files, members, problems, round(time.monotonic() - started, 3))
    if log is not None:
        log.write(f"{VERIFIED_OK}{path}" if result.ok else f"{VERIFY_FAILED}{path}: {'; '.join(problems)}")
    return result


def _listing(path: Path) -> list[str]:
    """The names in the backup directory; BackupError when it is not there or cannot be read.

    Checked before anything else: a user who may not list the directory cannot verify it, and must
    hear that rather than a verdict on a backup that was never read.
    """
    try:
        if not stat.S_ISDIR(path.stat().st_mode):
            raise BackupError(f"{path} is not a directory: give a backup directory (see `mkslog backup list`)")
        return os.listdir(path)
    except (FileNotFoundError, NotADirectoryError):
        raise BackupError(f"no backup directory at {path} (see `mkslog backup list`)") from None
    except OSError as exc:
        raise BackupError(f"cannot read the backup directory {path}: {exc.strerror or exc} (run as a user who "
                          "can read the backup: the user that made it, or root)") from exc


def is_data_archive(name: str) -> bool:
    """Whether ``name`` is a backup's data archive, ``data_YYYYmmdd_HHMMSS.tar.gz``."""
    return name.startswith("data_") and name.endswith(".tar.gz")


def _missing_parts(manifest: dict, expected: dict) -> list[str]:
    """The parts every backup needs: one data archive, and the dump when the manifest names a database.

    A manifest listing nothing would otherwise "verify" while restore has nothing to restore.

    >>> _missing_parts({"database": None, "errors": []}, {})
    ['MANIFEST.json lists no data archive (data_*.tar.gz): there is nothing to restore']
    """
    problems = []
    archives = [name for name in expected if is_data_archive(name)]
    data_missing = any(m.get("part") == "data" for m in manifest.get("missing") or [] if isinstance(m, dict))
    if data_missing and not archives:
        pass  # the data directory was missing when the backup ran: the manifest says so, nothing is lost
    elif len(archives) != 1:
        problems.append(f"MANIFEST.json lists {len(archives)} data archives ({', '.join(sorted(archives))}), "
                        "expected one" if archives else
                        "MANIFEST.json lists no data archive (data_*.tar.gz): there is nothing to restore")
    dumps = [name for name in expected if name.startswith("database_") and name.endswith(".sql.gz")]
    if manifest.get("database") and not manifest.get("errors") and not dumps:
        problems.append(f"MANIFEST.json names the database {manifest['database']} but lists no dump "
                        "(database_*.sql.gz)")
    return problems
