"""Tests of mkslog.backup.create (with backup_archive, backup_pg) and `mkslog backup`: real files, real tar
archives, a real PostgreSQL cluster. Nothing under test is mocked.
"""

from __future__ import annotations

import doctest
import fcntl
import glob
import hashlib
import io
import json
import os
import pwd
import re
import shutil
import socket
import stat
import subprocess
import sys
import tarfile
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from mkslog.backup import archive as arc
from mkslog.backup import create as bk
from mkslog.backup import pg
from mkslog.cli.main import main
from mkslog.errors import BackupError

LOG_LINE = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) - (.*)")
NOW = datetime(2026, 11, 16, 2, 0, 1)


# ---------------------------------------------------------------- helpers and fixtures


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data directory with nested and unicode names, empty and binary files, links and modes."""
    d = tmp_path / "data"
    (d / "設計").mkdir(parents=True)
    (d / "nested" / "deeper" / "deepest").mkdir(parents=True)
    (d / "secret").mkdir(mode=0o700)
    (d / "bin").mkdir()
    (d / "notes.txt").write_text("hello\n", encoding="utf-8")
    (d / "設計" / "図面.txt").write_text("基礎の配筋図 ✓\n", encoding="utf-8")
    (d / "設計" / "empty.bin").write_bytes(b"")
    (d / "nested" / "deeper" / "deepest" / "all_bytes.bin").write_bytes(bytes(range(256)) * 300)
    (d / "secret" / "key.pem").write_text("-----BEGIN KEY-----\n")
    (d / "bin" / "run.sh").write_text("#!/bin/sh\necho run\n")
    os.chmod(d / "secret" / "key.pem", 0o600)
    os.chmod(d / "bin" / "run.sh", 0o755)
    os.chmod(d / "secret", 0o700)
    os.chmod(d, 0o750)
    os.symlink("notes.txt", d / "link_to_notes")
    os.symlink("../notes.txt", d / "設計" / "up")
    os.link(d / "notes.txt", d / "hard.txt")
    return d


@pytest.fixture
def env_file(tmp_path: Path) -> Path:
    env = tmp_path / ".env.production"
    env.write_text("SECRET_KEY=s3cr3t\nMKS_DATABASE_URL=\n")
    env.chmod(0o600)
    return env


@pytest.fixture
def config(tmp_path: Path, data_dir: Path, env_file: Path) -> Path:
    """mkslog.toml with relative paths, as an operator would write it next to the backups."""
    path = tmp_path / "mkslog.toml"
    path.write_text('[backup]\nroot = "backups"\ndata_dir = "data"\nenv_file = ".env.production"\n'
                    "min_free_mb = 0\n")
    return path


def snapshot(root: Path) -> dict[str, tuple]:
    """Everything a byte-identical restore must reproduce: types, contents, link targets, modes."""
    tree = {".": ("dir", oct(stat.S_IMODE(root.lstat().st_mode)))}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder, name)
            rel, st = path.relative_to(root).as_posix(), path.lstat()
            if stat.S_ISLNK(st.st_mode):
                tree[rel] = ("symlink", os.readlink(path))
            elif stat.S_ISDIR(st.st_mode):
                tree[rel] = ("dir", oct(stat.S_IMODE(st.st_mode)))
            else:
                tree[rel] = ("file", oct(stat.S_IMODE(st.st_mode)), path.read_bytes(), int(st.st_mtime))
    return tree


def log_messages(path: Path) -> list[str]:
    """The messages of backup.log, after checking that every line has the manual's format."""
    lines = path.read_text(encoding="utf-8").splitlines()
    matches = [LOG_LINE.fullmatch(line) for line in lines]
    assert all(matches), lines
    return [m.group(2) for m in matches]


def cli(*args: str) -> object:
    return CliRunner().invoke(main, ["backup", *map(str, args)], catch_exceptions=False)


def make_backup(root: Path, data: Path, kind: str = "daily", when: datetime = NOW, **kw) -> bk.CreateResult:
    return bk.create_backup(kind, root, data, min_free_mb=0, now=when, log_path=root / "backup.log", **kw)


def flip_middle_byte(path: Path) -> None:
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))


# ---------------------------------------------------------------- create and round trip


def test_round_trip_is_byte_identical(tmp_path, data_dir, env_file):
    made = make_backup(tmp_path / "backups", data_dir, env_file=env_file)
    restored = bk.restore_backup(made.path, tmp_path / "fresh" / "place" / "data")
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
        bk.create_backup("weekly", root, tmp_path / "gone", log_path=root / "backup.log")
    flip_middle_byte(archive)
    bk.verify_backup(made.path, log=bk.BackupLog(root / "backup.log"))
    messages = log_messages(root / "backup.log")[5:]
    assert messages[:2] == ["Starting weekly backup",
                            f"ERROR: Weekly backup failed: data directory not found: {tmp_path / 'gone'} "
                            "(give --data-dir or set backup.data_dir in mkslog.toml)"]
    assert messages[2].startswith(f"ERROR: Verification failed: {made.path}: data_20261116_020001.tar.gz: ")
    assert len(messages) == 3


def test_missing_data_dir_exits_1_with_a_clear_message(tmp_path, config):
    result = cli("create", "--kind", "daily", "--config", config, "--data-dir", tmp_path / "nope")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (f"Error: data directory not found: {tmp_path / 'nope'} (give --data-dir or set "
                             "backup.data_dir in mkslog.toml)\n")
    assert not (tmp_path / "backups" / "daily").exists()  # nothing written for a doomed backup
    as_json = cli("create", "--kind", "daily", "--config", config, "--data-dir", tmp_path / "nope", "--json")
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout) == {
        "status": "failed", "kind": "daily", "root": str(tmp_path / "backups"),
        "error": f"data directory not found: {tmp_path / 'nope'} (give --data-dir or set backup.data_dir in "
                 "mkslog.toml)"}


def test_not_enough_free_space_is_refused_before_writing(tmp_path, data_dir):
    with pytest.raises(BackupError, match=r"^not enough free space on .*lower backup.min_free_mb\)$"):
        bk.create_backup("daily", tmp_path / "backups", data_dir, min_free_mb=1 << 40)
    assert not (tmp_path / "backups" / "daily").exists()


def test_backup_root_inside_the_data_dir_is_refused(tmp_path, data_dir):
    with pytest.raises(BackupError, match="lies inside the data directory"):
        bk.create_backup("daily", data_dir / "backups", data_dir)


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
    code = ("import sys, mkslog.backup.create, mkslog.cli.backup, mkslog.backup.pg, mkslog.backup.archive; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('polars', 'pyarrow')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_doctests():
    for module in (bk, arc, pg):
        assert doctest.testmod(module).failed == 0, module.__name__


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
    result = bk.verify_backup(made.path)
    assert not result.ok
    assert result.problems == [
        f".env.production: sha256 is {hashlib.sha256(env_copy.read_bytes()).hexdigest()!r}, MANIFEST.json says "
        f"{manifest['files'][0]['sha256']!r} (the file was changed or is corrupted)"]
    env_copy.unlink()
    (made.path / "stray.txt").write_text("?")
    assert bk.verify_backup(made.path).problems == [".env.production is missing",
                                                    "stray.txt is not in MANIFEST.json"]
    (made.path / "MANIFEST.json").unlink()
    assert bk.verify_backup(made.path).problems[0].startswith(f"no MANIFEST.json in {made.path}: the backup did "
                                                              "not finish")


def test_member_changed_inside_a_valid_archive_fails_verify(tmp_path, data_dir):
    made = make_backup(tmp_path / "backups", data_dir)
    archive = made.path / "data_20261116_020001.tar.gz"
    manifest = json.loads((made.path / "MANIFEST.json").read_text())
    (data_dir / "hard.txt").write_text("HELLO\n")  # same size, other content
    archive.unlink()
    arc.write_archive(data_dir, archive)
    manifest_entry = manifest["files"][0]
    problems = bk.verify_backup(made.path).problems
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
    assert bk.verify_backup(backup).ok  # the manifest matches: only the safety check stands in the way

    target = tmp_path / "srv" / "data"
    target.mkdir(parents=True)
    (target / "current.txt").write_text("live data")
    before, siblings = snapshot(target), sorted(os.listdir(target.parent))
    result = cli("restore", backup, "--to", target)
    assert result.exit_code == 1
    assert result.stderr == f"Error: refusing to restore {backup}: unsafe archive member {why}; nothing was changed\n"
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


# ---------------------------------------------------------------- retention


def _aged_backup(root: Path, data: Path, kind: str, days_old: float, now: datetime, corrupt: bool = False) -> Path:
    when = now - timedelta(days=days_old)
    path = make_backup(root, data, kind, when=when).path
    if corrupt:
        flip_middle_byte(next(path.glob("data_*.tar.gz")))
    stamp = when.timestamp()
    os.utime(path, (stamp, stamp))  # retention goes by the directory's mtime
    return path


def test_prune_removes_exactly_the_expired_backups(tmp_path, data_dir):
    root, now = tmp_path / "backups", datetime.now()
    b = {
        "d40": _aged_backup(root, data_dir, "daily", 40, now),
        "d31": _aged_backup(root, data_dir, "daily", 31, now),
        "d29": _aged_backup(root, data_dir, "daily", 29, now),
        "d1": _aged_backup(root, data_dir, "daily", 1, now),
        "w120": _aged_backup(root, data_dir, "weekly", 120, now),
        "w100": _aged_backup(root, data_dir, "weekly", 100, now),  # newest verified weekly: kept
        "w10": _aged_backup(root, data_dir, "weekly", 10, now, corrupt=True),
        "m500": _aged_backup(root, data_dir, "monthly", 500, now),
        "m400": _aged_backup(root, data_dir, "monthly", 400, now),  # all expired: the newest stays
        "x900": _aged_backup(root, data_dir, "manual", 900, now),  # manual: kept forever
    }
    outside = tmp_path / "elsewhere" / "20200101"  # old and backup-shaped, but not ours
    outside.mkdir(parents=True)
    (outside / "precious.txt").write_text("keep me")
    os.utime(outside, (0, 0))
    os.symlink(outside, root / "daily" / "20200101")
    expected = [b["d40"], b["d31"], b["w120"], b["m500"]]
    everything = snapshot(root)

    dry = bk.prune_backups(root, {"daily": 30, "weekly": 84, "monthly": 365, "manual": 0}, dry_run=True, now=now)
    assert sorted(dry.removed) == sorted(expected)
    assert sorted(dry.protected) == sorted([b["w100"], b["m400"]])
    assert dry.skipped == [{"path": str(root / "daily" / "20200101"), "reason": "symlink, not followed"}]
    assert snapshot(root) == everything

    log = bk.BackupLog(root / "backup.log")
    done = bk.prune_backups(root, None, log=log, now=now)  # None: the manual's defaults
    assert sorted(done.removed) == sorted(expected) and done.kept == 6
    assert sorted(p for p in b.values() if p.exists()) == sorted(set(b.values()) - set(expected))
    assert (outside / "precious.txt").read_text() == "keep me" and (root / "daily" / "20200101").is_symlink()
    removed_lines = [m for m in log_messages(root / "backup.log") if m.startswith("Removed expired backup: ")]
    assert sorted(removed_lines) == sorted(f"Removed expired backup: {p}" for p in expected)


def test_prune_cli_dry_run_json_and_symlinked_kind_dir(tmp_path, data_dir, config):
    root, now = tmp_path / "backups", datetime.now()
    old = _aged_backup(root, data_dir, "daily", 45, now)
    new = _aged_backup(root, data_dir, "daily", 2, now)
    elsewhere = tmp_path / "elsewhere"
    _aged_backup(elsewhere, data_dir, "weekly", 400, now)
    os.symlink(elsewhere / "weekly", root / "weekly")  # a whole kind dir pointing out of the root

    dry = cli("prune", "--config", config, "--dry-run", "--json")
    assert dry.exit_code == 0
    assert json.loads(dry.stdout) == {
        "status": "ok", "root": str(root), "dry_run": True, "removed": [str(old)], "protected": [], "kept": 1,
        "skipped": [{"path": str(root / "weekly"), "reason": "symlink, not followed"}]}
    assert old.exists()
    real = cli("prune", "--config", config)
    assert real.output == (f"removed {old}\nskipped {root / 'weekly'}: symlink, not followed\n1 removed, 1 kept\n")
    assert not old.exists() and new.exists() and len(os.listdir(elsewhere / "weekly")) == 1


def test_bad_retention_setting_is_a_clear_error(tmp_path):
    (tmp_path / "r").mkdir()
    with pytest.raises(BackupError, match=r"backup.retention_days.daily must be a whole number of days >= 0"):
        bk.prune_backups(tmp_path / "r", {"daily": "30"})


# ---------------------------------------------------------------- database URLs


@pytest.mark.parametrize("url, env, display", [
    ("postgresql://mks:p%40ss%3Aw%2Frd@db.example:5433/mirai?sslmode=require",
     {"PGUSER": "mks", "PGPASSWORD": "p@ss:w/rd", "PGHOST": "db.example", "PGPORT": "5433",
      "PGDATABASE": "mirai", "PGSSLMODE": "require"},
     "postgresql://mks:***@db.example:5433/mirai?sslmode=require"),
    ("postgres://%2Fvar%2Frun%2Fpostgresql:5432/mirai",
     {"PGHOST": "/var/run/postgresql", "PGPORT": "5432", "PGDATABASE": "mirai"},
     "postgresql://%2Fvar%2Frun%2Fpostgresql:5432/mirai"),
    ("postgresql:///mirai?host=/tmp/pg%20dir&user=mks&password=a%26b",
     {"PGHOST": "/tmp/pg dir", "PGUSER": "mks", "PGPASSWORD": "a&b", "PGDATABASE": "mirai"},
     "postgresql://mks:***@%2Ftmp%2Fpg%20dir/mirai"),
    ("postgresql+psycopg2://Mks@[::1]:6543/Mirai%20DB?connect_timeout=3",
     {"PGUSER": "Mks", "PGHOST": "::1", "PGPORT": "6543", "PGDATABASE": "Mirai DB", "PGCONNECT_TIMEOUT": "3"},
     "postgresql://Mks@[::1]:6543/Mirai%20DB?connect_timeout=3"),
])
def test_database_url_becomes_libpq_environment(url, env, display):
    target = pg.parse_database_url(url)
    assert (target.env, target.display) == (env, display)
    assert "p@ss" not in repr(target)


@pytest.mark.parametrize("url, message", [
    ("mysql://u@h/db", "not a PostgreSQL URL (scheme 'mysql')"),
    ("postgresql://u@h:notaport/db", "bad port in the database URL"),
    ("postgresql://u@h/db?sslmod=require", "unknown parameter 'sslmod' in the database URL"),
])
def test_bad_database_urls_are_clear_errors(url, message):
    with pytest.raises(BackupError, match=re.escape(message)):
        pg.parse_database_url(url)


def test_credentials_go_through_the_environment_only():
    if not shutil.which("pg_dump") and not glob.glob("/usr/lib/postgresql/*/bin/pg_dump"):
        pytest.skip("PostgreSQL client not installed")
    target = pg.parse_database_url("postgresql://mks:TopSecret@h:5/db")
    argv = pg.dump_command(target) + pg.restore_command(target)
    assert not any("TopSecret" in a or "h:5" in a or a == "db" for a in argv)
    assert pg.child_env(target)["PGPASSWORD"] == "TopSecret"


def test_database_url_resolution_order(tmp_path):
    env = tmp_path / ".env.production"
    env.write_text("# comment\nexport MKS_DATABASE_URL='postgresql://a@h/from_env'\n")
    assert pg.resolve_database_url("postgresql://x@h/cli", env, "postgresql://c@h/cfg") == "postgresql://x@h/cli"
    assert pg.resolve_database_url(None, env, "postgresql://c@h/cfg") == "postgresql://a@h/from_env"
    assert pg.resolve_database_url(None, tmp_path / "missing", "postgresql://c@h/cfg") == "postgresql://c@h/cfg"
    assert pg.resolve_database_url("", env, "postgresql://c@h/cfg") is None


# ---------------------------------------------------------------- PostgreSQL for real


def _pg_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A throwaway PostgreSQL cluster: data, socket and log in one temp dir; superuser via trust."""

    def __init__(self, bindir: Path):
        self.bindir, self.port = bindir, _free_port()
        self.base = Path(tempfile.mkdtemp(prefix="mkslog-pg-"))  # not under pytest's 0700 root dir
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # initdb refuses to run as root: use the package's postgres user
            owner = pwd.getpwnam("postgres" if _user_exists("postgres") else "nobody")
            os.chown(self.base, owner.pw_uid, owner.pw_gid)
            self.as_user = ["runuser", "-u", owner.pw_name, "--"]
        self.data = self.base / "data"
        self._run(str(bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--no-locale", "-N")
        # The application user must authenticate with its password, on the socket and over TCP.
        (self.data / "pg_hba.conf").write_text(
            "local all postgres trust\nhost all postgres 127.0.0.1/32 trust\n"
            "local all all scram-sha-256\nhost all all 127.0.0.1/32 scram-sha-256\n")
        self._run(str(bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.base / "server.log"), "-w",
                  "-o", f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def _run(self, *cmd: str) -> None:
        subprocess.run([*self.as_user, *cmd], check=True, capture_output=True)

    def superuser_sql(self, sql: str, db: str = "postgres") -> str:
        return self.psql(sql, {"PGHOST": str(self.base), "PGPORT": str(self.port), "PGUSER": "postgres",
                               "PGDATABASE": db})

    def psql(self, sql: str, env: dict[str, str], check: bool = True) -> str:
        clean = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        proc = subprocess.run([str(self.bindir / "psql"), "-X", "-w", "-q", "-tA", "-v", "ON_ERROR_STOP=1"],
                              input=sql, capture_output=True, text=True, env=clean | env, check=False)
        if check and proc.returncode != 0:
            raise AssertionError(proc.stderr)
        return proc.stdout if proc.returncode == 0 else "FAILED: " + proc.stderr

    def stop(self) -> None:
        subprocess.run([*self.as_user, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                        "stop"], capture_output=True, check=False)
        shutil.rmtree(self.base, ignore_errors=True)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


@pytest.fixture(scope="module")
def cluster(request):
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed: apt-get install postgresql")
    c = Cluster(bindir)
    request.addfinalizer(c.stop)
    c.superuser_sql("CREATE ROLE mks LOGIN CREATEDB PASSWORD 'p@ss:w/rd';\n"
                    "CREATE DATABASE mirai OWNER mks ENCODING 'UTF8' TEMPLATE template0;\n")
    return c


SCHEMA = """
CREATE TABLE knowledge (id serial PRIMARY KEY, title text NOT NULL, body text,
                        created timestamptz NOT NULL DEFAULT '2026-11-16 02:00:00+09');
CREATE TABLE tags (knowledge_id int REFERENCES knowledge(id), tag text);
INSERT INTO knowledge (title, body) VALUES ('基礎工事の手順', 'コンクリート打設 ✓'),
  ('Bridge inspection', 'rust on girder #3'), ('quote''s | pipe', E'line1\\nline2');
INSERT INTO tags VALUES (1, '土木'), (2, 'steel'), (3, NULL);
"""
ROWS = ("SELECT k.id, k.title, k.body, k.created, t.tag FROM knowledge k LEFT JOIN tags t "
        "ON t.knowledge_id = k.id ORDER BY k.id, t.tag;")


def test_postgresql_backup_drop_restore(tmp_path, cluster, config, data_dir):
    tcp = f"postgresql://mks:p%40ss%3Aw%2Frd@127.0.0.1:{cluster.port}/mirai?sslmode=disable"
    sock = f"postgresql://mks:p%40ss%3Aw%2Frd@{str(cluster.base).replace('/', '%2F')}:{cluster.port}/mirai"
    app_env = pg.parse_database_url(tcp).env
    cluster.psql(SCHEMA, app_env)
    before = cluster.psql(ROWS, app_env)
    assert "基礎工事の手順" in before and before.count("\n") == 4
    no_password = {k: v for k, v in app_env.items() if k != "PGPASSWORD"}
    assert cluster.psql("SELECT 1;", no_password, check=False).startswith("FAILED")  # the password is needed

    made = cli("create", "--kind", "daily", "--config", config, "--database-url", tcp, "--json")
    assert made.exit_code == 0, made.output
    doc = json.loads(made.stdout)
    dump = Path(doc["path"]) / [f["name"] for f in doc["files"] if f["name"].startswith("database_")][0]
    assert doc["database"] == f"postgresql://mks:***@127.0.0.1:{cluster.port}/mirai?sslmode=disable"
    log = tmp_path / "backups" / "backup.log"
    assert f"Database backup completed: {dump} ({dump.stat().st_size} bytes)" in log_messages(log)
    assert "p@ss" not in log.read_text() and "p%40ss" not in log.read_text()

    cluster.superuser_sql("DROP DATABASE mirai;")
    restored = cli("restore", doc["path"], "--to", tmp_path / "restored", "--database", "--database-url", sock,
                   "--config", config)
    assert restored.exit_code == 0, restored.output
    assert restored.output.splitlines()[-1] == f"Database restored into {pg.parse_database_url(sock).display}"
    assert cluster.psql(ROWS, app_env) == before
    # The sequence came back too: the next row continues the numbering.
    assert cluster.psql("INSERT INTO knowledge (title) VALUES ('new') RETURNING id;", app_env).strip() == "4"
    assert snapshot(tmp_path / "restored") == snapshot(data_dir)
    assert log_messages(log)[-1] == f"Restored {dump} to {pg.parse_database_url(sock).display}"

    # Restoring over a live database (not dropped) replaces its tables with the dumped ones.
    again = cli("restore", doc["path"], "--to", tmp_path / "restored", "--database", "--database-url", tcp,
                "--config", config)
    assert again.exit_code == 0, again.output
    assert cluster.psql(ROWS, app_env) == before
    assert sorted(p.name[:13] for p in tmp_path.iterdir() if p.name.startswith("restored")) == [
        "restored", "restored.old-"]


def test_failed_database_steps_are_reported_and_undone(tmp_path, cluster, config, data_dir):
    wrong = f"postgresql://mks:wrong@127.0.0.1:{cluster.port}/mirai"
    made = cli("create", "--kind", "daily", "--config", config, "--database-url", wrong, "--json")
    assert made.exit_code == 1
    doc = json.loads(made.stdout)
    assert doc["status"] == "partial" and [f["name"][:5] for f in doc["files"]] == ["data_", ".env."]
    assert made.stderr.startswith(f"Error: database backup failed: pg_dump of "
                                  f"postgresql://mks:***@127.0.0.1:{cluster.port}/mirai exited with 1: ")
    messages = log_messages(tmp_path / "backups" / "backup.log")
    assert messages[3].startswith("ERROR: Database backup failed: pg_dump of ")
    assert "password authentication failed" in messages[3]
    assert messages[-1].startswith("ERROR: Daily backup failed: database backup failed: ")
    assert bk.verify_backup(doc["path"]).ok  # the data part is a valid backup
    assert json.loads(cli("list", "--config", config, "--json").stdout)["backups"][0]["complete"] is False

    # A backup with a dump (written with the right password), restored with the wrong one.
    good = make_backup(tmp_path / "other", data_dir,
                       database_url=f"postgresql://mks:p%40ss%3Aw%2Frd@127.0.0.1:{cluster.port}/mirai")
    target = tmp_path / "srv" / "data"
    target.mkdir(parents=True)
    (target / "current.txt").write_text("live data")
    before = snapshot(target)
    with pytest.raises(BackupError, match=r"password authentication failed.*the data restore was undone and "):
        bk.restore_backup(good.path, target, database_url=wrong, restore_db=True)
    assert snapshot(target) == before and sorted(os.listdir(target.parent)) == ["data"]


@pytest.mark.parametrize("kind", ["daily", "weekly", "monthly"])
def test_shorthand_commands_create_that_kind(tmp_path, data_dir, kind):
    """`backup daily` (DESIGN.md's name) is `backup create --kind daily`."""
    root = tmp_path / "root"
    result = cli(kind, "--data-dir", data_dir, "--root", root, "--env-file", "", "--database-url", "", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["kind"] == kind and Path(doc["path"]).parent == root / kind
    assert log_messages(root / "backup.log")[0] == f"Starting {kind} backup"
