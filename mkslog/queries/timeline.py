"""One incident timeline: every log of the stack merged in time order, as events, not lines.

:func:`timeline_events` is the pure query (frames in, one DataFrame out); :func:`timeline` is the
front door behind ``mkslog.timeline()`` and ``mkslog timeline``: it scans each configured log for
the window (``mkslog.scan(..., since=, until=, tz=)``) and hands the frames over.

What becomes an event:

- access log: a **5xx burst** (minutes with ``burst_5xx`` or more 5xx answers, consecutive minutes
  merged) and a **latency spike** (minutes with ``min_slow`` or more requests slower than ``slow_ms``);
- app log: ERROR records and worse, with their exception type;
- nginx error log: ``error`` and worse (upstream refused, timed out ...);
- gunicorn error log: worker timeouts, SIGKILLs, crashes, failed boots, master starts, stops, signals;
- health log: failed checks; metrics log: samples over the ``[thresholds]``; backup log: failures;
- journal (``journalctl`` output): ERROR entries and worse (priority 3 and below), with their exception type.

Repeats of the same thing (one template, one source) no further than ``gap`` (10 minutes: the
metrics sampling interval) apart are one event
with a count, from ``ts`` to ``until``; ``pointer`` is ``file:line`` of its first line.

>>> from datetime import datetime
>>> app = pl.LazyFrame({"ts": [datetime(2026, 11, 18, 14, 0, s) for s in (4, 9)], "level": ["ERROR"] * 2,
...     "message": ["db down", "db down"], "exc_type": ["OperationalError"] * 2, "exc_message": ["refused 5432"] * 2,
...     "file": ["app.log"] * 2, "line_no": [10, 12]})
>>> timeline_events(app=app).select("source", "summary", "count", "pointer").rows()
[('app', 'OperationalError: refused <n>', 2, 'app.log:10')]
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from ..errors import MkslogError
from .app import at_least
from .common import collect
from .errorlogs import WORKER_EVENTS, template

#: The sources in the order they are listed when two events share a second.
SOURCES = ("access", "nginx-error", "gunicorn-error", "app", "health", "metrics", "backup", "journal")
#: The gunicorn events that belong on a timeline (a routine worker boot or exit does not).
GUNICORN_TIMELINE = tuple(n for n, _ in WORKER_EVENTS if n not in ("boots", "exits"))
_LEVEL = {"WARN": "WARNING", "CRIT": "CRITICAL", "EMERG": "CRITICAL", "ALERT": "CRITICAL", "FATAL": "CRITICAL"}
_RAW = {"ts": pl.Datetime("us", "UTC"), "until": pl.Datetime("us", "UTC"), "source": pl.String, "level": pl.String,
        "key": pl.String, "message": pl.String, "n": pl.Int64, "file": pl.String, "line_no": pl.Int64}
COLUMNS = ("ts", "until", "source", "level", "summary", "count", "pointer")


def _utc(lf: pl.LazyFrame) -> pl.Expr:
    zone = lf.collect_schema()["ts"].time_zone
    ts = pl.col("ts").dt.convert_time_zone("UTC") if zone else pl.col("ts").dt.replace_time_zone("UTC")
    return ts.dt.cast_time_unit("us")


def _col(lf: pl.LazyFrame, name: str, dtype=pl.String) -> pl.Expr:
    return pl.col(name) if name in lf.collect_schema() else pl.lit(None, dtype).alias(name)


def _records(lf: pl.LazyFrame, source: str, keep: pl.Expr, message: pl.Expr) -> pl.DataFrame:
    """Raw events of a record log: one per record that ``keep`` selects."""
    level = pl.col("level").str.to_uppercase() if "level" in lf.collect_schema() else pl.lit("ERROR")
    out = collect(lf.filter(keep).select(
        _utc(lf).alias("ts"), _utc(lf).alias("until"), pl.lit(source).alias("source"),
        level.replace(_LEVEL).alias("level"), template(message).alias("key"),
        message.str.extract(r"^([^\n]*)", 1).alias("message"), pl.lit(1, pl.Int64).alias("n"),
        _col(lf, "file"), _col(lf, "line_no", pl.Int64)))
    return out.cast(_RAW)


def _first_line() -> pl.Expr:
    return pl.col("message").str.extract(r"^([^\n]*)", 1)


def _exception(lf: pl.LazyFrame) -> pl.Expr:
    exc_type, exc_message = _col(lf, "exc_type"), _col(lf, "exc_message")
    return (pl.when(exc_type.is_not_null()).then(exc_type + pl.lit(": ") + exc_message.fill_null(""))
            .otherwise(_first_line()))


def _access_events(access: pl.LazyFrame, every: str, burst_5xx: int, slow_ms: float, min_slow: int,
                   gap: timedelta) -> pl.DataFrame:
    """5xx bursts and latency spikes (see :func:`timeline_events`)."""
    from ..timespec import parse_duration

    schema = access.collect_schema()
    slow = (pl.col("request_time") * 1000 >= slow_ms) if "request_time" in schema else pl.lit(False)
    rows = collect(access.filter((pl.col("status") >= 500) | slow).select(
        _utc(access).alias("ts"), pl.col("status"), slow.alias("slow"),
        (pl.col("request_time") * 1000 if "request_time" in schema else pl.lit(None, pl.Float64)).alias("ms"),
        _col(access, "file"), _col(access, "line_no", pl.Int64))).sort("ts")
    events = []
    every_span = parse_duration(every)
    for kind, flag, least in (("5xx burst", pl.col("status") >= 500, burst_5xx),
                              ("latency spike", pl.col("slow"), min_slow)):
        # a burst is a run of consecutive buckets with any hit that holds a bucket of ``least`` or
        # more (so its shoulders count too); bursts no more than ``gap`` apart are one
        buckets = (rows.filter(flag).group_by(pl.col("ts").dt.truncate(every).alias("bucket"))
                   .agg(pl.len().alias("k")).sort("bucket"))
        buckets = buckets.with_columns(((pl.col("bucket") - pl.col("bucket").shift()) > every_span)
                                       .fill_null(True).cum_sum().alias("run"))
        runs = (buckets.group_by("run").agg(pl.col("bucket").min().alias("start"), pl.col("bucket").max().alias("end"),
                                            pl.col("k").max().alias("peak"))
                .filter(pl.col("peak") >= least).sort("start"))
        if runs.is_empty():
            continue
        hits = runs.with_columns(((pl.col("start") - pl.col("end").shift()) > gap).fill_null(True).cum_sum()
                                 .alias("burst")).group_by("burst").agg(pl.col("start").min(), pl.col("end").max())
        for start, last in hits.sort("start").select("start", "end").iter_rows():
            end = last + every_span
            span = rows.filter(flag & pl.col("ts").is_between(start, end, closed="left"))
            first = span.row(0, named=True)
            if kind == "5xx burst":
                mix = span.group_by("status").len().sort(["len", "status"], descending=[True, False])
                detail = ", ".join(f"{s}×{k}" for s, k in mix.iter_rows())
                message, level = f"5xx burst: {span.height} responses ({detail})", "ERROR"
            else:
                message = (f"latency spike: {span.height} requests slower than {slow_ms:g} ms, "
                           f"max {span['ms'].max():,.0f} ms")
                level = "WARNING"
            events.append({"ts": first["ts"], "until": span["ts"].max(), "source": "access", "level": level,
                           "key": kind, "message": message, "n": span.height, "file": first["file"],
                           "line_no": first["line_no"]})
    return pl.DataFrame(events, schema=_RAW) if events else pl.DataFrame(schema=_RAW)


def _metric_events(metrics: pl.LazyFrame, limits: dict[str, float]) -> pl.DataFrame:
    frames = []
    for metric, limit in limits.items():
        if metric not in metrics.collect_schema():
            continue
        over = pl.col(metric) > limit
        frames.append(collect(metrics.filter(over).select(
            _utc(metrics).alias("ts"), _utc(metrics).alias("until"), pl.lit("metrics").alias("source"),
            pl.lit("WARNING").alias("level"), pl.lit(f"{metric} over {limit:g}%").alias("key"),
            pl.format(f"{metric} {{}}% (threshold {limit:g}%)", pl.col(metric)).alias("message"),
            pl.lit(1, pl.Int64).alias("n"), _col(metrics, "file"), _col(metrics, "line_no", pl.Int64))).cast(_RAW))
    return pl.concat(frames) if frames else pl.DataFrame(schema=_RAW)


def _collapse(raw: pl.DataFrame, gap: timedelta) -> pl.DataFrame:
    """Events of one source and key no further than ``gap`` apart become one, with a count."""
    raw = raw.sort("source", "key", "ts")
    new = ((pl.col("ts") - pl.col("until").shift()) > gap) | (pl.col("key") != pl.col("key").shift()) \
        | (pl.col("source") != pl.col("source").shift())
    grouped = (raw.with_columns(new.fill_null(True).cum_sum().alias("event"))
               .group_by("event").agg(pl.col("ts").first(), pl.col("until").max(), pl.col("source").first(),
                                      pl.col("level").first(), pl.col("key").first(), pl.col("message").first(),
                                      pl.col("n").sum(), pl.len().alias("records"), pl.col("file").first(),
                                      pl.col("line_no").first()))
    summary = pl.when(pl.col("records") == 1).then(pl.col("message")).otherwise(pl.col("key"))
    order = pl.col("source").replace_strict({s: i for i, s in enumerate(SOURCES)}, default=len(SOURCES),
                                            return_dtype=pl.Int64)
    pointer = pl.when(pl.col("file").is_not_null()).then(
        pl.col("file").str.extract(r"([^/\\]*)$", 1) + pl.lit(":") + pl.col("line_no").cast(pl.String))
    return (grouped.sort(pl.col("ts"), order, pl.col("line_no"), pl.col("key"), nulls_last=True)
            .select("ts", "until", "source", "level", summary.alias("summary"), pl.col("n").cast(pl.Int64).alias("count"),
                    pointer.alias("pointer")))


def timeline_events(*, access: pl.LazyFrame | None = None, app: pl.LazyFrame | None = None,
                    nginx_error: pl.LazyFrame | None = None, gunicorn_error: pl.LazyFrame | None = None,
                    health: pl.LazyFrame | None = None, metrics: pl.LazyFrame | None = None,
                    backup: pl.LazyFrame | None = None, journal: pl.LazyFrame | None = None, every: str = "1m", burst_5xx: int = 5,
                    slow_ms: float = 1000.0, min_slow: int = 3, limits: dict[str, float] | None = None,
                    gap: str = "10m", tz: str | None = None) -> pl.DataFrame:
    """The events of the frames given, merged in time order: ts, until, source, level, summary,
    count, pointer (see the module). ``ts``/``until`` in ``tz`` (default: the first frame's zone)."""
    from ..timespec import parse_duration

    raw: list[pl.DataFrame] = []
    if access is not None:
        raw.append(_access_events(access, every, burst_5xx, slow_ms, min_slow, parse_duration(gap)))
    if app is not None:
        raw.append(_records(app, "app", at_least("ERROR"), _exception(app)))
    if nginx_error is not None:
        raw.append(_records(nginx_error, "nginx-error", at_least("ERROR"), _first_line()))
    if gunicorn_error is not None:
        wanted = "|".join(regex for name, regex in WORKER_EVENTS if name in GUNICORN_TIMELINE)
        keep = pl.col("message").str.contains(wanted) | at_least("WARNING")
        raw.append(_records(gunicorn_error, "gunicorn-error", keep, _exception(gunicorn_error)))
    if health is not None:
        message = pl.format("health check failed: {}", pl.coalesce(_col(health, "reason"), _col(health, "message")))
        raw.append(_records(health.with_columns(pl.lit("ERROR").alias("level")), "health", ~pl.col("ok"), message))
    if metrics is not None:
        raw.append(_metric_events(metrics, limits if limits is not None else {"cpu": 80, "memory": 85, "disk": 85}))
    if backup is not None:
        failed = (pl.col("event") == "failed") if "event" in backup.collect_schema() else at_least("ERROR")
        raw.append(_records(backup, "backup", failed | at_least("ERROR"), _first_line()))
    if journal is not None:
        raw.append(_records(journal, "journal", at_least("ERROR"), _exception(journal)))
    frames = [f for f in raw if f.height]
    events = _collapse(pl.concat(frames), parse_duration(gap)) if frames else _collapse(pl.DataFrame(schema=_RAW),
                                                                                          parse_duration(gap))
    zone = tz or next((f.collect_schema()["ts"].time_zone for f in (access, nginx_error, gunicorn_error, app, health,
                                                                    metrics, backup, journal) if f is not None), None)
    if zone:
        events = events.with_columns(pl.col("ts", "until").dt.convert_time_zone(zone))
    return events


def timeline(since=None, until=None, *, config=None, tz: str | None = None, paths: dict | None = None,
             stats: dict | None = None, missing: dict | None = None, **options) -> pl.DataFrame:
    """Every log of the stack for the window ``since``..``until`` (what :func:`mkslog.scan` takes:
    ``'2026-11-18 14:00'``, ``2h``, ``yesterday`` ...), as :func:`timeline_events`. ``paths``: a
    kind -> paths mapping of the logs to read (a kind mapped to None: its configured logs; default:
    the configured logs of every kind). A log that cannot be read
    (no file, unknown format) is left out and its reason put in ``missing`` (kind -> text);
    ``stats`` (kind -> :class:`~mkslog.ParseStats`) receives each log's line counts and rejects.
    ``options``: ``every``, ``burst_5xx``, ``slow_ms``, ``min_slow``, ``gap``; ``limits`` default to
    the config's ``[thresholds]``, ``slow_ms`` to ``thresholds.slow_ms``.

    >>> events = mkslog.timeline("2026-11-18 13:55", "2026-11-18 14:30", config="mkslog.example.toml")  # doctest: +SKIP
    """
    from ..config import as_config
    from ..frame import scan
    from ..parse.stats import ParseStats
    from .settings import resource_limits
    from .settings import slow_ms as configured_slow_ms

    cfg = as_config(config)
    zone = tz or cfg.get("timezone") or "UTC"
    frames: dict[str, pl.LazyFrame] = {}
    for kind in SOURCES:
        kind_stats = ParseStats()
        if paths is not None and kind not in paths:
            continue
        given = (paths or {}).get(kind)  # None: the configured logs of the kind
        try:
            lf = scan(given, kind=kind, since=since, until=until, tz=zone, config=cfg, stats=kind_stats)
            lf.collect_schema()
        except MkslogError as exc:
            if missing is not None:
                missing[kind] = str(exc)
            continue
        frames[kind.replace("-", "_")] = lf
        if stats is not None:
            stats[kind] = kind_stats
    options.setdefault("limits", resource_limits(cfg))
    options.setdefault("slow_ms", configured_slow_ms(cfg))
    return timeline_events(**frames, tz=zone, **options)


__all__ = ["COLUMNS", "GUNICORN_TIMELINE", "SOURCES", "timeline", "timeline_events"]
