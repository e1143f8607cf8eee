"""Tests of the backup's operations-manual extras: optional parts missing (a warning, exit 3), extra parts
such as /etc/letsencrypt (modelled on certbot's tree: live/ links into archive/), the manual's BACKUP_EMAIL
on success and failure through a real SMTP sink (aiosmtpd on 127.0.0.1), `restore --part env` (mode 0600)
and the monthly `test-restore`."""

from __future__ import annotations

import json
import os
import socket
import stat
from pathlib import Path

import pytest
from backup_support import (
    cli,
    flip_middle_byte,
    log_messages,
    make_config,
    make_data_dir,
    make_env_file,
    snapshot,
)
from smtp_support import (
    free_port,
    smtp_sink,  # noqa: F401 (registers the fixture `smtp` here)
)

from mkslog.backup.verify import verify_backup


@pytest.fixture
def setup(tmp_path: Path) -> dict[str, Path]:
    data, env = make_data_dir(tmp_path), make_env_file(tmp_path)
    le = tmp_path / "letsencrypt"
    (le / "archive/mirai.example.com").mkdir(parents=True)
    (le / "live/mirai.example.com").mkdir(parents=True)
    (le / "archive/mirai.example.com/fullchain1.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    (le / "archive/mirai.example.com/privkey1.pem").write_text("-----BEGIN PRIVATE KEY-----\n")
    for name in ("fullchain", "privkey"):
        os.symlink(f"../../archive/mirai.example.com/{name}1.pem", le / f"live/mirai.example.com/{name}.pem")
    return {"data": data, "env": env, "le": le, "config": make_config(tmp_path), "root": tmp_path / "backups"}


def with_mail(config: Path, port: int) -> Path:
    with open(config, "a") as fh:
        fh.write(f'email = ["backup@example.com"]\n[alerts]\nsmtp_host = "127.0.0.1"\nsmtp_port = {port}\n'
                 'from = "mkslog@test.example"\n')
    return config


def test_extra_part_is_backed_up_and_verifies(setup):
    made = cli("create", "--kind", "daily", "--config", setup["config"], "--extra", setup["le"], "--as", "json")
    assert made.exit_code == 0, made.output
    doc = json.loads(made.stdout)
    extra = [f for f in doc["files"] if f["name"].startswith("extra_")]
    assert [f["name"][:18] for f in extra] == ["extra_letsencrypt_"]
    manifest = json.loads((Path(doc["path"]) / "MANIFEST.json").read_text())
    assert manifest["extras"] == [{"name": extra[0]["name"], "path": str(setup["le"])}]
    members = {m["name"]: m for e in manifest["files"] if e["name"] == extra[0]["name"] for m in e["members"]}
    assert members["letsencrypt/live/mirai.example.com/privkey.pem"]["linkname"] == (
        "../../archive/mirai.example.com/privkey1.pem")
    assert verify_backup(doc["path"]).ok
    assert f"Extra backup completed: {doc['path']}/{extra[0]['name']} ({extra[0]['size']} bytes)" in log_messages(
        setup["root"] / "backup.log")


def test_missing_env_and_extra_are_warnings_and_the_data_is_still_backed_up(setup, tmp_path):
    setup["env"].unlink()
    gone = tmp_path / "no-letsencrypt"
    made = cli("create", "--kind", "daily", "--config", setup["config"], "--extra", gone)
    assert made.exit_code == 3, made.output
    assert made.stderr.splitlines() == [f"Warning: Config file not found, skipped: {setup['env']}",
                                        f"Warning: Extra part not found, skipped: {gone}"]
    backup = next((setup["root"] / "daily").iterdir())
    assert sorted(p.name[:5] for p in backup.iterdir()) == ["MANIF", "data_"]
    messages = log_messages(setup["root"] / "backup.log")
    assert messages[1].startswith(f"WARNING: Config file not found, skipped: {setup['env']} (")
    assert messages[-1] == (f"WARNING: Daily backup partial: Config file not found, skipped: {setup['env']}; "
                            f"Extra part not found, skipped: {gone}")


def test_backup_mail_on_success_partial_and_failure(setup, smtp, tmp_path):
    collector, port = smtp
    config = with_mail(setup["config"], port)
    host = socket.gethostname()
    ok = cli("create", "--kind", "daily", "--config", config)
    assert ok.exit_code == 0, ok.output
    [mail] = collector.messages
    assert (mail["Subject"], mail["To"]) == (f"Backup OK: daily on {host}", "backup@example.com")
    assert mail.get_content().startswith(f"Daily backup created: {setup['root']}/daily/")

    setup["env"].unlink()
    partial = cli("create", "--kind", "weekly", "--config", config)
    assert partial.exit_code == 3
    assert collector.messages[1]["Subject"] == f"Backup PARTIAL: weekly on {host}"
    assert f"Warning: Config file not found, skipped: {setup['env']}" in collector.messages[1].get_content()

    failed = cli("create", "--kind", "monthly", "--config", config, "--data-dir", tmp_path / "nope")
    assert failed.exit_code == 1
    assert collector.messages[2]["Subject"] == f"Backup FAILED: monthly on {host}"
    assert collector.messages[2].get_content().startswith("Monthly backup failed: nothing to back up: ")


def test_backup_mail_that_cannot_be_sent_is_a_warning_not_a_failure(setup):
    config = with_mail(setup["config"], free_port())  # nobody listens there
    made = cli("create", "--kind", "daily", "--config", config)
    assert made.exit_code == 0
    assert made.stderr.startswith("Warning: mail to backup@example.com via 127.0.0.1:")
    assert log_messages(setup["root"] / "backup.log")[-1].startswith("WARNING: Backup mail failed: mail to ")


def test_backup_mail_without_smtp_server_is_refused_up_front(setup):
    with open(setup["config"], "a") as fh:
        fh.write('email = ["backup@example.com"]\n')
    made = cli("create", "--kind", "daily", "--config", setup["config"])
    assert (made.exit_code, made.stderr) == (1, "Error: backup.email is set but alerts.smtp_host is not: set the "
                                                "SMTP server in the [alerts] table of mkslog.toml, or empty "
                                                "backup.email\n")
    assert not setup["root"].exists()


def test_restore_part_env_puts_the_env_file_back_with_mode_0600(setup):
    made = json.loads(cli("create", "--kind", "daily", "--config", setup["config"], "--as", "json").stdout)
    original = setup["env"].read_bytes()
    setup["env"].write_text("SECRET_KEY=changed\n")
    setup["env"].chmod(0o644)
    done = cli("restore", made["path"], "--part", "env", "--config", setup["config"], "--as", "json")
    assert done.exit_code == 0, done.output
    doc = json.loads(done.stdout)
    assert setup["env"].read_bytes() == original
    assert stat.S_IMODE(setup["env"].stat().st_mode) == 0o600
    previous = Path(doc["previous"])
    assert previous.read_text() == "SECRET_KEY=changed\n" and stat.S_IMODE(previous.stat().st_mode) == 0o600
    assert log_messages(setup["root"] / "backup.log")[-1] == (
        f"Restored {made['path']}/.env.production to {setup['env']}")
    elsewhere = setup["root"].parent / "restored" / ".env.production"
    text = cli("restore", made["path"], "--part", "env", "--to", elsewhere, "--config", setup["config"])
    assert text.output == f"Restored the env file of {made['path']} to {elsewhere} (mode 0600)\n"
    no_target = cli("restore", made["path"], "--config", setup["config"])
    assert no_target.exit_code == 2 and "--to TARGET is required" in no_target.output


def test_test_restore_checks_every_file_logs_and_cleans_up(setup, tmp_path):
    cli("create", "--kind", "daily", "--config", setup["config"])
    work = tmp_path / "work"
    work.mkdir()
    before = snapshot(setup["data"])
    result = cli("test-restore", "--config", setup["config"], "--workdir", work, "--as", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    files = sum(1 for _ in (p for p in setup["data"].rglob("*") if p.is_file() and not p.is_symlink()))
    assert doc["ok"] is True and doc["files_checked"] == files + 1  # every data file and the env file
    assert os.listdir(work) == []  # the temporary restore is gone
    assert snapshot(setup["data"]) == before  # the live data was never touched
    backup = doc["backup"]
    assert log_messages(setup["root"] / "backup.log")[-1] == f"Restore test OK: {backup} ({files + 1} files checked)"

    flip_middle_byte(next(Path(backup).glob("data_*.tar.gz")))
    broken = cli("test-restore", backup, "--config", setup["config"], "--workdir", work)
    assert broken.exit_code == 1
    assert broken.stderr.startswith(f"Error: restore test failed: {backup}: verification failed: ")
    assert log_messages(setup["root"] / "backup.log")[-1].startswith(f"ERROR: Restore test failed: {backup}: ")
    assert os.listdir(work) == []


def test_test_restore_without_backups_is_a_clear_error(setup):
    result = cli("test-restore", "--config", setup["config"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: no complete backup in {setup['root']} to test")
