"""Helpers shared by the backup tests: a real-looking data directory (nested, unicode, empty and
binary files, links, modes, a hard link), an env file, mkslog.toml, snapshots of trees, backups of a
given age. Plain functions: each test module wraps the ones it needs in its own fixtures."""

from __future__ import annotations

import os
import re
import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from mkslog.backup.create import CreateResult, create_backup
from mkslog.cli.main import main

LOG_LINE = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) - (.*)")
NOW = datetime(2026, 11, 16, 2, 0, 1)


# ---------------------------------------------------------------- helpers


def make_data_dir(tmp_path: Path) -> Path:
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


def make_env_file(tmp_path: Path) -> Path:
    env = tmp_path / ".env.production"
    env.write_text("SECRET_KEY=s3cr3t\nMKS_DATABASE_URL=\n")
    env.chmod(0o600)
    return env


def make_config(tmp_path: Path) -> Path:
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


def make_backup(root: Path, data: Path, kind: str = "daily", when: datetime = NOW, **kw) -> CreateResult:
    return create_backup(kind, root, data, min_free_mb=0, now=when, log_path=root / "backup.log", **kw)


def flip_middle_byte(path: Path) -> None:
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))


def aged_backup(root: Path, data: Path, kind: str, days_old: float, now: datetime, corrupt: bool = False) -> Path:
    """A backup made as of `days_old` days before `now`, its directory mtime set to match."""
    when = now - timedelta(days=days_old)
    path = make_backup(root, data, kind, when=when).path
    if corrupt:
        flip_middle_byte(next(path.glob("data_*.tar.gz")))
    stamp = when.timestamp()
    os.utime(path, (stamp, stamp))  # retention goes by the directory's mtime
    return path


# The fixtures every backup test module uses, defined once (the modules import them by these names).
@pytest.fixture(name="data_dir")
def data_dir_fixture(tmp_path: Path) -> Path:
    return make_data_dir(tmp_path)


@pytest.fixture(name="env_file")
def env_file_fixture(tmp_path: Path) -> Path:
    return make_env_file(tmp_path)


@pytest.fixture(name="config")
def config_fixture(tmp_path: Path, data_dir: Path, env_file: Path) -> Path:
    return make_config(tmp_path)
