"""The README's recipes for other engines, run over a real store of two hosts: DuckDB (from PyPI,
the test extra) and Spark (where Java and pyspark are installed), each compared with mkslog's
own answers. The recipes are read from README.md, so the README cannot drift from what works."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path

import polars as pl
import pytest
from test_store import ROOT, lines

import mkslog
from mkslog.queries import top_ips
from mkslog.store import ingest

README_STORE = "/srv/mkslog/store"
SINCE = dt.datetime(2026, 11, 21, tzinfo=dt.UTC)


def recipes(engine: str) -> dict[str, str]:
    """The README's fenced blocks whose first line is ``-- <engine>: <title>``, by title."""
    text = (ROOT / "README.md").read_text()
    found = {}
    for block in re.findall(r"```(?:sql|python)\n(.*?)```", text, flags=re.S):
        first, _, body = block.partition("\n")
        if first.startswith(f"-- {engine}: "):
            found[first.removeprefix(f"-- {engine}: ")] = body
    return found


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """Two hosts' timed logs over four UTC days (some junk lines), ingested as web1 and web2."""
    tmp = tmp_path_factory.mktemp("engines")
    for host, start in (("web1", 0), ("web2", 50_000)):
        log = tmp / f"{host}.log"
        log.write_text(lines(start, 3000, step=90.0, bad_every=499))
        ingest([log], tmp / "store", host=host)
    return tmp / "store"


def test_duckdb_recipes_give_mkslog_s_answers(store):
    duckdb = pytest.importorskip("duckdb", reason="duckdb (the test extra) runs the README's recipes")
    found = recipes("DuckDB")
    assert set(found) == {"top client addresses since a day, every host",
                          "requests, server errors and bytes per host and UTC day"}
    con = duckdb.connect()

    def run(title: str) -> pl.DataFrame:
        return pl.from_arrow(con.sql(found[title].replace(README_STORE, str(store))).to_arrow_table())

    top = run("top client addresses since a day, every host")
    lf = mkslog.scan(store=store, since=SINCE)
    ours = (lf.group_by("remote_addr").len("requests").sort(["requests", "remote_addr"], descending=[True, False])
            .head(10).collect())
    assert top.rows() == ours.rows()
    assert top["requests"].to_list() == top_ips(lf, 10)["requests"].to_list()

    per_day = run("requests, server errors and bytes per host and UTC day")
    ours = (mkslog.scan(store=store).group_by("log_host", pl.col("ts").dt.date().alias("date"))
            .agg(pl.len().alias("requests"), (pl.col("status") >= 500).sum().alias("errors"),
                 pl.col("bytes_sent").sum().alias("bytes"))
            .sort("log_host", "date").collect())
    assert per_day.height == 8
    assert [tuple(int(v) if isinstance(v, (int, float)) else v for v in r) for r in per_day.rows()] == ours.rows()

    # the types every engine sees: signed integers, a UTC timestamp, host and date from the folders
    described = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{store}/kind=access/log_host=*/date=*/*.parquet', "
                            "hive_partitioning = true)").fetchall()
    types = {row[0]: row[1] for row in described}
    assert (types["status"], types["bytes_sent"], types["log_host"]) == ("INTEGER", "BIGINT", "VARCHAR")
    assert types["ts"] == "TIMESTAMP WITH TIME ZONE" and types["date"] == "DATE"


def spark_or_skip():
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark test skipped: no Java on this machine (install a JRE 17+ and pyspark to run it)")
    pyspark = pytest.importorskip("pyspark", reason="Spark test skipped: pyspark is not installed "
                                                    "(pip install pyspark, with Java 17+, to run it)")
    from pyspark.sql import SparkSession

    return pyspark, SparkSession


@pytest.mark.slow
def test_spark_reads_the_store_like_mkslog(store):
    _, SparkSession = spark_or_skip()
    spark = (SparkSession.builder.master("local[1]").appName("mkslog-store-test")
             .config("spark.ui.enabled", "false").config("spark.sql.session.timeZone", "UTC").getOrCreate())
    try:
        df = spark.read.parquet(f"{store}/kind=access")  # the README's recipe, with its store folder
        types = dict(df.dtypes)
        assert (types["status"], types["bytes_sent"], types["log_host"], types["date"]) == ("int", "bigint", "string",
                                                                                          "date")
        counts = {r["log_host"]: r["count"] for r in df.where("date >= '2026-11-21'").groupBy("log_host").count().collect()}
        ours = dict(mkslog.scan(store=store, since=SINCE).group_by("log_host").len().collect().iter_rows())
        assert counts == ours
        total = df.selectExpr("sum(bytes_sent) AS b").collect()[0]["b"]
        assert total == mkslog.scan(store=store).select(pl.col("bytes_sent").sum()).collect().item()
    finally:
        spark.stop()
