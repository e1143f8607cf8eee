"""mkslog.sql and `mkslog sql` over the sample week (sample_logs/ with mkslog.example.toml): the answers
equal the query functions' answers on the same logs, every kind is a table, the frame stays lazy, and
a wrong query says what is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

import mkslog
import mkslog.queries as q
from mkslog.cli.main import main
from mkslog.errors import QueryError
from mkslog.kinds import KINDS, table_name

ROOT = Path(__file__).resolve().parents[1]
CONFIG = str(ROOT / "mkslog.example.toml")


def test_top_ips_in_sql_equal_the_query_function():
    answer = mkslog.sql("SELECT remote_addr, COUNT(*) AS requests FROM access GROUP BY remote_addr "
                        "ORDER BY requests DESC, remote_addr LIMIT 10", config=CONFIG)
    assert isinstance(answer, pl.LazyFrame)
    expected = q.top_ips(mkslog.scan(config=CONFIG), 10).select("remote_addr", "requests")
    assert answer.collect().rows() == expected.rows()


def test_status_counts_in_sql_equal_the_status_breakdown():
    answer = mkslog.sql("SELECT status, COUNT(*) AS requests FROM access GROUP BY status ORDER BY status",
                        config=CONFIG).collect()
    expected = q.status_breakdown(mkslog.scan(config=CONFIG)).sort("status")
    assert answer["status"].cast(pl.Int64).to_list() == expected["status"].to_list()
    assert answer["requests"].to_list() == expected["requests"].to_list()


def test_error_counts_per_day_in_sql_equal_error_counts():
    answer = mkslog.sql("SELECT date_trunc('day', ts) AS day, COUNT(*) AS n FROM app "
                        "WHERE level IN ('ERROR', 'CRITICAL') GROUP BY day ORDER BY day",
                        config=CONFIG, tz="Asia/Tokyo").collect()
    expected = q.error_counts(mkslog.scan(kind="app", config=CONFIG, tz="Asia/Tokyo"), "1d", fill=False)
    assert answer["n"].to_list() == expected["count"].to_list() and answer.height > 1


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_is_a_table(kind):
    if not mkslog.load_config(CONFIG).log_paths(kind.replace("-", "_")):
        pytest.skip(f"no {kind} paths in the example config (the journal: tests/test_journal.py)")
    n = mkslog.sql(f"SELECT COUNT(*) AS n FROM {table_name(kind)}", config=CONFIG).collect().item()
    assert n == mkslog.scan(kind=kind, config=CONFIG).select(pl.len()).collect().item() > 0


def test_tables_from_paths_window_and_filters():
    tables = {"access": str(ROOT / "sample_logs/nginx/mirai-knowledge-system-access.log")}
    day = mkslog.sql("SELECT COUNT(*) AS n FROM access", tables, config=CONFIG, since="2026-11-22", until="2026-11-22",
                     tz="Asia/Tokyo", filters={"status": "2xx"}).collect().item()
    expected = mkslog.scan(tables["access"], config=CONFIG, since="2026-11-22", until="2026-11-22", tz="Asia/Tokyo",
                           filters={"status": "2xx"}).select(pl.len()).collect().item()
    assert day == expected > 0


@pytest.mark.parametrize(("query", "words"), [
    ("SELECT nope FROM access", ['"nope"']),
    ("SELEC * FROM access", ["sql parser error"]),
    ("SELECT 1 FROM apache", ["names none of the tables access, nginx_error"]),
])
def test_wrong_queries_say_why(query, words):
    with pytest.raises(QueryError) as info:
        mkslog.sql(query, config=CONFIG)
    assert all(w in str(info.value) for w in words)


def test_cli_sql_json_and_errors():
    result = CliRunner().invoke(main, ["sql", "--config", CONFIG, "--as", "json", "--status", "5xx",
                                       "SELECT COUNT(*) AS n FROM access"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{"n": mkslog.scan(config=CONFIG, filters={"status": "5xx"})
                                          .select(pl.len()).collect().item()}]
    bad = CliRunner().invoke(main, ["sql", "--config", CONFIG, "SELECT nope FROM access"])
    assert bad.exit_code == 1 and bad.output.startswith("Error: the SQL query failed") and "Traceback" not in bad.output
    bad = CliRunner().invoke(main, ["sql", "--config", CONFIG, "--table", "accesslog", "SELECT 1 FROM access"])
    assert bad.exit_code == 2 and "TABLE=PATH" in bad.output
