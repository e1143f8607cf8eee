"""The store in an S3-compatible bucket: a real S3 server (moto's server mode, from PyPI) on
127.0.0.1, started by these tests; mkslog writes through pyarrow.fs and reads through polars,
both configured by the usual AWS variables, as they would be for MinIO or AWS itself."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import polars as pl
import pyarrow.dataset as pads
import pyarrow.fs as pafs
import pytest
from click.testing import CliRunner
from test_store import ROOT, append, assert_frames_match, lines, rows

import mkslog
from mkslog.cli.main import main
from mkslog.queries import top_ips
from mkslog.store import ingest, scan_store, store_files, store_hosts, store_rejects

pytest.importorskip("moto", reason="moto (the test extra) runs the local S3 server")


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory):
    """moto's S3 server on a free port of 127.0.0.1, with a bucket ``logs``; the AWS variables
    that point pyarrow and polars at it (set for this process and for child processes)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path_factory.mktemp("s3") / "moto.log"  # a file: a full pipe would stall the server
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=open(log, "wb"))  # noqa: SIM115
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ALLOW_HTTP": "true"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the S3 server did not start"
                time.sleep(0.1)
        fs = pafs.S3FileSystem(endpoint_override=f"127.0.0.1:{port}", scheme="http", allow_bucket_creation=True)
        fs.create_dir("logs")
        yield fs
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def test_ingest_into_a_bucket_and_read_it_back(s3_server, tmp_path):
    store = "s3://logs/fleet-a"
    log = tmp_path / "access.log"
    log.write_text(lines(0, 1500, step=60.0, bad_every=250))
    first = ingest([log], store, host="web1", part_rows=400)
    assert (first.lines, first.rejected) == (1500, 6)
    keys = [i.path for i in s3_server.get_file_info(pafs.FileSelector("logs/fleet-a", recursive=True))]
    assert "logs/fleet-a/_catalog/web1.sqlite" in keys
    assert any(k.startswith("logs/fleet-a/kind=access/log_host=web1/date=") for k in keys)
    assert not any(k.endswith(".tmp") for k in keys)

    append(log, lines(1500, 100))
    again = ingest([log], store, host="web1")
    assert [(f.action, f.lines) for f in again.files] == [("appended", 100)]
    assert ingest([log], store, host="web1").lines == 0

    text_stats, store_stats = mkslog.ParseStats(), mkslog.ParseStats()
    assert_frames_match(scan_store(store, stats=store_stats), mkslog.scan([log], stats=text_stats),
                        store_stats, text_stats)
    assert top_ips(mkslog.scan(store=store), 5).equals(top_ips(mkslog.scan([log]), 5))
    assert store_files(store)["lines"].to_list() == [1600]
    assert store_rejects(store).height == 6

    # the bucket is a Hive-partitioned dataset for pyarrow (and so for engines that read S3)
    ds = pads.dataset("logs/fleet-a/kind=access", filesystem=s3_server, format="parquet", partitioning="hive",
                      exclude_invalid_files=False)
    table = ds.to_table()
    assert table.num_rows == 1600 - 6 and set(table.column("log_host").to_pylist()) == {"web1"}
    assert str(table.schema.field("status").type) == "int32"

    res = CliRunner().invoke(main, ["summary", "--store", store, "--output", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["requests"] == 1600 - 6


def test_hosts_ingest_into_one_bucket_at_once(s3_server, tmp_path):
    """Three real processes, three hosts, one bucket: each writes only its own catalog and parts."""
    store = "s3://logs/fleet-b"
    logs = {}
    for i, host in enumerate(["web1", "web2", "web3"]):
        logs[host] = tmp_path / f"{host}.log"
        logs[host].write_text(lines(i * 10_000, 2500 + 500 * i, bad_every=111))
    procs = [subprocess.Popen([sys.executable, "-m", "mkslog", "ingest", str(log), "--store", store, "--host", host,
                               "--chunk-size", "16384", "--part-rows", "500"],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for host, log in logs.items()]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()
    assert store_hosts(store) == ["web1", "web2", "web3"]
    stored = scan_store(store)
    for host, log in logs.items():
        assert rows(stored.filter(pl.col("log_host") == host)).equals(rows(mkslog.scan([log])))
    assert rows(scan_store(store, host=["web1", "web3"])).height == rows(
        mkslog.scan([logs["web1"], logs["web3"]])).height
