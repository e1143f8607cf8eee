"""Tests of mkslog.store.read and `mkslog ingest`: real files in tmp dirs, real rotations (rename, gzip),
real processes (an ingest killed with SIGKILL, a second process holding the lock).

The invariant behind every test: what the store returns equals a fresh parse of the text of the
files (as a multiset of rows, ``file`` aside: the store keeps the name a line was read under).
"""

from __future__ import annotations

import datetime as dt
import gzip
import importlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pyarrow.dataset as pads
import pytest
from click.testing import CliRunner

import mkslog
from mkslog.cli.common import MkslogGroup
from mkslog.cli.main import main as mkslog_main
from mkslog.cli.store import ingest_cmd
from mkslog.errors import StoreError
from mkslog.queries import latency_stats, top_ips
from mkslog.store import ingest, scan_store, store_files, store_rejects
from mkslog.store.catalog import catalog_rel, default_host

# the CLI with `ingest`, whether or not cli.py registers it yet (the shared group is left as it is)
main = MkslogGroup("mkslog", commands={**mkslog_main.commands, "ingest": ingest_cmd})

JST = dt.timezone(dt.timedelta(hours=9))
T0 = dt.datetime(2026, 11, 20, 20, 0, tzinfo=JST)  # 11:00 UTC: logs cross UTC midnight
ROOT = Path(__file__).resolve().parents[1]
HOST = default_host()  # what an ingest without --host writes as: this machine
DATA = f"kind=access/log_host={HOST}"  # the access parts of that host
# `python -m mkslog ingest`, also before cli.py registers the command
LAUNCH = ("from mkslog.cli.main import main\nfrom mkslog.cli.store import register_store_commands\n"
          "'ingest' in main.commands or register_store_commands(main)\nmain(prog_name='mkslog')\n")


def lines(start: int, n: int, *, step: float = 7.0, bad_every: int = 0) -> str:
    """``n`` timed-format lines numbered from ``start`` (deterministic); every ``bad_every``-th is junk."""
    rng = random.Random(start)
    out = []
    for i in range(start, start + n):
        if bad_every and i % bad_every == 0:
            out.append(f"junk line {i} \x1b[31m\n")
            continue
        t = T0 + dt.timedelta(seconds=i * step)
        out.append(f'10.0.{rng.randint(0, 9)}.{rng.randint(1, 40)} - - [{t.strftime("%d/%b/%Y:%H:%M:%S %z")}] '
                   f'"GET /api/v1/knowledge/{i % 97}?q={i} HTTP/1.1" {rng.choice((200, 200, 304, 404, 500))} '
                   f'{rng.randint(0, 90000)} "-" "curl/8.{i % 5}" {rng.random():.3f} {rng.random():.3f}\n')
    return "".join(out)


def append(path: Path, text: str) -> None:
    with open(path, "a") as fh:
        fh.write(text)


def gzip_to(src: Path, dst: Path) -> None:
    """What logrotate's compress does: a new .gz, the original removed."""
    with open(src, "rb") as fi, gzip.open(dst, "wb") as fo:
        shutil.copyfileobj(fi, fo)
    src.unlink()


def rows(lf: pl.LazyFrame) -> pl.DataFrame:
    """Every row but ``file``, in a canonical order (a multiset compares equal iff this does)."""
    df = lf.collect(engine="streaming").drop("file", "log_host", strict=False)
    return df.sort(df.columns, nulls_last=True)


def assert_frames_match(stored: pl.LazyFrame, text: pl.LazyFrame, store_stats, text_stats) -> None:
    """The store's frame equals the text's: schema (plus ``host``), rows, line counts and rejects (any kind)."""
    assert stored.collect_schema() == {**text.collect_schema(), "log_host": pl.String}
    a, b = rows(stored.drop("log_host")), rows(text)
    assert a.height == b.height
    assert a.equals(b)
    t, s = text_stats.total, store_stats.total
    assert (s.lines, s.parsed, s.rejected) == (t.lines, t.parsed, t.rejected)
    assert s.parsed + s.rejected == s.lines
    key = ["line", "reason"]
    assert store_stats.rejects().select(key).sort(key).equals(text_stats.rejects().select(key).sort(key))


def assert_same(store: Path, paths) -> None:
    """The store answers exactly like a fresh parse of the text: rows, counts, rejects, queries."""
    text_stats, store_stats = mkslog.ParseStats(), mkslog.ParseStats()
    text = mkslog.scan(paths, stats=text_stats)
    stored = scan_store(store, stats=store_stats)
    assert_frames_match(stored, text, store_stats, text_stats)
    assert top_ips(stored, 5).equals(top_ips(text, 5))
    assert latency_stats(stored).equals(latency_stats(text))
    assert stored.select(pl.col("bytes_sent").sum()).collect().item() == text.select(
        pl.col("bytes_sent").sum()).collect().item()


def test_append_parses_only_new_lines(tmp_path):
    log, store = tmp_path / "access.log", tmp_path / "store"
    log.write_text(lines(0, 3000, bad_every=500))
    first = ingest([log], store)
    assert (first.lines, first.rejected) == (3000, 6)
    assert [f.action for f in first.files] == ["new"]
    assert_same(store, [log])

    append(log, lines(3000, 250, bad_every=100))
    second = ingest([log], store)
    assert second.lines == 250  # only the appended lines were parsed
    assert (second.parsed, second.rejected) == (247, 3)
    assert [f.action for f in second.files] == ["appended"]
    assert_same(store, [log])
    # line numbers continue where the first ingest stopped
    assert scan_store(store).select(pl.col("line_no").max()).collect().item() == 3250

    third = ingest([log], store)
    assert (third.lines, third.parts, [f.action for f in third.files]) == (0, 0, ["unchanged"])

    # a line still being written (no newline yet) waits for the next ingest
    append(log, lines(3250, 1)[:-20])
    fourth = ingest([log], store)
    assert fourth.lines == 0 and "no newline yet" in fourth.files[0].note
    append(log, lines(3250, 1)[-20:] + lines(3251, 9))
    assert ingest([log], store).lines == 10
    assert_same(store, [log])


def test_rotation_with_delaycompress(tmp_path, monkeypatch):
    """access.log -> access.log.1 -> access.log.2.gz between ingests: no duplicates, no gaps."""
    log, store = tmp_path / "access.log", tmp_path / "store"
    glob = str(tmp_path / "access.log*")
    log.write_text(lines(0, 2000))
    assert ingest(glob, store).lines == 2000

    # lines written before the rotation that no ingest saw, rotation, late writes to .1, new file
    append(log, lines(2000, 100))
    log.rename(tmp_path / "access.log.1")
    append(tmp_path / "access.log.1", lines(2100, 50))
    log.write_text(lines(2150, 500))
    r = ingest(glob, store)
    acts = {Path(f.path).name: (f.action, f.lines) for f in r.files}
    assert acts == {"access.log.1": ("rotated", 150), "access.log": ("new", 500)}
    assert_same(store, glob)

    # late writes again, then: .1 -> .2.gz (compressed), access.log -> .1, new access.log
    append(tmp_path / "access.log.1", lines(2650, 20))
    gzip_to(tmp_path / "access.log.1", tmp_path / "access.log.2.gz")
    log.rename(tmp_path / "access.log.1")
    log.write_text(lines(2670, 300))
    r = ingest(glob, store)
    acts = {Path(f.path).name: (f.action, f.lines) for f in r.files}
    assert acts == {"access.log.2.gz": ("rotated", 20), "access.log.1": ("rotated", 0), "access.log": ("new", 300)}
    assert r.lines == 320
    assert_same(store, glob)

    # renamed, unchanged files are known by inode, size, mtime and head: nothing is decompressed
    def boom(*args):
        raise AssertionError("a file known by its stat was read")

    monkeypatch.setattr(importlib.import_module("mkslog.store.ingest"), "window_before", boom)
    (tmp_path / "access.log.2.gz").rename(tmp_path / "access.log.3.gz")
    r = ingest(glob, store)
    acts = {Path(f.path).name: (f.action, f.lines, f.note) for f in r.files}
    assert acts == {"access.log.3.gz": ("rotated", 0, f"was {tmp_path / 'access.log.2.gz'}"),
                    "access.log.1": ("unchanged", 0, ""), "access.log": ("unchanged", 0, "")}
    monkeypatch.undo()

    # retention deletes the oldest file: its rows stay in the store
    before = scan_store(store).select(pl.len()).collect().item()
    (tmp_path / "access.log.3.gz").unlink()
    r = ingest(glob, store)
    assert [f.action for f in r.files if f.action == "gone"] == ["gone"]
    assert scan_store(store).select(pl.len()).collect().item() == before == 2970


def test_copytruncate_is_not_a_replacement(tmp_path):
    log, store = tmp_path / "access.log", tmp_path / "store"
    log.write_text(lines(0, 800))
    ingest([log], store)
    append(log, lines(800, 40))
    shutil.copyfile(log, tmp_path / "access.log.1")  # logrotate copytruncate
    with open(log, "r+") as fh:
        fh.truncate(0)
    append(log, lines(840, 60))
    r = ingest(str(tmp_path / "access.log*"), store)
    acts = {Path(f.path).name: (f.action, f.lines, f.dropped_rows) for f in r.files}
    assert acts == {"access.log.1": ("rotated", 40, 0), "access.log": ("new", 60, 0)}
    assert_same(store, str(tmp_path / "access.log*"))


def test_truncated_or_rewritten_file_is_read_again(tmp_path):
    log, store = tmp_path / "access.log", tmp_path / "store"
    log.write_text(lines(0, 1000, bad_every=100))
    ingest([log], store)
    inode = log.stat().st_ino

    log.write_text(lines(5000, 700))  # rewritten in place: same inode, other content
    assert log.stat().st_ino == inode
    r = ingest([log], store)
    f = r.files[0]
    assert (f.action, f.lines, f.dropped_rows) == ("replaced", 700, 990)
    assert_same(store, [log])

    with open(log, "r+") as fh:  # truncated in place to fewer bytes than were read
        fh.truncate(len(lines(5000, 300)))
    r = ingest([log], store)
    assert (r.files[0].action, r.files[0].lines, r.dropped_rows) == ("replaced", 300, 700)
    assert_same(store, [log])
    assert len(store_files(store)) == 1 and store_rejects(store).is_empty()


def test_killed_ingest_leaves_a_consistent_store(tmp_path):
    log, store = tmp_path / "access.log", tmp_path / "store"
    total = 60_000
    log.write_text(lines(0, total, bad_every=1000))
    cmd = [sys.executable, "-c", LAUNCH, "ingest", str(log), "--store", str(store),
           "--chunk-size", "16384", "--part-rows", "400"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while len(list(store.glob(f"{DATA}/date=*/part-*.parquet"))) < 5:  # a few checkpoints in
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "no part file appeared"
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL

    # readable, and exactly the catalogued rows: the first lines of the file, nothing else
    cat = store_files(store)
    done = cat["lines"].sum()
    assert 0 < done < total
    got = rows(scan_store(store))
    expected = rows(mkslog.scan([log]).filter(pl.col("line_no") <= done))
    assert got.equals(expected)
    assert got.height == cat["parsed"].sum()

    r = ingest([log], store)
    assert r.lines == total - done
    print(f"killed after {done} of {total} lines; removed {r.garbage} unlisted file(s)")
    assert_same(store, [log])
    assert not list(store.rglob("*.tmp"))
    on_disk = {p.relative_to(store).as_posix() for p in store.glob(f"{DATA}/date=*/*.parquet")}
    assert on_disk == set(_parts(store))  # the killed run's unlisted parts were removed


def _parts(store: Path, rejects: bool | None = False) -> list[str]:
    """The part files the catalog lists (data parts by default)."""
    import sqlite3

    where = "" if rejects is None else f" WHERE rejects = {int(rejects)}"
    with sqlite3.connect(store / catalog_rel(HOST)) as db:
        return [r[0] for r in db.execute("SELECT path FROM parts" + where)]


def test_second_ingest_fails_clearly_or_waits(tmp_path):
    log, store = tmp_path / "access.log", tmp_path / "store"
    log.write_text(lines(0, 200))
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time, pathlib\nfrom mkslog.store.catalog import store_lock\n"
         "with store_lock(sys.argv[1], host=sys.argv[4]):\n    print('locked', flush=True)\n    time.sleep(float(sys.argv[2]))\n"
         "    pathlib.Path(sys.argv[3]).touch()\n",
         str(store), "2", str(tmp_path / "held-to-the-end"), HOST], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        res = CliRunner().invoke(main, ["ingest", str(log), "--store", str(store)])
        assert res.exit_code == 1
        assert f"another ingest of host {HOST} is running (pid {holder.pid})" in res.output
        with pytest.raises(StoreError, match="--wait"):
            ingest([log], store)
        waited = CliRunner().invoke(main, ["ingest", str(log), "--store", str(store), "--wait", "30",
                                           "--output", "json"])
        assert waited.exit_code == 0, waited.output
        # it got the lock only once the holder had held it to the end (the marker is written just before release)
        assert (tmp_path / "held-to-the-end").exists()
    finally:
        holder.kill()
        holder.wait()
    assert scan_store(store).select(pl.len()).collect().item() == 200


def test_scan_store_schema_pruning_and_config(tmp_path):
    log, store = tmp_path / "access.log", tmp_path / "store"
    log.write_text(lines(0, 3000, step=90.0))  # 75 hours: four UTC days
    ingest([log], store, part_rows=1000)
    days = sorted(p.name for p in (store / DATA).glob("date=*"))
    assert days == ["date=2026-11-20", "date=2026-11-21", "date=2026-11-22", "date=2026-11-23"]

    since = dt.datetime(2026, 11, 22, 6, tzinfo=dt.UTC)
    expected = rows(mkslog.queries.between(mkslog.scan([log]), since))
    assert rows(scan_store(store, since=since)).equals(expected)
    # a ts filter on the frame is pushed into the Parquet scan too
    assert rows(mkslog.queries.between(scan_store(store), since)).equals(expected)
    # pruning: the parts of earlier days are not even opened
    for part in (store / DATA / "date=2026-11-20").iterdir():
        part.unlink()
    assert rows(scan_store(store, since=since)).equals(expected)
    with pytest.raises((pl.exceptions.PolarsError, OSError)):  # without pruning the part is needed
        scan_store(store).collect()

    # the same schema as the text scan (plus host), ts in a display timezone too
    assert scan_store(store, tz="Asia/Tokyo").drop("log_host").collect_schema() == mkslog.scan(
        [log], tz="Asia/Tokyo").collect_schema()

    # mkslog.scan(store=...), and `store` in mkslog.toml when no paths are given
    assert mkslog.scan(store=store).drop("log_host").collect_schema() == mkslog.scan([log]).collect_schema()
    toml = tmp_path / "mkslog.toml"
    toml.write_text(f'store = "store"\n[logs.access]\npaths = ["{log}"]\nformat = "timed"\n')
    assert "parquet" in mkslog.scan(config=toml).explain().lower()
    toml.write_text(f'store = "no-store-yet"\n[logs.access]\npaths = ["{log}"]\n')
    assert mkslog.scan(config=toml).select(pl.len()).collect().item() == 3000  # text, until ingested
    with pytest.raises(StoreError, match="not an mkslog store"):
        scan_store(tmp_path / "nothing")


def test_plain_parquet_for_other_engines(tmp_path):
    """The store folder is a Hive-partitioned Parquet dataset: catalog, rejects and temporary
    files are hidden by their leading '_' or '.'."""
    log, store = tmp_path / "access.log", tmp_path / "store"
    log.write_text(lines(0, 1500, step=60.0, bad_every=300))
    ingest([log], store)
    ds = pads.dataset(store, format="parquet", partitioning="hive")
    table = ds.to_table()
    assert table.num_rows == 1495
    assert {"kind", "date", "ts", "remote_addr", "bytes_sent", "line_no"} <= set(table.column_names)
    assert set(table.column("kind").to_pylist()) == {"access"}
    rejects = pl.read_parquet(store / DATA / "_rejects")
    assert rejects.height == 5 and rejects.columns == ["file", "line_no", "line", "reason"]


def test_cli_ingest(tmp_path):
    log, store = tmp_path / "access.log", tmp_path / "store"
    log.write_text(lines(0, 500, bad_every=250))
    res = CliRunner().invoke(main, ["ingest", str(log), "--store", str(store), "--output", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out == [{"path": str(log), "action": "new", "lines": 500, "parsed": 498, "rejected": 2, "parts": 2,
                    "dropped_rows": 0, "note": ""}]
    assert "2 of 500 new lines did not parse" in res.stderr
    # the store in mkslog.toml: ingest and the query commands use it
    toml = tmp_path / "mkslog.toml"
    toml.write_text(f'store = "store"\n[logs.access]\npaths = ["{log}"]\n')
    append(log, lines(500, 10))
    res = CliRunner().invoke(main, ["ingest", "--config", str(toml), "--output", "csv"])
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[1].split(",")[1:3] == ["appended", "10"]
    res = CliRunner().invoke(main, ["top-ips", "--config", str(toml), "--output", "json"])
    assert res.exit_code == 0, res.output
    assert sum(r["requests"] for r in json.loads(res.stdout)) <= 508
    res = CliRunner().invoke(main, ["ingest", str(log)], env={"MKSLOG_CONFIG": ""})
    assert res.exit_code == 1 and "no store given" in res.output
    assert CliRunner().invoke(main, ["ingest", "--help"]).exit_code == 0
    assert os.path.isfile(store / catalog_rel(HOST))


def test_records_without_a_timestamp_and_a_custom_format(tmp_path):
    log, store = tmp_path / "access.log", tmp_path / "store"
    fmt = "$remote_addr $status $body_bytes_sent"
    log.write_text("".join(f"10.0.0.{i % 7} {200 + i % 3} {i}\n" for i in range(300)) + "not a line\n")
    r = ingest([log], store, format=fmt)
    assert (r.parsed, r.rejected) == (300, 1)
    assert [p.name for p in (store / DATA).glob("date=*")] == ["date=__HIVE_DEFAULT_PARTITION__"]
    text_stats, store_stats = mkslog.ParseStats(), mkslog.ParseStats()
    assert rows(scan_store(store, stats=store_stats)).equals(rows(mkslog.scan([log], fmt, stats=text_stats)))
    assert store_stats.total.rejected == text_stats.total.rejected == 1
    assert scan_store(store, since=dt.datetime(2026, 1, 1)).collect().is_empty()


def test_frequent_ingests_merge_their_small_parts(tmp_path):
    """An ingest every few minutes leaves one small part per run: they are merged, rows unchanged."""
    log, store = tmp_path / "access.log", tmp_path / "store"
    log.write_text(lines(0, 40, bad_every=15))
    ingest([log], store, part_rows=16_000)  # parts under 1,000 rows count as small
    merged = 0
    for run in range(1, 12):
        append(log, lines(run * 40, 40, bad_every=15))
        r = ingest([log], store, part_rows=16_000)
        merged += r.merged
        assert len(_parts(store)) < 8
    assert merged >= 8
    assert len(list(store.glob(f"{DATA}/*/*.parquet"))) == len(_parts(store, rejects=None))
    assert_same(store, [log])


def test_catalog_left_mid_transaction_is_rolled_back(tmp_path):
    """A process killed inside a catalog transaction that had spilled to disk leaves a hot journal:
    the next reader rolls it back and sees the store as it was."""
    log, store = tmp_path / "access.log", tmp_path / "store"
    log.write_text(lines(0, 500))
    ingest([log], store)
    code = ("import os, signal, sqlite3, sys\n"
            "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "db.execute('PRAGMA cache_size = 2'); db.execute('BEGIN IMMEDIATE')\n"
            "db.execute('DELETE FROM parts')\n"
            "for i in range(300): db.execute('INSERT INTO meta VALUES (?, ?)', (f'junk{i}', b'x' * 4000))\n"
            "os.kill(os.getpid(), signal.SIGKILL)\n")
    subprocess.run([sys.executable, "-c", code, str(store / catalog_rel(HOST))], check=False)
    assert (store / f"{catalog_rel(HOST)}-journal").exists()
    assert scan_store(store).select(pl.len()).collect().item() == 500
    assert ingest([log], store).lines == 0


def test_queries_over_the_store_report_its_rejects(tmp_path):
    """`summary --store` counts the stored rejects, and the CLI warns about them, like over text."""
    from click.testing import CliRunner

    from mkslog.cli.main import main
    from mkslog.store import ingest

    log = tmp_path / "access.log"
    log.write_text(lines(1, 200, bad_every=50))
    ingest(str(log), tmp_path / "store", format="timed")
    result = CliRunner().invoke(main, ["summary", "--store", str(tmp_path / "store"), "--output", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["requests"] == 196 and doc["rejected_lines"] == 4
    assert "Warning: 4 of 200 lines did not parse" in result.stderr
