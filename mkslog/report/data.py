"""What the weekly report needs beyond the queries: the week's logs read once, and the assembly of
its figures (week-over-week headline, availability, resources against thresholds, backups, data quality).

:class:`WeekLogs` parses each configured log once, keeps the rows of the report's week and of the
week before in a temporary Parquet file, and hands out LazyFrames over that file: the dozen queries
of a report read columns, not text, and memory stays bounded (the parse streams into the file).
A log that is not there (no file matches, unreadable, unknown format) is recorded in
``WeekLogs.missing`` and its frame is None, so its section can say so in one line.

>>> logs = WeekLogs("mkslog.example.toml", "2026-W47")  # doctest: +SKIP
>>> headline(logs).select("metric", "this_week").head(2)  # doctest: +SKIP
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl

from ..config import Config, load_config
from ..errors import MkslogError, TimeSpecError
from ..present import i18n
from ..present.html import Html, esc

KINDS = ("access", "app", "health", "metrics", "backup")
#: The access-log columns the weekly report's queries read. Extracting fewer fields is what makes
#: parsing fast (on 10M lines: about 3x faster than every field); ``access_columns=None`` keeps all.
REPORT_ACCESS_COLUMNS = ("ts", "remote_addr", "path", "status", "request_time")
WEEK_WORDS = {"last": "last week", "this": "this week", "last week": "last week", "this week": "this week"}


@dataclass(frozen=True)
class Week:
    """An ISO week ``[start, end)`` (UTC instants of local midnights) in the display timezone ``tz``."""

    label: str
    start: datetime
    end: datetime
    tz: str

    @property
    def first_day(self):
        """The Monday, a local date."""
        return self.start.astimezone(_zone(self.tz)).date()

    @property
    def last_day(self):
        """The Sunday, a local date."""
        return (self.end.astimezone(_zone(self.tz)) - timedelta(seconds=1)).date()

    def previous(self) -> Week:
        """The ISO week before this one."""
        monday = self.first_day - timedelta(days=7)
        year, week, _ = monday.isocalendar()
        return resolve_week(f"{year}-W{week:02d}", self.tz)


def _zone(tz: str):
    from ..timespec import zone

    return zone(tz)


def resolve_week(spec: str, tz: str = "UTC", *, now: datetime | None = None) -> Week:
    """``last``, ``this`` or an ISO week (``2026-W47``) -> :class:`Week` in timezone ``tz``.

    >>> w = resolve_week("2026-W47", "Asia/Tokyo")
    >>> w.label, w.start.isoformat(), w.first_day.isoformat(), w.last_day.isoformat()
    ('2026-W47', '2026-11-15T15:00:00+00:00', '2026-11-16', '2026-11-22')
    """
    from ..timespec import interval

    text = " ".join(str(spec).strip().lower().split())
    start, end = interval(WEEK_WORDS.get(text, text), tz=tz, now=now)
    first = start.astimezone(_zone(tz))
    if end - start != timedelta(days=7) or first.weekday() != 0 or first.hour != 0:
        raise TimeSpecError(f"not a week: {spec!r} (give last, this or an ISO week such as 2026-W47)")
    year, week, _ = first.date().isocalendar()
    return Week(f"{year}-W{week:02d}", start, end, tz)


class WeekLogs:
    """The configured logs of one week (and the week before, for comparisons), parsed once.

    ``config``: a :class:`~mkslog.config.Config` or the path of an mkslog.toml. ``week``: a
    :class:`Week` or a spec for :func:`resolve_week`. ``tz``: the display timezone (default: the
    config's ``timezone``). Frames have ``ts`` in that timezone, so hours and days are local.
    ``access_columns``: the access-log fields to keep (default: those the weekly report reads;
    None: all, e.g. for ``user_agent`` or ``method``).
    """

    def __init__(self, config: Config | str | os.PathLike | None, week: Week | str, *, tz: str | None = None,
                 kinds: Iterable[str] = KINDS, workdir: str | os.PathLike | None = None,
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
        from ..queries import between

        stats = ParseStats()
        path = self.workdir / f"{kind}.parquet"
        try:
            lf = between(scan(None, kind=kind, config=self.config, stats=stats), self.previous_week.start, self.week.end)
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
        """A ``[thresholds]`` value of the config (``cpu``, ``memory``, ``disk``, ``slow_ms`` ...)."""
        return float(self.config.get(f"thresholds.{name}"))


def setup_display(rows: int = 50) -> None:
    """Report display settings: SVG charts drawn in the kernel (no CDN), mkslog's chart theme, and
    polars tables without dtypes, with up to ``rows`` rows and long strings."""
    import altair as alt

    from ..present.charts import use_theme

    alt.renderers.enable("svg")
    use_theme()
    pl.Config.set_tbl_hide_column_data_types(True)
    pl.Config.set_tbl_hide_dataframe_shape(True)
    pl.Config.set_tbl_rows(rows)
    pl.Config.set_fmt_str_lengths(120)
    pl.Config.set_thousands_separator(",")
    pl.Config.set_float_precision(2)


def title(logs: WeekLogs, lang: str = "en", *, now: datetime | None = None) -> Html:
    """The report's title and period line."""
    zone = _zone(logs.tz)
    now = (now or datetime.now(zone)).astimezone(zone)
    heading = esc(i18n.t("title", lang, week=logs.week.label))
    period = esc(i18n.t("period", lang, start=i18n.fmt_date(logs.week.first_day, lang),
                        end=i18n.fmt_date(logs.week.last_day, lang), tz=logs.tz,
                        now=i18n.fmt_datetime(now, lang)))
    return Html(f'<h1 id="mks-title">{heading}</h1><p class="mks-note">{period}</p>')


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


# --- headline -----------------------------------------------------------------------------------

#: metric -> how its values are shown: count, fraction (as %), ms
HEADLINE = {"requests": "count", "unique_ips": "count", "error_rate": "fraction", "p50": "ms", "p95": "ms",
            "p99": "ms", "uptime": "fraction"}


def access_figures(lf: pl.LazyFrame | None) -> dict[str, float | None]:
    """requests, unique_ips, error_rate (share of 5xx), p50/p95/p99 (ms) of an access frame, from
    ``queries.summary`` (the CLI's ``summary``); all None when the frame has no rows (the logs do not
    reach back that far, which is not the same as nobody came)."""
    from ..queries import summary

    figures: dict[str, float | None] = dict.fromkeys(("requests", "unique_ips", "error_rate", "p50", "p95", "p99"))
    if lf is None:
        return figures
    row = summary(lf).row(0, named=True)
    if not row["requests"]:
        return figures
    figures.update(requests=row["requests"], unique_ips=row["unique_ips"], error_rate=row["error_rate"],
                   p50=row["p50_ms"], p95=row["p95_ms"], p99=row["p99_ms"])
    return figures


def uptime(health: pl.LazyFrame | None) -> float | None:
    """The share of health checks that were OK (None without checks)."""
    if health is None:
        return None
    return health.select(pl.col("ok").cast(pl.Float64).mean()).collect().item()


def headline(logs: WeekLogs) -> pl.DataFrame:
    """metric, this_week, previous_week: the headline figures of the week and the week before."""
    cur = access_figures(logs.access) | {"uptime": uptime(logs.health)}
    prev = access_figures(logs.frame("access", previous=True)) | {"uptime": uptime(logs.frame("health", previous=True))}
    return pl.DataFrame({"metric": list(HEADLINE), "this_week": [cur[m] for m in HEADLINE],
                         "previous_week": [prev[m] for m in HEADLINE]},
                        schema={"metric": pl.String, "this_week": pl.Float64, "previous_week": pl.Float64})


def headline_table(df: pl.DataFrame, lang: str = "en") -> Html:
    """The headline frame as a table: each figure in its unit, and the change (relative for counts
    and times, in percentage points for rates). Cells carry ``data-metric`` and the raw
    ``data-value`` so tests can compare them with the queries."""
    fmt = {"count": i18n.fmt_int, "fraction": i18n.fmt_pct, "ms": i18n.fmt_ms}
    rows = []
    for metric, cur, prev in df.iter_rows():
        kind = HEADLINE[metric]
        change = (i18n.fmt_point_change if kind == "fraction" else i18n.fmt_change)(cur, prev, lang)
        raw = "" if cur is None else repr(cur)
        rows.append(
            f'<tr><th>{esc(i18n.t(f"metric.{metric}", lang))}</th>'
            f'<td class="num" data-metric="{esc(metric)}" data-value="{esc(raw)}">{esc(fmt[kind](cur, lang))}</td>'
            f'<td class="num">{esc(fmt[kind](prev, lang))}</td><td class="num">{esc(change)}</td></tr>'
        )
    head = "".join(f"<th>{esc(i18n.label(c, lang))}</th>" for c in ("metric", "this_week", "previous_week", "change"))
    return Html(f'<table class="mks-table" data-table="headline"><thead><tr>{head}</tr></thead>'
                f'<tbody>{"".join(rows)}</tbody></table>')


# --- availability (health log) ------------------------------------------------------------------


def health_intervals(health: pl.LazyFrame) -> pl.DataFrame:
    """start, end, ok, checks: runs of consecutive health checks with the same outcome. A run lasts
    from its first check to the first check of the next run (the last run: to its last check).

    >>> from datetime import datetime
    >>> lf = pl.LazyFrame({"ts": [datetime(2026, 11, 16, 0, m) for m in (0, 5, 10, 15)], "ok": [True, False, False, True]})
    >>> health_intervals(lf).select("ok", "checks", (pl.col("end") - pl.col("start")).alias("d")).rows()
    [(True, 1, datetime.timedelta(seconds=300)), (False, 2, datetime.timedelta(seconds=600)), (True, 1, datetime.timedelta(0))]
    """
    checks = health.select("ts", "ok").drop_nulls().sort("ts").collect()
    if checks.is_empty():
        return pl.DataFrame(schema={"start": checks.schema["ts"], "end": checks.schema["ts"], "ok": pl.Boolean,
                                    "checks": pl.Int64})
    runs = (
        checks.with_columns((pl.col("ok") != pl.col("ok").shift()).fill_null(True).cum_sum().alias("run"))
        .group_by("run", maintain_order=True)
        .agg(pl.col("ts").first().alias("start"), pl.col("ts").last().alias("last"),
             pl.col("ok").first(), pl.len().cast(pl.Int64).alias("checks"))
    )
    return runs.select("start", pl.col("start").shift(-1).fill_null(pl.col("last")).alias("end"), "ok", "checks")


def outages(health: pl.LazyFrame) -> pl.DataFrame:
    """start, end, duration, checks: the intervals in which health checks failed (see
    :func:`health_intervals`; the end is the first OK check after the failures)."""
    runs = health_intervals(health)
    return (runs.filter(~pl.col("ok"))
            .select("start", "end", (pl.col("end") - pl.col("start")).alias("duration"), "checks"))


def availability_note(health: pl.LazyFrame, lang: str = "en") -> Html:
    """One sentence: uptime %, number of checks, outages and their total duration."""
    from ..present.html import text

    down = outages(health)
    n = health.select(pl.len()).collect().item()
    total = down["duration"].sum() if down.height else timedelta(0)
    return text(i18n.t("prose.uptime", lang, uptime=i18n.fmt_pct(uptime(health), lang, 2), checks=i18n.fmt_int(n),
                       outages=down.height, down=i18n.fmt_duration(total, lang)))


# --- resources (metrics log) --------------------------------------------------------------------

RESOURCES = ("cpu", "memory", "disk")


def metrics_hourly(metrics: pl.LazyFrame) -> pl.DataFrame:
    """ts (start of each hour), cpu, memory, disk: the hourly maximum of each (a week of one-minute
    samples would be 10,080 points per line; the maximum keeps every threshold crossing visible)."""
    return (metrics.group_by(pl.col("ts").dt.truncate("1h"))
            .agg(pl.col(c).max() for c in RESOURCES).sort("ts").collect())


def threshold_breaches(hourly: pl.DataFrame, thresholds: dict[str, float]) -> pl.DataFrame:
    """metric, limit, hours (over the limit), peak, peak_at: per resource, from :func:`metrics_hourly`.

    >>> from datetime import datetime
    >>> df = pl.DataFrame({"ts": [datetime(2026, 11, 16, h) for h in (1, 2)], "cpu": [50.0, 93.5],
    ...                    "memory": [40.0, 41.0], "disk": [60.0, 60.0]})
    >>> threshold_breaches(df, {"cpu": 80, "memory": 85, "disk": 85}).row(0)
    ('cpu', 80.0, 1, 93.5, datetime.datetime(2026, 11, 16, 2, 0))
    """
    rows = []
    for metric in RESOURCES:
        limit = float(thresholds[metric])
        values = hourly.select("ts", metric).drop_nulls(metric)
        peak = values.sort(metric, descending=True).head(1)
        rows.append({
            "metric": metric, "limit": limit, "hours": values.filter(pl.col(metric) > limit).height,
            "peak": peak[metric].item() if peak.height else None, "peak_at": peak["ts"].item() if peak.height else None,
        })
    return pl.DataFrame(rows, schema={"metric": pl.String, "limit": pl.Float64, "hours": pl.Int64,
                                      "peak": pl.Float64, "peak_at": hourly.schema["ts"]})


def resources_note(breaches: pl.DataFrame, thresholds: dict[str, float], lang: str = "en") -> Html:
    """The thresholds, and for each resource that crossed its threshold: for how long and its peak."""
    lines = [i18n.t("prose.resources", lang, **{k: f"{float(v):g}" for k, v in thresholds.items()
                                                  if k in RESOURCES})]
    for metric, limit, hours, peak, peak_at in breaches.filter(pl.col("hours") > 0).iter_rows():
        lines.append(i18n.t("prose.over", lang, metric=i18n.t(f"metric.{metric}", lang), limit=f"{limit:g}",
                            hours=hours, peak=f"{peak:g}", when=i18n.fmt_datetime(peak_at, lang)))
    return Html("".join(f'<p class="mks-note">{esc(line)}</p>' for line in lines))


def thresholds(logs: WeekLogs) -> dict[str, float]:
    """The ``[thresholds]`` for cpu, memory and disk (the manual's 80 / 85 / 85 % by default)."""
    return {m: logs.threshold(m) for m in RESOURCES}


# --- backups (backup log) ----------------------------------------------------------------------

FAILED_EVENTS = ("failed", "verify_failed")


def backup_runs(backup: pl.LazyFrame) -> pl.DataFrame:
    """One row per backup run (from its ``start`` line to the next): backup_kind, start, end, ok
    (it logged ``completed``), size_bytes (the archives it wrote), failures (failed steps), reason."""
    events = backup.select("ts", "backup_kind", "event", "size_bytes", "reason").sort("ts").collect()
    runs = (
        # a step's line may not name the kind ("Database backup failed: ..."): it is the running one's
        events.with_columns(pl.col("backup_kind").forward_fill().fill_null("?"))
        .with_columns((pl.col("event") == "start").cum_sum().over("backup_kind").alias("run"))
        .group_by("backup_kind", "run")
        .agg(pl.col("ts").min().alias("start"), pl.col("ts").max().alias("end"),
             (pl.col("event") == "completed").any().alias("ok"),
             pl.col("size_bytes").sum().alias("size_bytes"),
             pl.col("event").is_in(FAILED_EVENTS).sum().cast(pl.Int64).alias("failures"),
             pl.col("reason").drop_nulls().first().alias("reason"))
    )
    return runs.drop("run").sort("start")


def backup_summary(backup: pl.LazyFrame) -> pl.DataFrame:
    """Per backup kind: last_success (end of the last completed run), size_bytes (what that run
    wrote), successes, failures (runs that did not complete)."""
    runs = backup_runs(backup)
    last_ok = (runs.filter("ok").sort("end").group_by("backup_kind").agg(
        pl.col("end").last().alias("last_success"), pl.col("size_bytes").last()))
    counts = runs.group_by("backup_kind").agg(pl.col("ok").sum().cast(pl.Int64).alias("successes"),
                                              (~pl.col("ok")).sum().cast(pl.Int64).alias("failures"))
    return (counts.join(last_ok, on="backup_kind", how="left")
            .select("backup_kind", "last_success", "size_bytes", "successes", "failures").sort("backup_kind"))


def backup_failures(backup: pl.LazyFrame) -> pl.DataFrame:
    """ts, backup_kind, event, message: every line of the week that reports a failure."""
    return (backup.sort("ts").with_columns(pl.col("backup_kind").forward_fill()).filter(pl.col("event").is_in(FAILED_EVENTS) | (pl.col("level") == "ERROR"))
            .select("ts", "backup_kind", "event", "message").sort("ts").collect())


# --- data quality -------------------------------------------------------------------------------


def data_quality(logs: WeekLogs) -> pl.DataFrame:
    """log, file, format, lines, parsed, rejected, error: every file the report read, whole files
    (not only the week's lines), so a format that stopped matching shows up here."""
    frames = [s.to_frame().select(pl.lit(kind).alias("log"), "file", "format", "lines", "parsed", "rejected", "error")
              for kind, s in logs.stats.items()]
    if not frames:
        return pl.DataFrame(schema={"log": pl.String, "file": pl.String, "format": pl.String, "lines": pl.Int64,
                                    "parsed": pl.Int64, "rejected": pl.Int64, "error": pl.String})
    return pl.concat(frames)


def rejects(logs: WeekLogs, n: int = 10) -> pl.DataFrame:
    """log, file, line_no, reason, line: the first ``n`` rejected lines of each log."""
    frames = [s.rejects().head(n).select(pl.lit(kind).alias("log"), "file", "line_no", "reason", "line")
              for kind, s in logs.stats.items()]
    frames = [f for f in frames if f.height]
    return pl.concat(frames) if frames else pl.DataFrame(
        schema={"log": pl.String, "file": pl.String, "line_no": pl.Int64, "reason": pl.String, "line": pl.String})


def quality_note(quality: pl.DataFrame, lang: str = "en") -> Html:
    """Lines read, parsed and rejected over all files."""
    from ..present.html import text

    lines, parsed, rejected = (quality[c].sum() for c in ("lines", "parsed", "rejected"))
    note = i18n.t("prose.quality", lang, lines=i18n.fmt_int(lines), parsed=i18n.fmt_int(parsed),
                  rejected=i18n.fmt_int(rejected))
    if not rejected:
        note += " " + i18n.t("prose.no_rejects", lang)
    return text(note)


# --- small helpers the notebooks use -------------------------------------------------------------


def has_timing(access: pl.LazyFrame) -> bool:
    """Whether the access frame carries response times (a log format with ``$request_time``)."""
    if "request_time" not in access.collect_schema():
        return False
    return bool(access.select(pl.col("request_time").is_not_null().any()).collect().item())


def suspect_limits(logs: WeekLogs) -> dict[str, float]:
    """The keyword arguments of ``queries.suspicious_ips`` from ``[thresholds] suspect_*``."""
    return {"requests_per_hour": logs.threshold("suspect_requests_per_hour"),
            "ratio_4xx": logs.threshold("suspect_4xx_ratio"),
            "login_failures": logs.threshold("suspect_login_failures")}


#: Japanese wording of ``suspicious_ips`` reasons (the query writes them in English).
_SUSPECT_JA = {
    "volume": "1 時間に最大 {} 件（上限 {}）",
    "4xx": "{} 件中 {}% が 4xx（上限 {}%）",
    "logins": "ログイン失敗 {} 回（上限 {}）",
    "scanner": "スキャナー的なアクセス {} 件: {}",
}


def suspect_reasons(suspects: pl.DataFrame, lang: str = "en", *, requests_per_hour: float = 1000,
                    ratio_4xx: float = 0.5, login_failures: float = 10, min_requests: int = 20) -> pl.DataFrame:
    """remote_addr, requests, reason of ``queries.suspicious_ips`` output, the reason in ``lang``
    (give the same limits as to the query)."""
    if lang != "ja" or suspects.is_empty():
        return suspects.select("remote_addr", "requests", "reason")

    def lit(value: float) -> pl.Expr:
        return pl.lit(f"{value:g}")

    texts = [
        pl.when(pl.col("peak_per_hour") >= requests_per_hour)
        .then(pl.format(_SUSPECT_JA["volume"], "peak_per_hour", lit(requests_per_hour))),
        pl.when((pl.col("ratio_4xx") >= ratio_4xx) & (pl.col("requests") >= min_requests))
        .then(pl.format(_SUSPECT_JA["4xx"], "requests", (pl.col("ratio_4xx") * 100).round(0).cast(pl.Int64),
                        lit(ratio_4xx * 100))),
        pl.when(pl.col("login_failures") >= login_failures)
        .then(pl.format(_SUSPECT_JA["logins"], "login_failures", lit(login_failures))),
        pl.when(pl.col("scanner_hits") > 0)
        .then(pl.format(_SUSPECT_JA["scanner"], "scanner_hits", pl.col("scanner_paths").list.head(3).list.join(", "))),
    ]
    return suspects.select("remote_addr", "requests", pl.concat_str(texts, separator="; ", ignore_nulls=True).alias("reason"))


# --- incident -------------------------------------------------------------------------------------


def app_errors_near(app: pl.LazyFrame, access: pl.LazyFrame, ip: str, *, window: str = "1m",
                    level: str = "ERROR") -> pl.DataFrame:
    """The app log's records at ``level`` or above that belong to one client address: those that
    mention ``ip`` in their text, and those within ``window`` of a 5xx answer to it (the app log
    does not carry the client address of a failed request; the time ties the two together).
    Columns: ts, level, logger, message, exc_type, match (``mentions ip`` / ``near a 5xx``)."""
    from ..queries.app import at_least
    from ..timespec import parse_duration

    span = parse_duration(window)
    schema = app.collect_schema()
    detail = pl.col("detail").fill_null("") if "detail" in schema else pl.lit("")
    exc_type = pl.col("exc_type") if "exc_type" in schema else pl.lit(None, pl.String)
    errors = (app.filter(at_least(level)).drop_nulls("ts")
              .select("ts", "level", "logger", "message", exc_type.alias("exc_type"), detail.alias("__detail"))
              .collect().sort("ts"))
    fails = access.filter((pl.col("remote_addr") == ip) & (pl.col("status") >= 500)).select("ts").collect()
    mentions = pl.col("message").str.contains(ip, literal=True) | pl.col("__detail").str.contains(ip, literal=True)
    if fails.height:
        near = errors.join_asof(fails.sort("ts").with_columns(pl.col("ts").alias("__5xx")), on="ts",
                                strategy="nearest", tolerance=span)
        near = near.with_columns(pl.col("__5xx").is_not_null().alias("__near"))
    else:
        near = errors.with_columns(pl.lit(False).alias("__near"))
    out = near.sort("ts").with_columns(
        pl.when(mentions).then(pl.lit("mentions ip")).when(pl.col("__near")).then(pl.lit("near a 5xx"))
        .otherwise(None).alias("match"))
    return out.filter(pl.col("match").is_not_null()).select("ts", "level", "logger", "message", "exc_type", "match")
