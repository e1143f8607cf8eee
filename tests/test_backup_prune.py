"""Tests of mkslog.backup.prune: retention per kind, the newest verified backup kept, symlinks never
followed. Real backup directories aged through their mtime.
"""

from __future__ import annotations

import json
import os
from datetime import datetime

import pytest
from backup_support import (  # noqa: F401 (fixtures)
    aged_backup,
    cli,
    config_fixture,
    data_dir_fixture,
    env_file_fixture,
    log_messages,
    make_config,
    make_data_dir,
    make_env_file,
    snapshot,
)

from mkslog.backup.log import BackupLog
from mkslog.backup.prune import prune_backups
from mkslog.backup.verify import verify_backup
from mkslog.errors import BackupError


def test_prune_removes_exactly_the_expired_backups(tmp_path, data_dir):
    root, now = tmp_path / "backups", datetime.now()
    b = {
        "d40": aged_backup(root, data_dir, "daily", 40, now),
        "d31": aged_backup(root, data_dir, "daily", 31, now),
        "d29": aged_backup(root, data_dir, "daily", 29, now),
        "d1": aged_backup(root, data_dir, "daily", 1, now),
        "w120": aged_backup(root, data_dir, "weekly", 120, now),
        "w100": aged_backup(root, data_dir, "weekly", 100, now),  # newest verified weekly: kept
        "w10": aged_backup(root, data_dir, "weekly", 10, now, corrupt=True),
        "m500": aged_backup(root, data_dir, "monthly", 500, now),
        "m400": aged_backup(root, data_dir, "monthly", 400, now),  # all expired: the newest stays
        "x900": aged_backup(root, data_dir, "manual", 900, now),  # manual: kept forever
    }
    outside = tmp_path / "elsewhere" / "20200101"  # old and backup-shaped, but not ours
    outside.mkdir(parents=True)
    (outside / "precious.txt").write_text("keep me")
    os.utime(outside, (0, 0))
    os.symlink(outside, root / "daily" / "20200101")
    expected = [b["d40"], b["d31"], b["w120"], b["m500"]]
    everything = snapshot(root)

    dry = prune_backups(root, {"daily": 30, "weekly": 84, "monthly": 365, "manual": 0}, dry_run=True, now=now)
    assert sorted(dry.removed) == sorted(expected)
    assert sorted(dry.protected) == sorted([b["w100"], b["m400"]])
    assert dry.skipped == [{"path": str(root / "daily" / "20200101"), "reason": "symlink, not followed"}]
    assert snapshot(root) == everything

    log = BackupLog(root / "backup.log")
    done = prune_backups(root, None, log=log, now=now)  # None: the manual's defaults
    assert sorted(done.removed) == sorted(expected) and done.kept == 6
    assert sorted(p for p in b.values() if p.exists()) == sorted(set(b.values()) - set(expected))
    assert (outside / "precious.txt").read_text() == "keep me" and (root / "daily" / "20200101").is_symlink()
    removed_lines = [m for m in log_messages(root / "backup.log") if m.startswith("Removed expired backup: ")]
    assert sorted(removed_lines) == sorted(f"Removed expired backup: {p}" for p in expected)


def test_prune_cli_dry_run_json_and_symlinked_kind_dir(tmp_path, data_dir, config):
    root, now = tmp_path / "backups", datetime.now()
    old = aged_backup(root, data_dir, "daily", 45, now)
    new = aged_backup(root, data_dir, "daily", 2, now)
    elsewhere = tmp_path / "elsewhere"
    aged_backup(elsewhere, data_dir, "weekly", 400, now)
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
        prune_backups(tmp_path / "r", {"daily": "30"})


def test_hollow_backup_is_never_the_newest_verified_one(tmp_path, data_dir):
    """Issue 20.12: a newer backup whose MANIFEST.json lists nothing once "verified" and was kept,
    while prune deleted the older one, the last backup that could be restored."""
    root, now = tmp_path / "backups", datetime.now()
    good = aged_backup(root, data_dir, "daily", 40, now)
    hollow = aged_backup(root, data_dir, "daily", 35, now)
    manifest = json.loads((hollow / "MANIFEST.json").read_text())
    manifest["files"] = []
    (hollow / "MANIFEST.json").write_text(json.dumps(manifest))
    os.utime(hollow, ((now.timestamp() - 35 * 86400),) * 2)

    done = prune_backups(root, None, now=now)
    assert (done.removed, done.protected, done.kept) == ([hollow], [good], 1)
    assert good.exists() and not hollow.exists()
    assert verify_backup(good).ok
