"""Tests of mkslog.backup.pg: database URLs to libpq environments, and a real PostgreSQL cluster backed up,
dropped and restored (skipped when the server binaries are not installed).
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from backup_support import (  # noqa: F401 (fixtures)
    cli,
    config_fixture,
    data_dir_fixture,
    env_file_fixture,
    log_messages,
    make_backup,
    make_config,
    make_data_dir,
    make_env_file,
    snapshot,
)
from pg_support import Cluster, pg_bindir

from mkslog.backup import pg
from mkslog.backup.restore import restore_backup
from mkslog.backup.verify import verify_backup
from mkslog.errors import BackupError

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


@pytest.fixture(scope="module")
def cluster(request):
    bindir = pg_bindir()
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
    assert made.exit_code == 3  # partial: the data and the env file are backed up, the dump is not
    doc = json.loads(made.stdout)
    assert doc["status"] == "partial" and [f["name"][:5] for f in doc["files"]] == ["data_", ".env."]
    assert made.stderr.startswith(f"Error: database backup failed: pg_dump of "
                                  f"postgresql://mks:***@127.0.0.1:{cluster.port}/mirai exited with 1: ")
    messages = log_messages(tmp_path / "backups" / "backup.log")
    assert messages[3].startswith("ERROR: Database backup failed: pg_dump of ")
    assert "password authentication failed" in messages[3]
    assert messages[-1].startswith("ERROR: Daily backup failed: database backup failed: ")
    assert verify_backup(doc["path"]).ok  # the data part is a valid backup
    assert json.loads(cli("list", "--config", config, "--json").stdout)["backups"][0]["complete"] is False

    # A backup with a dump (written with the right password), restored with the wrong one.
    good = make_backup(tmp_path / "other", data_dir,
                       database_url=f"postgresql://mks:p%40ss%3Aw%2Frd@127.0.0.1:{cluster.port}/mirai")
    target = tmp_path / "srv" / "data"
    target.mkdir(parents=True)
    (target / "current.txt").write_text("live data")
    before = snapshot(target)
    with pytest.raises(BackupError, match=r"password authentication failed.*the data restore was undone and "):
        restore_backup(good.path, target, database_url=wrong, restore_db=True)
    assert snapshot(target) == before and sorted(os.listdir(target.parent)) == ["data"]
