"""Tests of `mkslog health db` (mkslog.health.db) on a real PostgreSQL cluster started with
shared_preload_libraries = 'pg_stat_statements' (skipped when the server binaries are not installed):
the new column names (PostgreSQL 13+), the old ones (a table of pre-13 shape in a database without the
extension), and a database where the extension is missing."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from pg_support import Cluster, pg_bindir

from mkslog.cli.main import main
from mkslog.errors import HealthError
from mkslog.health.db import slow_queries


@pytest.fixture(scope="module")
def cluster(request):
    bindir = pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed: apt-get install postgresql")
    c = Cluster(bindir, "-c shared_preload_libraries=pg_stat_statements")
    request.addfinalizer(c.stop)
    c.superuser_sql("CREATE ROLE mks LOGIN PASSWORD 'pw';\nCREATE DATABASE mirai OWNER mks;\n"
                    "CREATE DATABASE plain OWNER mks;\nCREATE DATABASE oldpg OWNER mks;\n")
    c.superuser_sql("CREATE EXTENSION pg_stat_statements;\nGRANT pg_read_all_stats TO mks;\n", db="mirai")
    return c


def url(cluster, db: str) -> str:
    return f"postgresql://mks:pw@127.0.0.1:{cluster.port}/{db}?sslmode=disable"


def cli(*args):
    return CliRunner().invoke(main, ["health", "db", *map(str, args)], catch_exceptions=False)


def test_slow_queries_new_column_names(cluster):
    env = {"PGHOST": "127.0.0.1", "PGPORT": str(cluster.port), "PGUSER": "mks", "PGPASSWORD": "pw",
           "PGDATABASE": "mirai"}
    cluster.superuser_sql("SELECT pg_stat_statements_reset();", db="mirai")
    cluster.psql("SELECT pg_sleep(0.2), 'slow';\n" + "SELECT 1 + 1;\n" * 3, env)
    rows = slow_queries(url(cluster, "mirai"), limit=50)
    slow = [r for r in rows if "pg_sleep" in r.query]
    assert len(slow) == 1 and slow[0].calls == 1 and slow[0].mean_ms >= 200
    assert rows[0] == slow[0]  # the slowest by mean time comes first
    assert [r.mean_ms for r in rows] == sorted((r.mean_ms for r in rows), reverse=True)
    result = cli("--url", url(cluster, "mirai"), "-n", "1", "--as", "json")
    assert result.exit_code == 0, result.output
    [doc] = json.loads(result.stdout)
    assert doc["query"].startswith("SELECT pg_sleep") and doc["calls"] == 1
    text = cli("--url", url(cluster, "mirai"), "--top", "1").output.splitlines()
    assert text[0].split() == ["mean_ms", "calls", "total_ms", "query"]
    assert text[1].split()[1] == "1" and "SELECT pg_sleep" in text[1]


def test_slow_queries_old_column_names(cluster):
    """PostgreSQL 12 and older name the columns total_time and mean_time (the manual's query)."""
    env = {"PGHOST": "127.0.0.1", "PGPORT": str(cluster.port), "PGUSER": "mks", "PGPASSWORD": "pw",
           "PGDATABASE": "oldpg"}
    cluster.psql("CREATE TABLE pg_stat_statements (userid oid, query text, calls bigint, total_time float8, "
                 "mean_time float8, rows bigint);\n"
                 "INSERT INTO pg_stat_statements VALUES (10, 'SELECT * FROM knowledge WHERE body LIKE $1', 40, "
                 "8000.0, 200.0, 400), (10, E'SELECT 1\\n  FROM tags', 1000, 50.0, 0.05, 1000);\n", env)
    rows = slow_queries(url(cluster, "oldpg"))
    assert [(r.query, r.calls, r.total_ms, r.mean_ms, r.rows) for r in rows] == [
        ("SELECT * FROM knowledge WHERE body LIKE $1", 40, 8000.0, 200.0, 400),
        ("SELECT 1\n  FROM tags", 1000, 50.0, 0.05, 1000)]
    lines = cli("--url", url(cluster, "oldpg")).output.splitlines()
    assert lines[2].split() == ["0.05", "1000", "50.00", "SELECT", "1", "FROM", "tags"]  # one row per statement


def test_missing_extension_says_how_to_install_it(cluster):
    with pytest.raises(HealthError, match="the pg_stat_statements extension is not installed in "
                       rf"postgresql://mks:\*\*\*@127.0.0.1:{cluster.port}/plain\?sslmode=disable: add "
                       "shared_preload_libraries = 'pg_stat_statements'"):
        slow_queries(url(cluster, "plain"))
    result = cli("--url", url(cluster, "plain"))
    assert result.exit_code == 1 and result.stderr.startswith("Error: the pg_stat_statements extension is not ")
    assert "pw@" not in result.stderr


def test_wrong_password_and_no_url_are_clear_errors(cluster, tmp_path):
    bad = cli("--url", f"postgresql://mks:wrong@127.0.0.1:{cluster.port}/mirai")
    assert bad.exit_code == 1 and "password authentication failed" in bad.stderr and "wrong" not in bad.stderr
    cfg = tmp_path / "mkslog.toml"
    cfg.write_text(f'[backup]\nenv_file = "{tmp_path / "none.env"}"\n')
    none = cli("--config", cfg)
    assert (none.exit_code, none.stderr) == (1, "Error: no database URL: give --url, or set MKS_DATABASE_URL in "
                                                "the env file or backup.database_url in mkslog.toml\n")
