"""Timestamps of fixed layouts read by C (mkslog/native/clocktime.c via mkslog/formats/clocktimes.py)
equal what polars' strptime path reads (the converters' own expressions), value for value: real
and random dates over the whole 0000-9999 range, leap days, dates that do not exist, second 60,
hour 24, month names in any case, any offset; a column with a value of another shape or a null
is left to polars."""

from __future__ import annotations

import random

import polars as pl
import pytest
from line_samples import real_lines

from mkslog.formats import clocktimes, fields
from mkslog.formats.asctime import DEFAULT_CHRONO

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def test_the_extension_is_built():
    assert clocktimes.clocktime is not None


def clf_values() -> list[str]:
    rng = random.Random(7)
    made = [f"{rng.randint(0, 32):02d}/{rng.choice(MONTHS + ['jan', 'FEB', 'oCt', 'Foo'])}/{rng.randint(0, 9999):04d}:"
            f"{rng.randint(0, 25):02d}:{rng.randint(0, 61):02d}:{rng.randint(0, 61):02d} "
            f"{rng.choice('+-')}{rng.randint(0, 14):02d}{rng.randint(0, 99):02d}" for _ in range(20000)]
    edges = ["29/Feb/2028:00:00:00 +0000", "29/Feb/2027:00:00:00 +0000", "29/Feb/2000:12:00:00 +0900",
             "29/Feb/1900:12:00:00 +0900", "31/Apr/2026:00:00:00 +0000", "31/Dec/9999:23:59:60 -1200",
             "01/Jan/0000:00:00:00 +1400", "10/Oct/2026:24:00:00 +0900", "10/Oct/2026:13:60:00 +0900",
             "00/Oct/2026:13:55:36 +0900", "10/Oct/2026:13:55:36 -0000"]
    real = [line.split("[", 1)[1][:26] for line in real_lines() if "[" in line and line.split("[", 1)[1][26:27] == "]"]
    assert len(real) > 1000
    return made + edges + real


def polars_clf(values: pl.Series) -> pl.DataFrame:
    frame = pl.DataFrame({"g0": values})
    return frame.select(fields.clf_parts("g0")).unnest(fields.parts_column("g0"))


def test_clf_times_are_what_polars_reads():
    values = pl.Series("g0", clf_values())
    got = clocktimes.clf_clock(values, "x").struct.unnest()
    want = polars_clf(values)
    assert got.equals(want)
    assert got["ts"].null_count() > 1000 and got["ts"].is_not_null().sum() > 10000  # both kinds are tested


def test_asctimes_are_what_polars_reads():
    rng = random.Random(8)
    made = [f"{rng.randint(0, 9999):04d}-{rng.randint(0, 13):02d}-{rng.randint(0, 32):02d} {rng.randint(0, 25):02d}:"
            f"{rng.randint(0, 61):02d}:{rng.randint(0, 61):02d},{rng.randint(0, 999):03d}" for _ in range(20000)]
    made += ["2028-02-29 23:59:60,999", "2027-02-29 00:00:00,000", "2026-11-18 14:05:00,123", "0000-01-01 00:00:00,000"]
    values = pl.Series("g0", made)
    got = clocktimes.asctime_naive(values)
    want = values.str.strptime(pl.Datetime("us"), DEFAULT_CHRONO, strict=False)
    assert got.equals(want)
    assert got.null_count() > 1000 and got.is_not_null().sum() > 10000


@pytest.mark.parametrize("odd", ["1/Oct/2026:13:55:36 +0900", "10/Oct/2026:13:55:36 +09:00", "10/Oct/2026 13:55:36 +0900",
                                 "10/Oct/2026:13:55:3x +0900", "10/Oct/2026:13:55:36 +0900 ", "", "10/10/2026:13:55:36 +0900"])
def test_a_value_of_another_shape_leaves_the_column_to_polars(odd):
    assert clocktimes.clf_clock(pl.Series(["10/Oct/2026:13:55:36 +0900", odd]), "x") is None
    assert clocktimes.asctime_naive(pl.Series(["2026-11-18 14:05:00,123", odd])) is None
    assert clocktimes.clf_clock(pl.Series(["10/Oct/2026:13:55:36 +0900", None]), "x") is None  # nulls too


def test_switched_off_polars_reads_them(monkeypatch):
    from mkslog.formats import views

    monkeypatch.setenv(views.DISABLE_ENV, "1")
    assert clocktimes.clf_clock(pl.Series(["10/Oct/2026:13:55:36 +0900"]), "x") is None


def test_a_parse_reads_its_timestamps_in_c(monkeypatch):
    """The equalities above would hold too if the parsers never reached the C code: count its calls."""
    from pathlib import Path
    from types import SimpleNamespace

    from mkslog.parse.pipeline import parse_file

    root = Path(__file__).resolve().parent.parent
    layouts: list[int] = []
    real = clocktimes.clocktime

    def counted(*args):
        layouts.append(args[-1])
        return real.times(*args)

    monkeypatch.setattr(clocktimes, "clocktime", SimpleNamespace(times=counted))
    access = parse_file(str(root / "sample_logs/nginx/mirai-knowledge-system-access.log"), "access", "timed")
    app = parse_file(str(root / "sample_logs/app/app.log"), "app")
    assert clocktimes.CLF in layouts and clocktimes.ASCTIME in layouts
    assert access["ts"].null_count() == 0 and app["ts"].null_count() == 0 and len(access) > 1000 and len(app) > 100
