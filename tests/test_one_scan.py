"""Every figure of ``summary`` and of the report's data comes from ONE read of each log's text.

Counted with the ParseStats the scan fills: ``on_progress(lines, nbytes)`` is called for every chunk
the parser reads, so the lines it reports over a whole call are the lines read; a second scan of a
log (one query per figure) would report each of its lines twice. The logs are the bundled sample
week (rotated, some gzipped) and a 40,000-line ``timed`` log read in 64 KB chunks, so the
one-pass aggregation is merged over many batches.
"""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

import mkslog
from mkslog.queries import summary
from mkslog.report.weeklogs import PeriodLogs

ROOT = Path(__file__).resolve().parent.parent
ACCESS = sorted((ROOT / "sample_logs" / "nginx").glob("mirai-knowledge-system-access.log*"))
APP = ROOT / "sample_logs" / "app" / "app.log"


def lines_in(paths) -> int:
    total = 0
    for path in paths:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as fh:
            total += fh.read().count(b"\n")
    return total


def counted() -> tuple[mkslog.ParseStats, Counter]:
    """A ParseStats whose ``on_progress`` adds up the lines the parser reports."""
    stats, read = mkslog.ParseStats(), Counter()
    stats.on_progress = lambda lines, nbytes: read.update(lines=lines, chunks=1)
    return stats, read


def test_summary_reads_the_access_log_and_the_app_log_once_each():
    access_stats, access_read = counted()
    app_stats, app_read = counted()
    access = mkslog.scan([str(p) for p in ACCESS], "timed", stats=access_stats, tz="Asia/Tokyo")
    app = mkslog.scan(str(APP), kind="app", stats=app_stats)
    row = summary(access, app, stats=[access_stats, app_stats]).row(0, named=True)
    assert access_read["lines"] == access_stats.total.lines == lines_in(ACCESS) == 26363
    assert app_read["lines"] == app_stats.total.lines == lines_in([APP]) == 2456
    # and the figures are those of the collected frame
    df = mkslog.read([str(p) for p in ACCESS], "timed")
    assert row["requests"] == df.height
    assert row["unique_ips"] == df["remote_addr"].n_unique()
    assert row["status_5xx"] == (df["status"] // 100 == 5).sum()


def test_summary_merges_many_batches_from_one_read(tmp_path):
    """Small chunks: many batches, each aggregated in the engine, merged once; still one read."""
    log = tmp_path / "timed.log"
    ips = [f"10.0.{i % 7}.{i % 13}" for i in range(40_000)]
    log.write_text("".join(
        f'{ip} - - [23/Nov/2026:{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d} +0900] '
        f'"GET /api/v1/knowledge/{i % 90} HTTP/1.1" {500 if i % 11 == 0 else 200} {i} "-" "curl/8.5.0" '
        f'{(i % 997) / 1000:.3f} 0.001\n' for i, ip in enumerate(ips)))
    stats, read = counted()
    row = summary(mkslog.scan(str(log), "timed", stats=stats, chunk_size=64 * 1024)).row(0, named=True)
    assert read["lines"] == stats.total.lines == 40_000
    assert read["chunks"] > 20
    top_ip, top_n = Counter(ips).most_common(1)[0]
    assert (row["requests"], row["unique_ips"], row["top_ip"], row["top_ip_requests"]) == (40_000, 91, top_ip, top_n)
    assert row["status_5xx"] == sum(1 for i in range(40_000) if i % 11 == 0)
    assert row["top_endpoint"] == "/api/v1/knowledge/{id}" and row["top_endpoint_requests"] == 40_000
    ms = pl.Series([(i % 997) for i in range(40_000)], dtype=pl.Float64)
    assert row["p95_ms"] == pytest.approx(ms.quantile(0.95, "linear"))


def test_the_reports_data_reads_each_log_once():
    read: Counter = Counter()
    logs = PeriodLogs(str(ROOT / "mkslog.example.toml"), "2026-W47", tz="Asia/Tokyo",
                      kinds=["access", "app", "metrics"],
                      on_progress=lambda kind, lines, nbytes: read.update({kind: lines}))
    # every figure of the report is a query over the period's Parquet: none reads the text again
    logs.coverage(), logs.has_previous(), logs.rows("access"), logs.days_with_data("app")
    assert read["access"] == logs.stats["access"].total.lines == lines_in(ACCESS)
    assert read["app"] == logs.stats["app"].total.lines == lines_in([APP])
    assert read["metrics"] == logs.stats["metrics"].total.lines > 0
