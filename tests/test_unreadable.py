"""An input this user may not read is an input problem: exit 1 and mkslog's own message saying what to
do, never click's usage text (exit 2) nor a traceback (issue 20, item 6).

Every command that takes paths meets a file of mode 000: the query commands, parse, ingest (a log, and
a store folder it may not write), report/--config, backup (a file in the data directory, the env
file), health (the config, a CA bundle). Directly named and through a glob. The tests run as root, who
reads everything, so one fresh interpreter imports mkslog as root, drops to the user nobody and runs
each command in-process (click's CliRunner); its results come back as JSON."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
ACCESS = ROOT / "sample_logs" / "nginx" / "mirai-knowledge-system-access.log"
APP = ROOT / "sample_logs" / "app" / "app.log"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to make files another user cannot read")

#: query commands and the arguments they need besides PATHS
QUERIES = {"errors": [], "traffic": [], "top-ips": [], "endpoints": [], "latency": [], "slow": [], "status": [],
           "logins": [], "suspects": [], "ip": ["203.0.113.7"], "summary": []}

# Runs as nobody: everything is imported first (nobody may not be able to read the interpreter's own
# library), then each case's command line is invoked and its exit code, stderr and exception kept.
RUNNER = """
import importlib, json, os, pkgutil, sys
import click.testing, mkslog
for m in pkgutil.walk_packages(mkslog.__path__, "mkslog."):
    importlib.import_module(m.name)
import configparser, csv, difflib, textwrap  # noqa: imported lazily by click and by the commands
from mkslog.cli.main import main
cases = json.loads(sys.argv[1])
os.setgid(65534); os.setuid(65534)
out = {}
for name, args in cases.items():
    r = click.testing.CliRunner().invoke(main, args)
    crash = None if r.exception is None or isinstance(r.exception, SystemExit) else repr(r.exception)
    out[name] = [r.exit_code, r.stderr, crash]
print(json.dumps(out))
"""


def denied(path: Path) -> str:
    return f"Error: permission denied: {path} (run as a user who can read it, e.g. in group adm)\n"


def config_denied(path: Path) -> str:
    return (f"Error: cannot read config {path}: Permission denied (make it readable for this user, or give "
            "another with --config FILE or MKSLOG_CONFIG)\n")


@pytest.fixture(scope="module")
def base():
    # outside pytest's tmp_path, whose 0700 root nobody could not even enter
    folder = Path(tempfile.mkdtemp(prefix="mkslog-unreadable-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


@pytest.fixture(scope="module")
def files(base):
    f = {"locked": base / "access.log", "ok": base / "ok.log", "locked_app": base / "app.log",
         "config": base / "locked.toml", "ok_config": base / "mkslog.toml", "nginx_conf": base / "nginx.conf",
         "data": base / "data", "env": base / "env.production", "backups": base / "backups",
         "store": base / "store", "root_store": base / "root-store", "cafile": base / "ca.pem"}
    shutil.copy(ACCESS, f["locked"])
    shutil.copy(ACCESS, f["ok"])
    shutil.copy(APP, f["locked_app"])
    f["config"].write_text('timezone = "UTC"\n')
    f["nginx_conf"].write_text("http { log_format timed '$remote_addr'; }\n")
    f["data"].mkdir()
    (f["data"] / "notes.txt").write_text("readable\n")
    (f["data"] / "secret.db").write_text("not for nobody\n")
    f["env"].write_text("SECRET_KEY=x\n")
    f["cafile"].write_text("-----BEGIN CERTIFICATE-----\n")
    for name in ("locked", "locked_app", "config", "nginx_conf", "env", "cafile"):
        f[name].chmod(0o000)
    (f["data"] / "secret.db").chmod(0o000)
    f["ok_config"].write_text('timezone = "UTC"\n[backup]\nenv_file = ""\n')
    for folder in ("backups", "store"):
        f[folder].mkdir(mode=0o777)
        f[folder].chmod(0o777)
    f["root_store"].mkdir()  # root's, 0755: nobody may not write in it
    return f


def cases(f: dict[str, Path]) -> dict[str, list[str]]:
    glob = str(f["locked"]).replace("access.log", "acc*.log")
    out = {}
    for command, extra in QUERIES.items():
        out[f"{command} direct"] = [command, *extra, str(f["locked"])]
        out[f"{command} glob"] = [command, *extra, glob]
    out |= {
        "parse direct": ["parse", "--stats", str(f["locked"])],
        "parse glob": ["parse", "--stats", glob],
        "ingest direct": ["ingest", "--store", str(f["store"]), str(f["locked"])],
        "ingest glob": ["ingest", "--store", str(f["store"]), glob],
        "logins app-log": ["logins", "--app-log", str(f["locked_app"]), str(f["ok"])],
        "suspects app-log glob": ["suspects", "--app-log", str(f["locked_app"]).replace("app.log", "ap*.log"),
                                  str(f["ok"])],
        "parse nginx-conf": ["parse", "--stats", "--nginx-conf", str(f["nginx_conf"]), str(f["ok"])],
        "ingest store not writable": ["ingest", "--store", str(f["root_store"]), str(f["ok"])],
        "report config": ["report", "--config", str(f["config"])],
        "top-ips config": ["top-ips", "--config", str(f["config"]), str(f["ok"])],
        "config config": ["config", "--config", str(f["config"])],
        "backup config": ["backup", "create", "--config", str(f["config"])],
        "backup data file": ["backup", "create", "--config", str(f["ok_config"]), "--data-dir", str(f["data"]),
                             "--root", str(f["backups"])],
        "backup env file": ["backup", "create", "--config", str(f["ok_config"]), "--data-dir", str(f["data"]),
                            "--root", str(f["backups"]), "--env-file", str(f["env"])],
        "health config": ["health", "check", "--config", str(f["config"])],
        "health metrics config": ["health", "metrics", "--config", str(f["config"])],
        "health cafile": ["health", "cert", "--config", str(f["ok_config"]), "--cafile", str(f["cafile"]),
                          "--host", "127.0.0.1", "--port", "9"],
    }
    return out


@pytest.fixture(scope="module")
def results(base, files):
    env = {**os.environ, "HOME": str(base), "MKSLOG_CONFIG": str(files["ok_config"]),
           "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", RUNNER, json.dumps(cases(files))], capture_output=True,
                          text=True, timeout=600, cwd=base, env=env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize("command", list(QUERIES) + ["parse", "ingest"])
@pytest.mark.parametrize("how", ["direct", "glob"])
def test_an_unreadable_log_is_exit_1_with_mkslogs_message(results, files, command, how):
    code, stderr, crash = results[f"{command} {how}"]
    assert (code, stderr, crash) == (1, denied(files["locked"]), None)


@pytest.mark.parametrize("case", ["logins app-log", "suspects app-log glob"])
def test_an_unreadable_app_log_is_exit_1(results, files, case):
    assert results[case] == [1, denied(files["locked_app"]), None]


@pytest.mark.parametrize("case", ["report config", "top-ips config", "config config", "backup config",
                                  "health config", "health metrics config"])
def test_an_unreadable_config_is_exit_1(results, files, case):
    assert results[case] == [1, config_denied(files["config"]), None]


def test_an_unreadable_nginx_conf_is_exit_1(results, files):
    assert results["parse nginx-conf"] == [
        1, f"Error: cannot read nginx config {files['nginx_conf']}: Permission denied (give a readable file)\n", None]


def test_a_store_folder_this_user_may_not_write_is_exit_1(results, files):
    assert results["ingest store not writable"] == [
        1, f"Error: cannot open the store {files['root_store']}: Permission denied (run as the user who owns it, "
           "or give another folder with --store DIR)\n", None]


def test_an_unreadable_file_in_the_data_directory_fails_the_backup_naming_it(results, files):
    code, stderr, crash = results["backup data file"]
    assert (code, crash) == (1, None)
    assert stderr.startswith(f"Error: cannot read {files['data'] / 'secret.db'}: permission denied (run the "
                             "backup as a user who can read the whole data directory")
    assert stderr.endswith(" was removed\n")
    assert not any(files["backups"].rglob("*.tar.gz"))  # no half-written backup left behind


def test_an_unreadable_env_file_fails_the_backup(results, files):
    assert results["backup env file"] == [
        1, f"Error: cannot read the env file {files['env']}: Permission denied (check --env-file)\n", None]


def test_an_unreadable_ca_bundle_is_exit_1(results, files):
    code, stderr, crash = results["health cafile"]
    assert (code, crash) == (1, None)
    assert stderr.startswith(f"Error: cannot load CA file {files['cafile']}: ") and "Permission denied" in stderr
