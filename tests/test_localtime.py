"""mkslog.queries.localtime: local clock times from the UTC clock plus one offset, where the zone
keeps one offset over the frame's rows; the same answers as polars' per-row conversion, always."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest

import mkslog
from mkslog import queries as q
from mkslog.queries.localtime import MAX_SPAN, LocalClock, offset_over

ROOT = Path(__file__).resolve().parent.parent
ACCESS = ROOT / "sample_logs" / "nginx" / "mirai-knowledge-system-access.log"
APP = ROOT / "sample_logs" / "app" / "app.log"


def instants(start: datetime, days: float, n: int = 5000) -> list[datetime]:
    rng = random.Random(7)
    span = int(days * 86400 * 1e6)
    # random instants, and every whole and half hour and quarter (where buckets start and end)
    exact = [start + timedelta(minutes=15 * i) for i in range(int(days * 96))]
    return sorted(exact + [start + timedelta(microseconds=rng.randrange(span)) for _ in range(n)])


def frame(values: list[datetime | None], tz: str, tmp_path: Path) -> pl.LazyFrame:
    """The instants in a real Parquet file, read back with ``ts`` in ``tz`` (as the report's period frames)."""
    path = tmp_path / "ts.parquet"
    pl.DataFrame({"ts": values}, schema={"ts": pl.Datetime("us", "UTC")}).write_parquet(path)
    return pl.scan_parquet(path).with_columns(pl.col("ts").dt.convert_time_zone(tz))


def polars_way(lf: pl.LazyFrame) -> LocalClock:
    return LocalClock("ts", lf.collect_schema()["ts"].time_zone, None)


def answers(lf: pl.LazyFrame, clock: LocalClock) -> list[pl.DataFrame]:
    return [lf.select(clock.truncate(every).alias("b"), pl.col("ts")).collect() for every in ("1h", "1d", "1w", "15m")] + [
        lf.select(clock.part(name).alias(name)).collect() for name in ("date", "hour", "weekday")]


@pytest.mark.parametrize("tz, start", [
    ("Asia/Tokyo", datetime(2026, 11, 15, 14, tzinfo=UTC)),
    ("Asia/Kolkata", datetime(2026, 11, 15, tzinfo=UTC)),      # +05:30: buckets start at half hours of UTC
    ("Asia/Kathmandu", datetime(2026, 11, 15, tzinfo=UTC)),    # +05:45
    ("America/St_Johns", datetime(2026, 12, 1, tzinfo=UTC)),   # -03:30, in winter
    ("Europe/Berlin", datetime(2026, 11, 16, tzinfo=UTC)),     # a week without a change of summer time
])
def test_one_offset_over_the_rows_gives_polars_answers_from_the_utc_clock(tz, start, tmp_path):
    lf = frame(instants(start, 7), tz, tmp_path)
    clock = LocalClock.of(lf)
    assert clock.offset == start.astimezone(ZoneInfo(tz)).utcoffset()
    for fast, slow in zip(answers(lf, clock), answers(lf, polars_way(lf)), strict=True):
        assert fast.equals(slow)
        assert fast.schema == slow.schema


@pytest.mark.parametrize("tz, start", [
    ("Europe/Berlin", datetime(2026, 10, 19, tzinfo=UTC)),     # the week summer time ends (25 Oct)
    ("America/New_York", datetime(2026, 3, 5, tzinfo=UTC)),    # the week it begins (8 Mar)
    ("Australia/Lord_Howe", datetime(2026, 4, 1, tzinfo=UTC)), # a half-hour change (5 Apr)
])
def test_a_change_of_offset_among_the_rows_keeps_polars_own_way(tz, start, tmp_path):
    lf = frame(instants(start, 7), tz, tmp_path)
    clock = LocalClock.of(lf)
    assert clock.offset is None
    for fast, slow in zip(answers(lf, clock), answers(lf, polars_way(lf)), strict=True):
        assert fast.equals(slow)


def test_frames_it_cannot_or_need_not_shorten_keep_polars_own_way(tmp_path):
    far = [datetime(1, 1, 1, tzinfo=UTC), datetime(2026, 11, 18, tzinfo=UTC)]
    assert LocalClock.of(frame(far, "Asia/Tokyo", tmp_path)).offset is None  # far beyond MAX_SPAN
    assert LocalClock.of(frame([None, None], "Asia/Tokyo", tmp_path)).offset is None  # no time at all
    assert LocalClock.of(frame([], "Asia/Tokyo", tmp_path)).offset is None
    assert LocalClock.of(frame(far[1:], "UTC", tmp_path)).offset is None  # UTC is fast already
    naive = pl.LazyFrame({"ts": [datetime(2026, 11, 18)]})
    assert LocalClock.of(naive).offset is None
    assert LocalClock.of(pl.LazyFrame({"x": [1]})).offset is None  # no ts column at all
    text = mkslog.scan(ACCESS, "timed", tz="Asia/Tokyo")  # parsed as read: not read twice
    assert text.collect_schema()["ts"].time_zone == "Asia/Tokyo" and LocalClock.of(text).offset is None


def test_year_0_and_9999_from_hostile_logs_do_not_break_the_look(tmp_path):
    path = tmp_path / "far.parquet"
    pl.DataFrame({"ts": [-62_167_219_200_000_000, 253_402_300_799_000_000]},
                 schema={"ts": pl.Int64}).select(pl.col("ts").cast(pl.Datetime("us", "UTC"))).write_parquet(path)
    lf = pl.scan_parquet(path).with_columns(pl.col("ts").dt.convert_time_zone("Asia/Tokyo"))
    clock = LocalClock.of(lf)
    assert clock.offset is None
    assert lf.select(clock.truncate("1h")).collect().height == 2


def test_offset_over_looks_at_every_hour_of_the_span():
    berlin = "Europe/Berlin"
    change = datetime(2026, 10, 25, 1, tzinfo=UTC)  # 03:00 summer time -> 02:00 winter time
    assert offset_over(berlin, change - timedelta(days=3), change - timedelta(microseconds=1)) == timedelta(hours=2)
    assert offset_over(berlin, change, change + timedelta(days=3)) == timedelta(hours=1)
    assert offset_over(berlin, change - timedelta(minutes=30), change + timedelta(minutes=30)) is None
    assert offset_over("Asia/Tokyo", datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC) + MAX_SPAN) \
        == timedelta(hours=9)
    assert offset_over("Asia/Tokyo", datetime(2026, 1, 1, tzinfo=UTC),
                       datetime(2026, 1, 1, tzinfo=UTC) + MAX_SPAN + timedelta(hours=1)) is None


@pytest.mark.parametrize("tz", ["Asia/Tokyo", "Asia/Kolkata"])
def test_the_queries_over_parquet_agree_with_the_same_log_read_as_text(tz, tmp_path):
    """The queries that bucket by local time give over a Parquet copy (the fast path) what they
    give over the log's text (polars' per-row way)."""
    text = mkslog.scan(ACCESS, "timed", tz=tz)
    path = tmp_path / "access.parquet"
    mkslog.scan(ACCESS, "timed").sink_parquet(path)
    parquet = pl.scan_parquet(path).with_columns(pl.col("ts").dt.convert_time_zone(tz))
    assert LocalClock.of(parquet).offset is not None
    assert q.requests_over_time(parquet, "1d")["requests"].sum() == parquet.select(pl.len()).collect().item() > 1000
    for query in (lambda lf: q.requests_over_time(lf, "1h"), lambda lf: q.requests_over_time(lf, "1d"),
                  q.hour_weekday, lambda lf: q.latency_stats(lf, by="hour"),
                  lambda lf: q.suspicious_ips(lf, requests_per_hour=5)):
        assert query(parquet).equals(query(text))
    app_text = mkslog.scan(APP, kind="app", tz=tz)
    app_path = tmp_path / "app.parquet"
    mkslog.scan(APP, kind="app").sink_parquet(app_path)
    app = pl.scan_parquet(app_path).with_columns(pl.col("ts").dt.convert_time_zone(tz))
    assert q.error_counts(app, every="1h").equals(q.error_counts(app_text, every="1h"))
    assert q.error_counts(app, every="1h")["count"].sum() > 0
