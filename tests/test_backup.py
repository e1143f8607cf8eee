"""Tests of mkslog.backup.create and `mkslog backup` (create, list, restore through the CLI): real
files, real tar archives. Nothing under test is mocked; the helpers are in backup_support.py.
"""

from __future__ import annotations

import doctest
import fcntl
import hashlib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from backup_support import (  # noqa: F401 (fixtures)
    cli,
    config_fixture,
    data_dir_fixture,
    env_file_fixture,
    flip_middle_byte,
    log_messages,
    make_backup,
    make_config,
    make_data_dir,
    make_env_file,
    snapshot,
)

from mkslog.backup import archive as arc
from mkslog.backup import create, layout, log, pg, prune, restore, verify
from mkslog.backup.create import create_backup
from mkslog.backup.log import BackupLog
from mkslog.backup.restore import restore_backup
from mkslog.backup.verify import verify_backup
from mkslog.errors import BackupError

# ---------------------------------------------------------------- create and round trip


def test_round_trip_is_byte_identical(tmp_path, data_dir, env_file):
    made = make_backup(tmp_path / "backups", data_dir, env_file=env_file)
    restored = restore_backup(made.path, tmp_path / "fresh" / "place" / "data")
    assert restored.previous is None
    assert snapshot(tmp_path / "fresh" / "place" / "data") == snapshot(data_dir)
    new = tmp_path / "fresh" / "place" / "data"
    assert (new / "hard.txt").stat().st_ino == (new / "notes.txt").stat().st_ino  # still one file
    assert sorted(os.listdir(tmp_path / "fresh" / "place")) == ["data"]  # no staging left behind


def test_create_layout_modes_and_manifest(tmp_path, data_dir, env_file):
    env_file.chmod(0o644)  # even a too-open source becomes 0600 in the backup
    made = make_backup(tmp_path / "backups", data_dir, env_file=env_file)
    assert made.path == tmp_path / "backups" / "daily" / "20261116"
    assert [f.name for f in made.files] == ["data_20261116_020001.tar.gz", ".env.production"]
    assert sorted(os.listdir(made.path)) == [".env.production", "MANIFEST.json", "data_20261116_020001.tar.gz"]
    assert stat.S_IMODE(made.path.stat().st_mode) == 0o700
    for name in os.listdir(made.path):
        assert stat.S_IMODE((made.path / name).stat().st_mode) == 0o600, name
    assert (made.path / ".env.production").read_bytes() == env_file.read_bytes()

    manifest = json.loads((made.path / "MANIFEST.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "daily" and manifest["created"].startswith("2026-11-16T02:00:01")
    assert manifest["data_dir"] == str(data_dir) and manifest["errors"] == [] and manifest["database"] is None
    for entry in manifest["files"]:
        content = (made.path / entry["name"]).read_bytes()
        assert (entry["size"], entry["sha256"]) == (len(content), hashlib.sha256(content).hexdigest())
    members = {m["name"]: m for m in manifest["files"][1]["members"]}
    assert members["data/設計/図面.txt"] == {
        "name": "data/設計/図面.txt", "type": "file", "size": len("基礎の配筋図 ✓\n".encode()), "mode": "0644",
        "sha256": hashlib.sha256("基礎の配筋図 ✓\n".encode()).hexdigest()}
    assert members["data/設計/empty.bin"]["sha256"] == hashlib.sha256(b"").hexdigest()
    assert members["data/link_to_notes"] == {"name": "data/link_to_notes", "type": "symlink", "size": 0,
                                             "mode": "0777", "linkname": "notes.txt"}
    # tar stores the first name of a file it meets (sorted: hard.txt) and links the second to it
    assert (members["data/notes.txt"]["type"], members["data/notes.txt"]["linkname"]) == ("hardlink", "data/hard.txt")
    assert members["data"]["mode"] == "0750" and members["data/secret"]["mode"] == "0700"


def test_second_backup_on_the_same_day_never_overwrites(tmp_path, data_dir):
    root = tmp_path / "backups"
    first = make_backup(root, data_dir)
    before = snapshot(first.path)
    second = make_backup(root, data_dir)
    third = make_backup(root, data_dir)
    assert [first.path.name, second.path.name, third.path.name] == ["20261116", "20261116_020001",
                                                                    "20261116_020001_2"]
    assert snapshot(first.path) == before


def test_backup_log_lines_have_the_manual_format(tmp_path, data_dir, env_file):
    root = tmp_path / "backups"
    made = make_backup(root, data_dir, env_file=env_file)
    archive, env_copy = made.path / "data_20261116_020001.tar.gz", made.path / ".env.production"
    assert log_messages(root / "backup.log") == [
        "Starting daily backup",
        f"Data backup completed: {archive} ({archive.stat().st_size} bytes)",
        f"Config backup completed: {env_copy} ({env_copy.stat().st_size} bytes)",
        f"Verification OK: {made.path}",
        "Daily backup completed successfully",
    ]
    with pytest.raises(BackupError):
        create_backup("weekly", root, tmp_path / "gone", log_path=root / "backup.log")
    flip_middle_byte(archive)
    verify_backup(made.path, log=BackupLog(root / "backup.log"))
    messages = log_messages(root / "backup.log")[5:]
    assert messages[:3] == ["Starting weekly backup",
                            f"WARNING: Data directory not found, skipped: {tmp_path / 'gone'} "
                            "(give --data-dir or set backup.data_dir in mkslog.toml)",
                            f"ERROR: Weekly backup failed: nothing to back up: Data directory not found, skipped: "
                            f"{tmp_path / 'gone'} (check backup.data_dir, backup.env_file and backup.extra_paths "
                            "in mkslog.toml)"]
    assert messages[3].startswith(f"ERROR: Verification failed: {made.path}: data_20261116_020001.tar.gz: ")
    assert len(messages) == 4


def test_missing_data_dir_is_a_warning_the_rest_is_backed_up_and_exit_3(tmp_path, config):
    """As in the manual's backup.sh: a missing part is a warning in backup.log, the env file is still
    backed up, and the exit status (3) says the backup is partial."""
    result = cli("create", "--kind", "daily", "--config", config, "--data-dir", tmp_path / "nope", "--json")
    assert result.exit_code == 3, result.output
    doc = json.loads(result.stdout)
    assert doc["status"] == "partial" and [f["name"] for f in doc["files"]] == [".env.production"]
    assert doc["warnings"] == [f"Data directory not found, skipped: {tmp_path / 'nope'}"]
    assert result.stderr == f"Warning: Data directory not found, skipped: {tmp_path / 'nope'}\n"
    messages = log_messages(tmp_path / "backups" / "backup.log")
    assert messages[1] == (f"WARNING: Data directory not found, skipped: {tmp_path / 'nope'} (give --data-dir "
                           "or set backup.data_dir in mkslog.toml)")
    assert messages[-1] == f"WARNING: Daily backup partial: Data directory not found, skipped: {tmp_path / 'nope'}"
    check = verify_backup(doc["path"])  # the manifest records the missing part: the backup verifies
    assert check.ok, check.problems
    text = cli("create", "--kind", "daily", "--config", config, "--data-dir", tmp_path / "nope")
    assert text.exit_code == 3 and "Daily backup created (partial): " in text.stdout


def test_nothing_at_all_to_back_up_exits_1_and_writes_nothing(tmp_path, config):
    result = cli("create", "--kind", "daily", "--config", config, "--data-dir", tmp_path / "nope",
                 "--env-file", tmp_path / "no.env", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["status"] == "failed"
    assert result.stderr.startswith(f"Error: nothing to back up: Data directory not found, skipped: "
                                    f"{tmp_path / 'nope'}; Config file not found, skipped: {tmp_path / 'no.env'} ")
    assert not (tmp_path / "backups" / "daily").exists()  # nothing written for a doomed backup


def test_not_enough_free_space_is_refused_before_writing(tmp_path, data_dir):
    with pytest.raises(BackupError, match=r"^not enough free space on .*lower backup.min_free_mb\)$"):
        create_backup("daily", tmp_path / "backups", data_dir, min_free_mb=1 << 40)
    assert not (tmp_path / "backups" / "daily").exists()


def test_backup_root_inside_the_data_dir_is_refused(tmp_path, data_dir):
    with pytest.raises(BackupError, match="lies inside the data directory"):
        create_backup("daily", data_dir / "backups", data_dir)


def test_lock_held_elsewhere_makes_create_fail(tmp_path, config):
    root = tmp_path / "backups"
    root.mkdir()
    with open(root / ".lock", "w") as holder:
        holder.write("4242\n")
        holder.flush()
        fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a second open file: flock conflicts
        result = cli("create", "--kind", "daily", "--config", config)
        assert result.exit_code == 1
        assert result.stderr == (f"Error: another backup is running (lock {root / '.lock'} is held by pid 4242); "
                                 "wait for it to finish, or stop that process if it hangs\n")
        assert not (root / "daily").exists()
    assert cli("create", "--kind", "daily", "--config", config).exit_code == 0  # free again


# ---------------------------------------------------------------- symlinks (issue 20.11)
# Decided once: a symlink that stays inside the data directory by a relative path is kept as a link
# (the data_dir fixture has two, restored byte-identical above); any other symlink fails create with
# an error naming it, verify refuses an archive that holds one, and restore refuses it too.


@pytest.mark.parametrize("target", ["outside", "absolute"])
def test_symlink_leaving_the_data_dir_fails_create_naming_it(tmp_path, data_dir, target):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "uploads.txt").write_text("not in the data directory")
    link = data_dir / "nested" / "uploads"
    os.symlink("../../elsewhere" if target == "outside" else str(data_dir / "notes.txt"), link)
    root = tmp_path / "backups"
    with pytest.raises(BackupError) as info:
        make_backup(root, data_dir)
    message = str(info.value)
    assert message.startswith(f"cannot back up the symlink {link} -> {os.readlink(link)}: it points outside the "
                              "data directory or by an absolute path")
    assert f"(make it a relative link inside {data_dir}, or replace it by what it points to)" in message
    assert os.listdir(root / "daily") == []  # nothing half-written is left behind
    assert log_messages(root / "backup.log")[-1] == f"ERROR: Daily backup failed: {message}"


def test_cli_create_with_an_outside_symlink_is_an_error_not_a_traceback(tmp_path, config, data_dir):
    os.symlink("/etc", data_dir / "etc")
    result = cli("create", "--config", config)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: cannot back up the symlink {data_dir / 'etc'} -> /etc: ")


def test_symlinked_data_dir_is_backed_up_as_the_directory(tmp_path, data_dir):
    """/srv/mks/data -> /mnt/disk/data: archived as one link, the backup verified but never restored."""
    link = tmp_path / "srv" / "current"
    link.parent.mkdir()
    os.symlink(data_dir, link)
    made = make_backup(tmp_path / "backups", link)
    assert verify_backup(made.path).ok
    restore_backup(made.path, tmp_path / "restored" / "current")
    restored = tmp_path / "restored" / "current"
    assert not restored.is_symlink() and snapshot(restored) == snapshot(data_dir)


# ---------------------------------------------------------------- CLI


def test_cli_create_verify_list_restore(tmp_path, config, data_dir):
    made = cli("create", "--kind", "daily", "--config", config, "--json")
    assert made.exit_code == 0, made.output
    doc = json.loads(made.stdout)
    path = Path(doc["path"])
    assert path.parent == tmp_path / "backups" / "daily"
    assert (doc["kind"], doc["status"], doc["verified"], doc["errors"], doc["database"]) == (
        "daily", "ok", True, [], None)
    assert [(f["name"], f["size"]) for f in doc["files"]] == [
        (p.name, p.stat().st_size) for p in sorted(path.glob("data_*")) + [path / ".env.production"]]

    verified = cli("verify", path, "--config", config)
    assert (verified.exit_code, verified.output) == (
        0, f"OK: {path} (2 files, 16 archive members match MANIFEST.json)\n")

    listed = cli("list", "--config", config, "--json")
    info = json.loads(listed.stdout)["backups"]
    assert [(i["kind"], i["path"], i["verified"], i["complete"]) for i in info] == [
        ("daily", str(path), "ok", True)]
    size = sum(p.stat().st_size for p in path.iterdir())
    text = cli("list", "--config", config).output
    assert text == f"daily:\n  {path}  {info[0]['created'][:19].replace('T', ' ')}  {size / 1048576:>7.1f} MB  verified\n"

    target = tmp_path / "srv" / "data"
    target.mkdir(parents=True)
    (target / "old.txt").write_text("the old data")
    restored = cli("restore", path, "--to", target, "--config", config, "--json")
    assert restored.exit_code == 0, restored.output
    rdoc = json.loads(restored.stdout)
    previous = Path(rdoc["previous"])
    assert previous.parent == target.parent and previous.name.startswith("data.old-")
    assert (previous / "old.txt").read_text() == "the old data"
    assert snapshot(target) == snapshot(data_dir)
    assert (rdoc["status"], rdoc["members"], rdoc["database"]) == ("ok", 16, None)
    assert log_messages(tmp_path / "backups" / "backup.log")[-1] == f"Restored {path} to {target}"


def test_list_shows_the_last_recorded_verification(tmp_path, config):
    unverified = Path(json.loads(cli("create", "--kind", "weekly", "--no-verify", "--config", config,
                                     "--json").stdout)["path"])
    broken = Path(json.loads(cli("create", "--kind", "monthly", "--config", config, "--json").stdout)["path"])
    flip_middle_byte(next(broken.glob("data_*.tar.gz")))
    checked = cli("verify", broken, "--config", config, "--json")
    assert checked.exit_code == 1
    doc = json.loads(checked.stdout)
    assert (doc["status"], doc["ok"], doc["path"], len(doc["problems"])) == ("failed", False, str(broken), 1)
    listed = json.loads(cli("list", "--config", config, "--json").stdout)
    assert [(b["kind"], b["path"], b["verified"]) for b in listed["backups"]] == [
        ("weekly", str(unverified), "unknown"), ("monthly", str(broken), "failed")]
    text = cli("list", "--config", config).output.splitlines()
    assert (text[0], text[2]) == ("weekly:", "monthly:")
    assert text[1].startswith(f"  {unverified}  ") and text[1].endswith(" MB  not verified")
    assert text[3].startswith(f"  {broken}  ") and text[3].endswith(" MB  VERIFY FAILED") and len(text) == 4


def test_every_backup_command_has_help():
    for command in ("create", "verify", "list", "prune", "restore"):
        result = cli(command, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output
        assert len(result.output.splitlines()) > 4, command


def test_importing_backup_leaves_polars_out():
    code = ("import sys, mkslog.backup.create, mkslog.backup.verify, mkslog.backup.prune, mkslog.backup.restore, "
            "mkslog.cli.backup, mkslog.backup.pg, mkslog.backup.archive; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('polars', 'pyarrow')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_doctests():
    for module in (arc, create, layout, log, pg, prune, restore, verify):
        assert doctest.testmod(module).failed == 0, module.__name__


@pytest.mark.parametrize("kind", ["daily", "weekly", "monthly"])
def test_shorthand_commands_create_that_kind(tmp_path, data_dir, kind):
    """`backup daily` (DESIGN.md's name) is `backup create --kind daily`."""
    root = tmp_path / "root"
    result = cli(kind, "--data-dir", data_dir, "--root", root, "--env-file", "", "--database-url", "", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["kind"] == kind and Path(doc["path"]).parent == root / kind
    assert log_messages(root / "backup.log")[0] == f"Starting {kind} backup"
