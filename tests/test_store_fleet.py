"""The store for a fleet: portable types on disk, a store version with the migration of older
stores, a host partition, and ingests of several hosts running at once in real processes.

The logs are the nginx ``timed`` lines of test_store.py (the system's own log_format: combined
plus ``$request_time $upstream_response_time``), one log per app server behind the balancer.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from test_store import ROOT, append, assert_frames_match, lines, rows

import mkslog
from mkslog.cli.main import main
from mkslog.errors import StoreError
from mkslog.queries import top_ips
from mkslog.store import ingest, scan_store, store_files, store_hosts, store_rejects
from mkslog.store.catalog import CATALOG, catalog_rel


def host_logs(tmp_path: Path, hosts: dict[str, tuple[int, int]]) -> dict[str, Path]:
    """One ``access.log`` per host, in a folder named after it (``start, n`` lines, some junk)."""
    out = {}
    for host, (start, n) in hosts.items():
        folder = tmp_path / host
        folder.mkdir()
        (folder / "access.log").write_text(lines(start, n, bad_every=97))
        out[host] = folder / "access.log"
    return out


def good(start: int, n: int) -> int:
    """How many of ``lines(start, n, bad_every=97)`` parse."""
    return n - sum(1 for i in range(start, start + n) if i % 97 == 0)


def part_types(store: Path, rel_glob: str) -> set[tuple[str, str]]:
    """(column, Arrow type) of status and bytes_sent in every part file that matches."""
    found = set()
    for part in store.glob(rel_glob):
        schema = pq.read_schema(part)
        found |= {(f.name, str(f.type)) for f in schema if f.name in ("status", "bytes_sent")}
    return found


def test_parts_hold_portable_types_and_read_back_as_the_frame(tmp_path):
    log, store = tmp_path / "access.log", tmp_path / "store"
    log.write_text(lines(0, 500))
    ingest([log], store, host="web1")
    assert part_types(store, "kind=access/log_host=web1/date=*/*.parquet") == {("status", "int32"),
                                                                           ("bytes_sent", "int64")}
    frame = scan_store(store).collect_schema()
    assert (frame["status"], frame["bytes_sent"]) == (pl.UInt16, pl.UInt64)  # what a text scan gives
    with sqlite3.connect(store / catalog_rel("web1")) as db:
        assert dict(db.execute("SELECT key, value FROM meta WHERE key IN ('version', 'host')")) == {
            "version": "2", "host": "web1"}


def test_a_value_too_wide_for_int64_is_null_and_said_so(tmp_path):
    log, store = tmp_path / "access.log", tmp_path / "store"
    fmt = "$remote_addr $status $body_bytes_sent"
    log.write_text(f"10.0.0.1 200 {2**64 - 1}\n10.0.0.2 200 5\n10.0.0.3 404 {2**63}\n")
    r = ingest([log], store, format=fmt, host="web1")
    assert "2 value(s) of bytes_sent above 9223372036854775807" in r.files[0].note
    assert scan_store(store).sort("line_no").collect()["bytes_sent"].to_list() == [None, 5, None]
    assert mkslog.read([log], fmt)["bytes_sent"].to_list() == [2**64 - 1, 5, 2**63]


def make_version_1(store: Path) -> None:
    """Turn a store of this mkslog into what mkslog wrote before version 2 (checked against its
    code): one ``_catalog.sqlite`` with the same tables and ``version`` 1, parts at
    ``kind=<kind>/date=<day>/`` and ``kind=<kind>/_rejects/``, in the frame's unsigned types."""
    (host,) = store_hosts(store)
    catalog = store / CATALOG
    with sqlite3.connect(store / catalog_rel(host)) as src, sqlite3.connect(catalog) as dst:
        src.backup(dst)
    db = sqlite3.connect(catalog, isolation_level=None)
    for path, rejects in db.execute("SELECT path, rejects FROM parts").fetchall():
        old = path.replace(f"/log_host={host}/", "/")
        (store / old).parent.mkdir(parents=True, exist_ok=True)
        df = pl.read_parquet(store / path)
        if not rejects:
            df = df.with_columns(pl.col("status").cast(pl.UInt16), pl.col("bytes_sent").cast(pl.UInt64))
        df.write_parquet(store / old)
        db.execute("UPDATE parts SET path = ? WHERE path = ?", (old, path))
    db.execute("UPDATE meta SET value = '1' WHERE key = 'version'")
    db.execute("DELETE FROM meta WHERE key = 'host'")
    db.close()
    for f in sorted(store.rglob("*"), reverse=True):
        if "log_host=" in f.as_posix() or "_catalog/" in f.as_posix() + "/":
            f.unlink() if f.is_file() else f.rmdir()


def test_a_version_1_store_is_migrated_by_the_next_ingest(tmp_path):
    log, store = tmp_path / "access.log", tmp_path / "store"
    log.write_text(lines(0, 2000, step=90.0, bad_every=300))
    ingest([log], store, host="old", part_rows=700)
    make_version_1(store)
    assert part_types(store, "kind=access/date=*/*.parquet") == {("status", "uint16"), ("bytes_sent", "uint64")}
    with pytest.raises(StoreError, match="older mkslog .version 1.: run `mkslog ingest"):
        scan_store(store)

    append(log, lines(2000, 100))
    r = ingest([log], store, host="web1")
    assert r.migrated.startswith("migrated store version 1 to 2: ") and "now host 'web1'" in r.migrated
    assert "migrated store version 1 to 2" in r.summary()
    assert r.lines == 100  # the migrated catalog still knew how far the file had been read
    assert store_hosts(store) == ["web1"] and not (store / CATALOG).exists()
    assert not list(store.glob("kind=access/date=*")) and not (store / "kind=access" / "_rejects").exists()
    assert part_types(store, "kind=access/log_host=web1/date=*/*.parquet") == {("status", "int32"),
                                                                           ("bytes_sent", "int64")}
    text_stats, store_stats = mkslog.ParseStats(), mkslog.ParseStats()
    assert_frames_match(scan_store(store, stats=store_stats), mkslog.scan([log], stats=text_stats),
                        store_stats, text_stats)
    assert store_rejects(store).height == 7


def test_hosts_are_kept_apart_selected_and_grouped(tmp_path):
    logs = host_logs(tmp_path, {"web1": (0, 900), "web2": (5000, 600)})
    store = tmp_path / "store"
    for host, log in logs.items():
        assert ingest([log], store, host=host).lines == len(log.read_text().splitlines())
    # the same path on another host is another file, not a rewrite of web1's
    same = tmp_path / "web1" / "access.log"
    shared_store = tmp_path / "shared"
    ingest([same], shared_store, host="web1")
    keep = same.read_text()
    same.write_text(lines(9000, 50))
    assert [f.action for f in ingest([same], shared_store, host="web3").files] == ["new"]
    assert scan_store(shared_store, host="web1").select(pl.len()).collect().item() == good(0, 900)
    same.write_text(keep)

    assert store_hosts(store) == ["web1", "web2"]
    every = scan_store(store)
    by_host = dict(every.group_by("log_host").len().collect().iter_rows())
    assert by_host == {"web1": good(0, 900), "web2": good(5000, 600)}
    for host, log in logs.items():
        assert rows(scan_store(store, host=host)).equals(rows(mkslog.scan([log])))
        assert top_ips(mkslog.scan(store=store, host=host), 5).equals(top_ips(mkslog.scan([log]), 5))
    assert rows(every).equals(rows(mkslog.scan(list(logs.values()))))
    files = store_files(store)
    assert files.select("log_host", "lines").sort("log_host").rows() == [("web1", 900), ("web2", 600)]
    stats = mkslog.ParseStats()
    scan_store(store, stats=stats)
    assert sorted(stats.files) == sorted(f"{h}:{p}" for h, p in logs.items())
    assert stats.total.rejected == 1500 - good(0, 900) - good(5000, 600)
    with pytest.raises(StoreError, match="no rows of host web9: its hosts are web1, web2"):
        scan_store(store, host="web9")

    # the CLI: --host selects on the query commands, ingest takes --host or the config's
    res = CliRunner().invoke(main, ["top-ips", "--store", str(store), "--host", "web2", "--output", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)[0]["requests"] == top_ips(mkslog.scan([logs["web2"]]), 1)["requests"][0]
    toml = tmp_path / "mkslog.toml"
    toml.write_text(f'store = "store"\n[logs.access]\npaths = ["{tmp_path / "web3.log"}"]\nhost = "web3"\n')
    (tmp_path / "web3.log").write_text(lines(7000, 40))
    res = CliRunner().invoke(main, ["ingest", "--config", str(toml)])
    assert res.exit_code == 0, res.output
    assert store_hosts(store) == ["web1", "web2", "web3"]
    # store_hosts in the config: what reads without host= cover (the weekly report of one host)
    one = tmp_path / "one-host.toml"
    one.write_text('store = "store"\nstore_hosts = ["web2"]\n')
    assert rows(mkslog.scan(config=one)).equals(rows(mkslog.scan([logs["web2"]])))
    assert mkslog.scan(config=toml).select(pl.col("log_host").n_unique()).collect().item() == 3
    res = CliRunner().invoke(main, ["ingest", str(tmp_path / "web3.log"), "--store", str(store), "--host", "a/b"])
    assert res.exit_code == 1 and "cannot name a store partition" in res.output


def test_several_hosts_ingest_into_one_store_at_once(tmp_path):
    """Real processes: four hosts at the same time (each checkpointing often, so their
    transactions interleave), and two ingests of one host queued by --wait. Counts are exact."""
    sizes = {"web1": (0, 6000), "web2": (20000, 5000), "web3": (40000, 4000), "web4": (60000, 3000)}
    logs = host_logs(tmp_path, sizes)
    store = tmp_path / "store"
    procs = []
    for host, log in logs.items():
        for _ in range(2 if host == "web1" else 1):
            cmd = [sys.executable, "-m", "mkslog", "ingest", str(log), "--store", str(store), "--host", host,
                   "--wait", "120", "--chunk-size", "16384", "--part-rows", "300", "--output", "json"]
            procs.append(subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err.decode()
    read = sorted(sum(r["lines"] for r in json.loads(out)) for out, _ in outs)
    assert read == sorted([0, 6000, 5000, 4000, 3000])  # web1's second ingest found nothing new
    assert store_hosts(store) == sorted(sizes)
    counts = dict(scan_store(store).group_by("log_host").len().collect().iter_rows())
    expected = {h: good(s, n) for h, (s, n) in sizes.items()}
    assert counts == expected
    text_stats, store_stats = mkslog.ParseStats(), mkslog.ParseStats()
    assert_frames_match(scan_store(store, stats=store_stats), mkslog.scan(list(logs.values()), stats=text_stats),
                        store_stats, text_stats)
    listed = {p for h in sizes for p in store_parts(store, h)}
    assert listed == {p.relative_to(store).as_posix() for p in store.glob("kind=access/log_host=*/*/*.parquet")}


def store_parts(store: Path, host: str) -> list[str]:
    with sqlite3.connect(store / catalog_rel(host)) as db:
        return [r[0] for r in db.execute("SELECT path FROM parts")]
