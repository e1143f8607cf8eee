"""The configured logs of the report's period, read once: :class:`PeriodLogs` (``WeekLogs`` is the
same class), and the frame helpers of its sections (:func:`fill_period`, :func:`has_timing`).

:class:`PeriodLogs` parses each configured log once, keeps the rows of the report's period (a day,
an ISO week, a month or a range: :class:`mkslog.timespec.Period`) and of the period before in a
temporary Parquet file (removed by :meth:`PeriodLogs.close` or when the process ends), and hands
out LazyFrames over that file: the dozen queries
of a report read columns, not text, and memory stays bounded (the parse streams into the file).
A log that is not there (no file matches, unreadable, unknown format) is recorded in
``WeekLogs.missing`` and its frame is None, so its section can say so in one line.

>>> logs = PeriodLogs("mkslog.example.toml", resolve_period("month", "2026-11"))  # doctest: +SKIP
>>> logs.access.select("path").head(1).collect()  # doctest: +SKIP
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import polars as pl

from ..config import Config, load_config
from ..errors import MkslogError, ReportError
from ..kinds import OWN_KINDS
from ..present.html import Html
from ..timespec import Period
from .week import resolve_week

#: The logs the weekly report reads: the access log, the application log and mkslog's own logs.
REPORT_KINDS: tuple[str, ...] = ("access", "app", *OWN_KINDS, "nginx-error", "gunicorn-error")
#: The access-log columns the weekly report's queries read. Extracting fewer fields is what makes
#: parsing fast (on 10M lines: about 3x faster than every field); ``access_columns=None`` keeps all.
REPORT_ACCESS_COLUMNS = ("ts", "remote_addr", "path", "status", "request_time",
                         # the visitor panels and the 502/504 join (report/visitors.py, report/serverlogs.py)
                         "method", "query", "bytes_sent", "referer", "user_agent", "host", "server_name")
#: The application-log columns the report reads (errors per hour, the top exceptions, failed logins):
#: a traceback's joined text (``detail``) and the bookkeeping columns are not written to the
#: period's file (10M records: 0.4 s of a 5 s parse). ``app_columns=None`` keeps all.
REPORT_APP_COLUMNS = ("ts", "level", "logger", "message", "exc_type", "exc_message")
#: The period files are written once and read by every section: lz4 costs less than zstd both ways
#: (10M access lines: the sections' queries 0.5 s faster, the write 5 % less CPU), the file is
#: 1.6x zstd's, and it lives only as long as the report.
PERIOD_FILE_COMPRESSION = "lz4"


#: The temporary folders of the PeriodLogs objects not closed yet, removed when the process ends.
OWNED_WORKDIRS: set[Path] = set()


@atexit.register
def remove_owned_workdirs() -> None:
    """Remove the period files no :meth:`PeriodLogs.close` removed (at the process's end)."""
    for workdir in list(OWNED_WORKDIRS):
        shutil.rmtree(workdir, ignore_errors=True)
    OWNED_WORKDIRS.clear()


class PeriodLogs:
    """The configured logs of one period (and the period before, for comparisons), parsed once.

    ``config``: a :class:`~mkslog.config.Config` or the path of an mkslog.toml. ``period``: a
    :class:`~mkslog.timespec.Period`, or a week spec for :func:`~mkslog.report.week.resolve_week`. ``tz``: the display timezone (default: the
    config's ``timezone``). Frames have ``ts`` in that timezone, so hours and days are local.
    ``access_columns``, ``app_columns``: the fields of the access and application logs to keep
    (default: those the report reads; None: all, e.g. for an app record's ``detail``). ``on_progress``: called as
    ``on_progress(kind, lines, nbytes)`` after each chunk of text parsed (a progress line; a test
    that the text of each log is read exactly once: every figure comes from that one read).
    """

    def __init__(self, config: Config | str | os.PathLike | None, period: Period | str, *, tz: str | None = None,
                 kinds: Iterable[str] = REPORT_KINDS, workdir: str | os.PathLike | None = None,
                 access_columns: Iterable[str] | None = REPORT_ACCESS_COLUMNS,
                 app_columns: Iterable[str] | None = REPORT_APP_COLUMNS,
                 on_progress: Callable[[str, int, int], None] | None = None):
        self.on_progress = on_progress
        self.columns = {kind: None if columns is None else list(columns)
                        for kind, columns in (("access", access_columns), ("app", app_columns))}
        self.config = config if isinstance(config, Config) else load_config(config)
        self.tz = tz or self.config.get("timezone") or "UTC"
        self.period = period if isinstance(period, Period) else resolve_week(period, self.tz)
        self.previous_period = self.period.previous()
        self._owned: Path | None = None
        if workdir is None:
            # removed by close() or when the process ends, not when this object is collected: a
            # frame handed out (``PeriodLogs(...).app``) still reads its file after the object is gone
            workdir = self._owned = Path(tempfile.mkdtemp(prefix="mkslog-period-"))
            OWNED_WORKDIRS.add(workdir)
        self.closed = False
        self.workdir = Path(workdir)
        self.stats: dict = {}
        self.missing: dict[str, str] = {}
        self._files: dict[str, Path] = {}
        self._rows: dict[tuple[str, bool], int] = {}
        self._days: dict[tuple[str, bool], list] = {}
        for kind in kinds:
            self._load(kind)

    def _load(self, kind: str) -> None:
        from ..frame import scan
        from ..parse.stats import ParseStats
        from ..queries import endpoint

        stats = ParseStats()
        if self.on_progress is not None:
            stats.on_progress = lambda lines, nbytes: self.on_progress(kind, lines, nbytes)
        path = self.workdir / f"{kind}.parquet"
        try:  # the front door, as the CLI calls it: the window is pushed into the parse
            lf = scan(None, kind=kind, config=self.config, stats=stats, since=self.previous_period.start,
                      until=self.period.end)
            if self.columns.get(kind) is not None:
                lf = lf.select(c for c in self.columns[kind] if c in lf.collect_schema())
            if kind == "access" and "path" in lf.collect_schema():
                # folded once here, not by each of the report's five queries by endpoint (a fold
                # is most of such a query: 10M requests, 2.4 s against 0.5 s for the raw path)
                lf = lf.with_columns(endpoint())
            lf.sink_parquet(path, compression=PERIOD_FILE_COMPRESSION)
        except MkslogError as exc:
            self.missing[kind] = str(exc)
            return
        self.stats[kind] = stats
        if stats.total.lines == 0:
            self.missing[kind] = "the log files are empty"
            return
        self._files[kind] = path

    def close(self) -> None:
        """Remove the period's files (the temporary folder this object made; a ``workdir`` given
        is left as it is). Frames handed out before can no longer be read; :meth:`frame` then
        raises a ReportError. Also ``with PeriodLogs(...) as logs:``."""
        self.closed = True
        if self._owned is not None:
            shutil.rmtree(self._owned, ignore_errors=True)
            OWNED_WORKDIRS.discard(self._owned)
            self._owned = None

    def __enter__(self) -> PeriodLogs:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @property
    def week(self) -> Period:
        """The period (the name from when every report was weekly)."""
        return self.period

    @property
    def previous_week(self) -> Period:
        return self.previous_period

    def frame(self, kind: str, *, previous: bool = False) -> pl.LazyFrame | None:
        """The rows of ``kind`` in the period (or the period before), ``ts`` in the display timezone;
        None when that log is missing."""
        from ..queries import between, in_timezone

        if self.closed:
            raise ReportError("these period logs were closed (PeriodLogs.close()): make a new PeriodLogs "
                              "to read the period again")
        if kind not in self._files:
            return None
        period = self.previous_period if previous else self.period
        return in_timezone(between(pl.scan_parquet(self._files[kind]), period.start, period.end), self.tz)

    def rows(self, kind: str, *, previous: bool = False) -> int:
        """How many records of ``kind`` the period (or the period before) holds; 0 for a missing log.
        Counted once: the period's files do not change, and a report's sections ask again and again."""
        key = (kind, previous)
        if key not in self._rows:
            lf = self.frame(kind, previous=previous)
            self._rows[key] = 0 if lf is None else lf.select(pl.len()).collect().item()
        return self._rows[key]

    def has_previous(self, kind: str = "access") -> bool:
        """Whether the period before holds any record of ``kind``: without one there is nothing to
        compare with, and the report says so once instead of a column of dashes."""
        return self.rows(kind, previous=True) > 0

    def days_with_data(self, kind: str, *, previous: bool = False) -> list:
        """The local dates of the period (or the period before) on which ``kind`` has at least one
        record. Found once per log (each look converts every record's time to a local date)."""
        from ..queries.localtime import LocalClock

        key = (kind, previous)
        if key not in self._days:
            lf = self.frame(kind, previous=previous)
            self._days[key] = [] if lf is None else sorted(
                lf.select(LocalClock.of(lf).part("date").unique()).collect().to_series().drop_nulls().to_list())
        return list(self._days[key])  # a copy: the cached list stays as it was found

    def coverage(self) -> pl.DataFrame:
        """log, first, last, records, days_without_data, newest_before: per log read, the first and
        last record in the period, the period's days without any record, and (when the period is
        empty) the newest record of the period before, so a banner can say where the logs end."""
        rows = []
        for kind in self._files:
            lf = self.frame(kind)
            first, last, n = lf.select(pl.col("ts").min().alias("first"), pl.col("ts").max().alias("last"),
                                     pl.len()).collect().row(0)
            # the days by a query of their own: with the unique dates in this select polars left
            # the streaming engine (10M rows: 341 MiB and 1.0 s against 77 MiB and 0.6 s for both)
            self._rows.setdefault((kind, False), n)
            days = set(self.days_with_data(kind))
            newest = None
            if not n:
                newest = self.frame(kind, previous=True).select(pl.col("ts").max()).collect().item()
            rows.append({"log": kind, "first": first, "last": last, "records": n,
                         "days_without_data": [d for d in self.period.days() if d not in days],
                         "newest_before": newest})
        ts = pl.Datetime("us", self.tz)
        return pl.DataFrame(rows, schema={"log": pl.String, "first": ts, "last": ts, "records": pl.Int64,
                                          "days_without_data": pl.List(pl.Date), "newest_before": ts})

    @property
    def access(self) -> pl.LazyFrame | None:
        return self.frame("access")

    @property
    def app(self) -> pl.LazyFrame | None:
        return self.frame("app")

    @property
    def health(self) -> pl.LazyFrame | None:
        return self.frame("health")

    @property
    def metrics(self) -> pl.LazyFrame | None:
        return self.frame("metrics")

    @property
    def backup(self) -> pl.LazyFrame | None:
        return self.frame("backup")

    def missing_note(self, kind: str, lang: str = "en") -> Html:
        """The one line a section shows when its log is missing."""
        from ..present.html import missing

        return missing(kind, self.missing.get(kind, "not read"), lang)

    def threshold(self, name: str) -> float:
        """A ``[thresholds]`` value of the config (``cpu``, ``memory``, ``disk``, ``slow_ms`` ...),
        read as the CLI reads it (:func:`mkslog.queries.threshold`)."""
        from ..queries import threshold

        return threshold(self.config, name)


def fill_period(df: pl.DataFrame, logs: PeriodLogs, every: str = "1h", ts: str = "ts", *,
                kind: str | None = None, previous: bool = False) -> pl.DataFrame:
    """``df`` (one row per ``every`` bucket, as ``requests_over_time`` or ``error_counts`` give it)
    on the whole period's grid of buckets: a bucket the log has no row for counts 0 (the queries
    fill only between the first and the last row). With ``kind``, buckets on days that log has no
    record at all stay null: a day the log does not cover is "no data", not "zero errors".
    ``previous``: the grid of the period before (``df`` from its frame)."""
    period = logs.previous_period if previous else logs.period
    grid = pl.datetime_range(period.start, period.end, every, closed="left", time_unit="us",
                             time_zone="UTC", eager=True).dt.convert_time_zone(logs.tz).alias(ts).to_frame()
    # an empty df still brings its columns: a week without errors is a grid of zeros, not a grid
    # without a count column (which failed the report's errors cell)
    grid = grid.with_columns(pl.col(ts).cast(df.schema[ts]))
    filled = grid.join(df, on=ts, how="left")
    counts = [c for c, t in df.schema.items() if c != ts and t.is_integer()]
    if kind is None:
        return filled.with_columns(pl.col(c).fill_null(0) for c in counts)
    days = logs.days_with_data(kind, previous=previous)
    covered = pl.col(ts).dt.date().is_in(pl.Series(days, dtype=pl.Date).implode())
    return filled.with_columns(pl.when(covered).then(pl.col(c).fill_null(0)).otherwise(None).alias(c)
                               for c in counts)


#: The names from when every report was weekly.
WeekLogs = PeriodLogs
fill_week = fill_period


def has_timing(access: pl.LazyFrame) -> bool:
    """Whether the access frame carries response times (a log format with ``$request_time``)."""
    if "request_time" not in access.collect_schema():
        return False
    return bool(access.select(pl.col("request_time").is_not_null().any()).collect().item())


__all__ = ["PERIOD_FILE_COMPRESSION", "REPORT_ACCESS_COLUMNS", "REPORT_APP_COLUMNS", "REPORT_KINDS", "PeriodLogs", "WeekLogs", "fill_period", "fill_week",
           "has_timing"]
