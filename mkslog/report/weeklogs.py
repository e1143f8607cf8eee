"""The configured logs of the report's week, read once: :class:`WeekLogs`, and the frame helpers
of its sections (:func:`fill_week`, :func:`has_timing`).

:class:`WeekLogs` parses each configured log once, keeps the rows of the report's week and of the
week before in a temporary Parquet file, and hands out LazyFrames over that file: the dozen queries
of a report read columns, not text, and memory stays bounded (the parse streams into the file).
A log that is not there (no file matches, unreadable, unknown format) is recorded in
``WeekLogs.missing`` and its frame is None, so its section can say so in one line.

>>> logs = WeekLogs("mkslog.example.toml", "2026-W47")  # doctest: +SKIP
>>> logs.access.select("path").head(1).collect()  # doctest: +SKIP
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import polars as pl

from ..config import Config, load_config
from ..errors import MkslogError
from ..kinds import OWN_KINDS
from ..present.html import Html
from .week import Week, resolve_week

#: The logs the weekly report reads: the access log, the application log and mkslog's own logs.
REPORT_KINDS: tuple[str, ...] = ("access", "app", *OWN_KINDS, "nginx-error", "gunicorn-error")
#: The access-log columns the weekly report's queries read. Extracting fewer fields is what makes
#: parsing fast (on 10M lines: about 3x faster than every field); ``access_columns=None`` keeps all.
REPORT_ACCESS_COLUMNS = ("ts", "remote_addr", "path", "status", "request_time",
                         # the visitor panels and the 502/504 join (report/visitors.py, report/serverlogs.py)
                         "method", "query", "bytes_sent", "referer", "user_agent", "host", "server_name")


class WeekLogs:
    """The configured logs of one week (and the week before, for comparisons), parsed once.

    ``config``: a :class:`~mkslog.config.Config` or the path of an mkslog.toml. ``week``: a
    :class:`Week` or a spec for :func:`resolve_week`. ``tz``: the display timezone (default: the
    config's ``timezone``). Frames have ``ts`` in that timezone, so hours and days are local.
    ``access_columns``: the access-log fields to keep (default: those the weekly report reads;
    None: all, e.g. for ``user_agent`` or ``method``).
    """

    def __init__(self, config: Config | str | os.PathLike | None, week: Week | str, *, tz: str | None = None,
                 kinds: Iterable[str] = REPORT_KINDS, workdir: str | os.PathLike | None = None,
                 access_columns: Iterable[str] | None = REPORT_ACCESS_COLUMNS):
        self.access_columns = None if access_columns is None else list(access_columns)
        self.config = config if isinstance(config, Config) else load_config(config)
        self.tz = tz or self.config.get("timezone") or "UTC"
        self.week = week if isinstance(week, Week) else resolve_week(week, self.tz)
        self.previous_week = self.week.previous()
        if workdir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="mkslog-week-")
            workdir = self._tmp.name
        self.workdir = Path(workdir)
        self.stats: dict = {}
        self.missing: dict[str, str] = {}
        self._files: dict[str, Path] = {}
        for kind in kinds:
            self._load(kind)

    def _load(self, kind: str) -> None:
        from ..frame import scan
        from ..parse.stats import ParseStats

        stats = ParseStats()
        path = self.workdir / f"{kind}.parquet"
        try:  # the front door, as the CLI calls it: the window is pushed into the parse
            lf = scan(None, kind=kind, config=self.config, stats=stats, since=self.previous_week.start,
                      until=self.week.end)
            if kind == "access" and self.access_columns is not None:
                lf = lf.select(c for c in self.access_columns if c in lf.collect_schema())
            lf.sink_parquet(path)
        except MkslogError as exc:
            self.missing[kind] = str(exc)
            return
        self.stats[kind] = stats
        if stats.total.lines == 0:
            self.missing[kind] = "the log files are empty"
            return
        self._files[kind] = path

    def frame(self, kind: str, *, previous: bool = False) -> pl.LazyFrame | None:
        """The rows of ``kind`` in the week (or the week before), ``ts`` in the display timezone;
        None when that log is missing."""
        from ..queries import between, in_timezone

        if kind not in self._files:
            return None
        week = self.previous_week if previous else self.week
        return in_timezone(between(pl.scan_parquet(self._files[kind]), week.start, week.end), self.tz)

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


def fill_week(df: pl.DataFrame, logs: WeekLogs, every: str = "1h", ts: str = "ts") -> pl.DataFrame:
    """``df`` (one row per ``every`` bucket, as ``requests_over_time`` or ``error_counts`` give it)
    on the whole week's grid of buckets: a bucket the log has no row for counts 0 (the queries fill
    only between the first and the last row)."""
    grid = pl.datetime_range(logs.week.start, logs.week.end, every, closed="left", time_unit="us",
                             time_zone="UTC", eager=True).dt.convert_time_zone(logs.tz).alias(ts).to_frame()
    # an empty df still brings its columns: a week without errors is a grid of zeros, not a grid
    # without a count column (which failed the report's errors cell)
    grid = grid.with_columns(pl.col(ts).cast(df.schema[ts]))
    filled = grid.join(df, on=ts, how="left")
    return filled.with_columns(pl.col(c).fill_null(0) for c, t in df.schema.items() if c != ts and t.is_integer())


def has_timing(access: pl.LazyFrame) -> bool:
    """Whether the access frame carries response times (a log format with ``$request_time``)."""
    if "request_time" not in access.collect_schema():
        return False
    return bool(access.select(pl.col("request_time").is_not_null().any()).collect().item())


__all__ = ["REPORT_ACCESS_COLUMNS", "REPORT_KINDS", "WeekLogs", "fill_week", "has_timing"]
