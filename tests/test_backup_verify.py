"""Tests of mkslog.backup.verify and the archive safety checks (mkslog.backup.archive, restore): damaged,
changed and malicious backups are refused, touching nothing. Real files, real tar archives.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import pytest
from backup_support import (  # noqa: F401 (fixtures)
    cli,
    config_fixture,
    data_dir_fixture,
    env_file_fixture,
    flip_middle_byte,
    make_backup,
    make_config,
    make_data_dir,
    make_env_file,
    snapshot,
)

from mkslog.backup import archive as arc
from mkslog.backup.verify import verify_backup

# ---------------------------------------------------------------- verification and corruption


def test_corrupted_archive_fails_verify_and_restore_touching_nothing(tmp_path, config, data_dir):
    made = make_backup(tmp_path / "backups", data_dir)
    archive = made.path / "data_20261116_020001.tar.gz"
    flip_middle_byte(archive)

    result = cli("verify", made.path, "--config", config)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: verification failed: {made.path}: data_20261116_020001.tar.gz: "
                                    "the file is damaged and cannot be read (")

    target = tmp_path / "srv" / "data"
    target.mkdir(parents=True)
    (target / "current.txt").write_text("live data")
    before, siblings = snapshot(target), sorted(os.listdir(target.parent))
    result = cli("restore", made.path, "--to", target, "--config", config)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: refusing to restore {made.path}: verification failed: ")
    assert result.stderr.endswith("; nothing was changed (choose another backup: mkslog backup list)\n")
    assert snapshot(target) == before and sorted(os.listdir(target.parent)) == siblings


def test_changed_missing_and_extra_files_fail_verify(tmp_path, data_dir, env_file):
    made = make_backup(tmp_path / "backups", data_dir, env_file=env_file)
    manifest = json.loads((made.path / "MANIFEST.json").read_text())
    env_copy = made.path / ".env.production"
    env_copy.write_text(env_copy.read_text().replace("s3cr3t", "XXXXXX"))  # same size, other bytes
    result = verify_backup(made.path)
    assert not result.ok
    assert result.problems == [
        f".env.production: sha256 is {hashlib.sha256(env_copy.read_bytes()).hexdigest()!r}, MANIFEST.json says "
        f"{manifest['files'][0]['sha256']!r} (the file was changed or is corrupted)"]
    env_copy.unlink()
    (made.path / "stray.txt").write_text("?")
    assert verify_backup(made.path).problems == [".env.production is missing",
                                                    "stray.txt is not in MANIFEST.json"]
    (made.path / "MANIFEST.json").unlink()
    assert verify_backup(made.path).problems[0].startswith(f"no MANIFEST.json in {made.path}: the backup did "
                                                              "not finish")


def test_member_changed_inside_a_valid_archive_fails_verify(tmp_path, data_dir):
    made = make_backup(tmp_path / "backups", data_dir)
    archive = made.path / "data_20261116_020001.tar.gz"
    manifest = json.loads((made.path / "MANIFEST.json").read_text())
    (data_dir / "hard.txt").write_text("HELLO\n")  # same size, other content
    archive.unlink()
    arc.write_archive(data_dir, archive)
    manifest_entry = manifest["files"][0]
    problems = verify_backup(made.path).problems
    assert problems[0].startswith("data_20261116_020001.tar.gz: size is ") or problems[0].startswith(
        "data_20261116_020001.tar.gz: sha256 is ")
    assert any(p == f"{manifest_entry['name']}: member 'data/hard.txt' differs from MANIFEST.json in sha256"
               for p in problems), problems


# ---------------------------------------------------------------- malicious archives


def _tar_entry(name: str, kind: str = "file", data: bytes = b"x", link: str = "") -> tuple:
    info = tarfile.TarInfo(name)
    info.type = {"file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE,
                 "hardlink": tarfile.LNKTYPE, "chardev": tarfile.CHRTYPE}[kind]
    info.mode = 0o755 if kind == "dir" else 0o644
    info.linkname = link
    if kind == "file":
        info.size = len(data)
    return info, data


EVIL = {
    "dotdot": ([("../../etc/x", "file")], "'../../etc/x': '..' in the path"),
    "dotdot_inside": ([("data/../../etc/x", "file")], "'data/../../etc/x': '..' in the path"),
    "absolute": ([("/etc/x", "file")], "'/etc/x': absolute path"),
    "symlink_to_root": ([("data/root", "symlink", "/")],
                        "'data/root': symlink to '/' points outside the restored tree"),
    "symlink_then_file": ([("data/esc", "symlink", "../../outside"), ("data/esc/pwned", "file")],
                          "'data/esc': symlink to '../../outside' points outside the restored tree"),
    "file_below_inner_symlink": ([("data/sub", "dir"), ("data/ok", "symlink", "sub"), ("data/ok/x", "file")],
                                 "'data/ok/x': lies below a symlink"),
    "hardlink_out": ([("data/h", "hardlink", "/etc/passwd")],
                     "'data/h': hard link to '/etc/passwd', which is not an earlier file of the archive"),
    "device": ([("data/dev", "chardev")], "'data/dev': special file (chardev)"),
}


@pytest.mark.parametrize("case", sorted(EVIL))
def test_malicious_archive_is_refused_even_with_a_matching_manifest(tmp_path, case):
    entries, why = EVIL[case]
    backup = tmp_path / "backups" / "manual" / "20260101"
    backup.mkdir(parents=True)
    with tarfile.open(backup / "data_20260101_000000.tar.gz", "w:gz") as tar:
        for spec in [("data", "dir"), *entries]:
            info, data = _tar_entry(spec[0], spec[1], link=spec[2] if len(spec) > 2 else "")
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    arc.write_manifest(backup, kind="manual")
    # The manifest matches, but verify refuses what restore would refuse: the two agree (issue 20.11).
    refused = f"data_20260101_000000.tar.gz: unsafe archive member {why}; a restore would refuse this backup"
    assert verify_backup(backup).problems == [refused]

    target = tmp_path / "srv" / "data"
    target.mkdir(parents=True)
    (target / "current.txt").write_text("live data")
    before, siblings = snapshot(target), sorted(os.listdir(target.parent))
    result = cli("restore", backup, "--to", target)
    assert result.exit_code == 1
    assert result.stderr == (f"Error: refusing to restore {backup}: verification failed: {refused}; nothing was "
                             "changed (choose another backup: mkslog backup list)\n")
    assert snapshot(target) == before and sorted(os.listdir(target.parent)) == siblings
    assert not (tmp_path / "outside").exists() and not (tmp_path / "srv" / "outside").exists()


def test_restore_filter_also_refuses_escaping_links(tmp_path):
    """The second line of defence: tarfile's data filter, used by extraction, refuses on its own."""
    archive = tmp_path / "evil.tar"
    with tarfile.open(archive, "w") as tar:
        info, _ = _tar_entry("data/esc", "symlink", link="../../outside")
        tar.addfile(info)
    (tmp_path / "dest").mkdir()
    with tarfile.open(archive) as tar, pytest.raises(tarfile.LinkOutsideDestinationError):
        tar.extractall(tmp_path / "dest", filter=arc.restore_filter)


# ---------------------------------------------------------------- hollow backups (issue 20.12)


def _hollow(backup: Path) -> None:
    """Rewrite MANIFEST.json with an empty file list, as a crashed or hand-edited run could leave it."""
    manifest = json.loads((backup / "MANIFEST.json").read_text())
    manifest["files"] = []
    (backup / "MANIFEST.json").write_text(json.dumps(manifest))


def test_manifest_with_an_empty_file_list_does_not_verify(tmp_path, config, data_dir):
    made = make_backup(tmp_path / "backups", data_dir)
    _hollow(made.path)
    result = cli("verify", made.path, "--config", config)
    assert result.exit_code == 1
    assert result.stderr == (f"Error: verification failed: {made.path}: MANIFEST.json lists no data archive "
                             "(data_*.tar.gz): there is nothing to restore; data_20261116_020001.tar.gz is not "
                             "in MANIFEST.json\n")
    (made.path / "data_20261116_020001.tar.gz").unlink()  # nothing at all beside the manifest
    assert verify_backup(made.path).problems == [
        "MANIFEST.json lists no data archive (data_*.tar.gz): there is nothing to restore"]


def test_manifest_naming_a_database_needs_its_dump(tmp_path, data_dir):
    made = make_backup(tmp_path / "backups", data_dir)
    manifest = json.loads((made.path / "MANIFEST.json").read_text())
    manifest["database"] = "postgresql://mks:***@db/mirai"
    (made.path / "MANIFEST.json").write_text(json.dumps(manifest))
    assert verify_backup(made.path).problems == [
        "MANIFEST.json names the database postgresql://mks:***@db/mirai but lists no dump (database_*.sql.gz)"]


# ---------------------------------------------------------------- unreadable backups (issue 20.13)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to make a backup another user cannot read")
@pytest.mark.parametrize("mode", [0o700, 0o711])
def test_verify_by_a_user_who_cannot_read_the_backup_is_an_error(mode):
    # root reads everything, so a fresh interpreter imports mkslog as root, then drops to nobody and
    # verifies a backup directory that is root's: 0700 (cannot even enter it) or 0711 (cannot list it).
    # Outside pytest's tmp_path, whose 0700 root nobody could not even enter.
    base = Path(tempfile.mkdtemp(prefix="mkslog-verify-"))
    try:
        base.chmod(0o755)
        data = make_data_dir(base)
        made = make_backup(base / "backups", data)
        made.path.chmod(mode)
        code = ("import os, sys\nfrom mkslog.cli.main import main\nimport mkslog.cli.backup, mkslog.backup.verify\n"
                "os.setgid(65534); os.setuid(65534)\n"
                f"main(['backup', 'verify', {str(made.path)!r}])\n")
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                              cwd=base, env={**os.environ, "HOME": str(base),
                                                    "PYTHONPATH": str(Path(__file__).parents[1])})
        assert proc.returncode == 1, proc.stderr
        assert proc.stderr == (f"Error: cannot read the backup directory {made.path}: Permission denied (run as a "
                               "user who can read the backup: the user that made it, or root)\n")
        assert "Traceback" not in proc.stderr and proc.stdout == ""
    finally:
        shutil.rmtree(base)
