"""Tests of mkslog.retention and `mkslog logs prune|du`: a temp tree laid out like /var/log on the
manual's box (nginx and the app's logs rotated by logrotate: numbered, .gz and dateext members),
with mtimes set by os.utime, a live log older than the cut-off, a symlink, and old rotated logs in a
folder mkslog.toml does not name."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from mkslog.cli.main import main

DAY = 86400
NOW = time.time()


def put(path: Path, size: int, age_days: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    os.utime(path, (NOW - age_days * DAY, NOW - age_days * DAY))
    return path


@pytest.fixture
def tree(tmp_path: Path) -> dict[str, Path]:
    nginx, app, other = tmp_path / "log/nginx", tmp_path / "log/mks", tmp_path / "log/other"
    files = {
        "live_old": put(nginx / "access.log", 100, 90),  # a live log older than the cut-off: never removed
        "n1": put(nginx / "access.log.1", 200, 1),
        "n2": put(nginx / "access.log.2.gz", 300, 31),
        "n3": put(nginx / "access.log.3.gz", 400, 45),
        "err_old": put(nginx / "error.log.5.gz", 50, 40),  # another configured set in the same folder
        "app_live": put(app / "app.log", 10, 0),
        "app_dated": put(app / "app.log-20260101.gz", 1000, 60),
        "app_recent": put(app / "app.log-20261120", 20, 2),
        "other_old": put(other / "x.log.9.gz", 5000, 300),  # not a configured folder
    }
    os.symlink(files["other_old"], nginx / "access.log.7.gz")
    files["link"] = nginx / "access.log.7.gz"
    cfg = tmp_path / "mkslog.toml"
    cfg.write_text('store = "store"\n[logs.access]\npaths = ["log/nginx/access.log*"]\n'
                   '[logs.nginx_error]\npaths = ["log/nginx/error.log*"]\n[logs.app]\npaths = ["log/mks/app.log*"]\n'
                   '[logs.gunicorn_access]\npaths = []\n[logs.gunicorn_error]\npaths = []\n[logs.health]\npaths = []\n'
                   '[logs.metrics]\npaths = []\n[logs.backup]\npaths = []\n'
                   '[backup]\nroot = "backups"\n[retention]\nlog = "log/mks/retention.log"\n')
    files["config"] = cfg
    return files


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_prune_dry_run_lists_and_keeps_everything(tree):
    before = sorted(p.name for p in tree["n1"].parent.iterdir())
    result = cli("logs", "prune", "--older-than", "30d", "--dry-run", "--config", tree["config"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"would delete {tree['n3']} (400 B)",
        f"would delete {tree['n2']} (300 B)",
        f"would delete {tree['err_old']} (50 B)",
        f"would delete {tree['app_dated']} (1000 B)",
        f"skipped {tree['link']}: symlink, not followed",
        "4 rotated logs would delete, 1.7 KiB would be freed; 2 live logs and 2 recent rotated logs kept",
    ]
    assert sorted(p.name for p in tree["n1"].parent.iterdir()) == before
    assert not (tree["app_live"].parent / "retention.log").exists()


def test_prune_removes_only_old_rotated_members_inside_the_configured_folders(tree):
    result = cli("logs", "prune", "--older-than", "30d", "--as", "json", "--config", tree["config"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    gone = {"n2", "n3", "err_old", "app_dated"}
    assert sorted(doc["removed"]) == sorted(str(tree[k]) for k in gone)
    assert doc["bytes_freed"] == 300 + 400 + 50 + 1000
    assert sorted(doc["live"]) == sorted([str(tree["live_old"]), str(tree["app_live"])])
    for key, path in tree.items():
        if key != "config":
            assert os.path.lexists(path) == (key not in gone), key
    assert tree["other_old"].read_bytes() == b"x" * 5000  # the symlink's target is untouched
    lines = (tree["app_live"].parent / "retention.log").read_text().splitlines()
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d - "
    assert len(lines) == 5
    assert re.fullmatch(stamp + re.escape(f"Removed rotated log: {tree['n3']} (400 bytes)"), lines[0])
    assert re.fullmatch(stamp + re.escape("Log retention: removed 4 rotated logs older than 30 days, "
                                          "freed 1750 bytes"), lines[-1])
    # A second run finds nothing more to delete.
    again = cli("logs", "prune", "--config", tree["config"])
    assert again.output.splitlines()[-1].startswith("0 rotated logs deleted, 0 B freed; ")


def test_prune_text_output(tree):
    result = cli("logs", "prune", "--older-than", "50d", "--config", tree["config"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"deleted {tree['app_dated']} (1000 B)",
        f"skipped {tree['link']}: symlink, not followed",
        "1 rotated logs deleted, 1000 B freed; 2 live logs and 5 recent rotated logs kept",
    ]


def test_a_pattern_over_folders_never_follows_a_linked_folder_out(tree, tmp_path):
    """``log/*/y.log*`` names the folders under log/; one of them is a symlink to a folder elsewhere, whose
    old rotated logs must stay (the manual's find would not follow the link either)."""
    from datetime import timedelta

    from mkslog.retention import prune_logs

    elsewhere = put(tmp_path / "elsewhere/y.log.3.gz", 10, 100)
    inside = put(tmp_path / "log/mks/y.log.2.gz", 10, 100)
    os.symlink(elsewhere.parent, tmp_path / "log/linked")
    done = prune_logs({"y": [str(tmp_path / "log/*/y.log*")]}, timedelta(days=1))
    assert done.removed == [inside] and not inside.exists() and elsewhere.exists()
    assert done.skipped == [{"path": str(tmp_path / "log/linked/y.log.3.gz"),
                             "reason": f"outside the configured directory {tmp_path / 'log/*'}"}]


def test_bad_age_is_a_clear_error(tree):
    result = cli("logs", "prune", "--older-than", "soon", "--config", tree["config"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cannot understand duration 'soon'")
    zero = cli("logs", "prune", "--older-than", "0d", "--config", tree["config"])
    assert (zero.exit_code, zero.stderr) == (1, "Error: --older-than must be a positive age, got 0:00:00 (e.g. 30d)\n")


def test_du_sizes_the_log_folders_the_store_and_the_backups(tree, tmp_path):
    put(tmp_path / "backups/daily/20261116/data.tar.gz", 7000, 0)
    result = cli("logs", "du", "--as", "json", "--config", tree["config"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [(d["what"], Path(d["path"]).name, d["bytes"], d["files"], d["exists"]) for d in doc] == [
        ("backups", "backups", 7000, 1, True),
        ("logs (access, nginx_error)", "nginx", 100 + 200 + 300 + 400 + 50 + 5000 * 0, 5, True),
        ("logs (app)", "mks", 1030, 3, True),
        ("store", "store", 0, 0, False),
    ] or doc
    text = cli("logs", "du", "--config", tree["config"]).output.splitlines()
    assert text[0].split() == ["6.8", "KiB", "1", "files", str(tmp_path / "backups"), "backups"]
    assert text[-1].split() == ["missing", str(tmp_path / "store"), "store"]


def test_logs_commands_have_help():
    for command in ("prune", "du"):
        result = cli("logs", command, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output
