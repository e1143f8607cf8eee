"""``scan()``, ``read()``, ``rejects()``: the one front door to every kind of log and to the store.

``scan`` returns a LazyFrame backed by a polars IO source over the parse pipeline
(:mod:`mkslog.parse.pipeline`): polars pushes the projection (only the captured fields are
extracted) and the row filter down into it, and its streaming engine pulls one parsed chunk at a
time, so memory stays bounded by the chunk size, not the file size. The time window
(``since``/``until``) is such a filter: lines outside it are dropped while parsing. A notebook
and a CLI command that ask the same question make the same call.

>>> import mkslog
>>> lf = mkslog.scan("sample_logs/nginx/mirai-knowledge-system-access.log*", since="2026-11-18",
...                  until="2026-11-18", tz="Asia/Tokyo")  # doctest: +SKIP
>>> lf.group_by("remote_addr").len().sort("len", descending=True).head(3).collect()  # doctest: +SKIP
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import datetime

import polars as pl
from polars.io.plugins import register_io_source

from .config import as_config
from .errors import ConfigError, FormatError
from .filters import Filters
from .filters import apply as apply_filters
from .formats.base import FORWARDED_COLUMNS, first_address
from .kinds import ERROR_KINDS, check_kind
from .parse import pipeline
from .parse.detect import detect_app_format, detect_kind
from .parse.pipeline import Plan, schema_of_plans
from .parse.resolve import resolve
from .parse.stats import ParseStats
from .sources import Source, expand
from .store.read import configured_store, scan_store
from .timespec import check_timezone, time_range

PathsLike = str | os.PathLike | Iterable[str | os.PathLike] | None
Batches = Callable[[list[str] | None, pl.Expr | None], Iterator[pl.DataFrame]]
When = str | datetime | None


def lazy_frame(batches: Batches, schema: dict[str, pl.DataType], *, name: str, detail: str) -> pl.LazyFrame:
    """``batches(columns, predicate)`` as a LazyFrame of ``schema``: the one bridge from the parsers
    to polars' query engine.

    >>> lf = lazy_frame(lambda columns, predicate: iter([pl.DataFrame({"x": [1, 2, 3]})]), {"x": pl.Int64},
    ...                 name="demo", detail="three rows")
    >>> lf.head(2).collect()["x"].to_list()
    [1, 2]
    """

    def source(with_columns, predicate, n_rows, batch_size) -> Iterator[pl.DataFrame]:
        produced = 0
        for batch in batches(with_columns, predicate):
            if n_rows is not None:
                batch = batch.head(n_rows - produced)
                produced += len(batch)
            yield batch
            if n_rows is not None and produced >= n_rows:
                return

    return register_io_source(source, schema=schema, explain_name=name, explain_detail=detail)


#: How polars names a source that Python code feeds (:func:`lazy_frame`'s, any IO plugin's) in a plan.
_PYTHON_SCAN = re.compile(r"PYTHON(?:\[[^\]\n]*\])? SCAN")


def reads_text(lf: pl.LazyFrame) -> bool:
    """Whether ``lf`` reads a source that is parsed as it is read (a log's text, standard input:
    any scan fed by Python code). Such a frame is worth reading once for several answers, and may
    not be readable twice (stdin); a frame over Parquet or memory is read again cheaply, column by
    column, by polars alone.

    >>> text = lazy_frame(lambda columns, predicate: iter([]), {"x": pl.Int64}, name="demo", detail="")
    >>> reads_text(text.select("x")), reads_text(pl.LazyFrame({"x": [1]}).select("x"))
    (True, False)
    """
    return bool(_PYTHON_SCAN.search(lf.explain(optimized=False)))


def between(lf: pl.LazyFrame, start: datetime | None = None, end: datetime | None = None) -> pl.LazyFrame:
    """Rows with ``start <= ts < end`` (either bound optional), as a filter polars pushes into the
    scan: the parser drops the other rows chunk by chunk, nothing outside the window is kept.

    >>> from datetime import datetime, UTC
    >>> lf = pl.LazyFrame({"ts": [datetime(2026, 11, d, tzinfo=UTC) for d in (19, 20, 21)]})
    >>> between(lf, datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 11, 21, tzinfo=UTC)).collect().height
    1
    """
    if start is not None and end is not None:
        return lf.filter(pl.col("ts").is_between(start, end, closed="left"))
    if start is not None:
        return lf.filter(pl.col("ts") >= start)
    if end is not None:
        return lf.filter(pl.col("ts") < end)
    return lf


def in_timezone(lf: pl.LazyFrame, tz: str | None) -> pl.LazyFrame:
    """``ts`` converted to the display timezone ``tz`` (buckets such as days then follow local
    midnight). Apply it after :func:`between` so the time filter still reaches the scan."""
    return lf.with_columns(pl.col("ts").dt.convert_time_zone(tz)) if tz else lf


def window(since: When, until: When, tz: str) -> tuple[datetime | None, datetime | None]:
    """``since``/``until`` as UTC instants: datetimes as they are, words (``2026-11-20``, ``7d``,
    ``last week``, ``2026-W47`` ...) read in ``tz``; ``until`` names the end of what it names."""
    start = since if isinstance(since, datetime) else None
    end = until if isinstance(until, datetime) else None
    words = time_range(None if start else since, None if end else until, tz=tz)
    return start or words[0], end or words[1]


def parse_batches(paths: PathsLike = None, format=None, *, kind: str | None = "access", columns=None,
                  predicate: pl.Expr | None = None, stats: ParseStats | None = None,
                  chunk_size: int | None = None, workers: int = 2, config=None, datefmt: str | None = None,
                  source_tz: str | None = None, plans: list[Plan] | None = None) -> Iterator[pl.DataFrame]:
    """Parsed chunks as polars DataFrames (``.to_arrow()`` gives Arrow), in file and line order;
    up to ``workers`` chunks are parsed at once (polars releases the GIL while it works)."""
    if plans is None:
        _, plans = resolve(paths, kind=kind, format=format, config=config, datefmt=datefmt, source_tz=source_tz)
    return pipeline.parse_batches(plans, stats, columns=columns, predicate=predicate, chunk_size=chunk_size,
                                  workers=workers)


def scan(
    paths: PathsLike = None,
    format=None,
    *,
    kind: str | None = None,
    since: When = None,
    until: When = None,
    tz: str | None = None,
    store: str | os.PathLike | None = None,
    stats: ParseStats | None = None,
    config=None,
    datefmt: str | None = None,
    source_tz: str | None = None,
    client: str | None = None,
    chunk_size: int | None = None,
    filters: Filters | dict | None = None,
    where: str | None = None,
    host: str | Iterable[str] | None = None,
) -> pl.LazyFrame:
    """A LazyFrame over logs: files, globs, rotated sets (oldest first), ``.gz``, ``-`` for stdin.

    - ``kind``: ``access`` (default for the configured paths), ``nginx-error``, ``gunicorn-error``,
      ``app``, ``health``, ``metrics`` or ``backup``; None with paths detects it from the files.
    - ``format``: for access logs a named format (``combined``, ``timed``, ``gunicorn`` ...), an
      nginx or gunicorn format string, or a list (each line takes the first that fits); for app
      logs a named or ``%(...)s`` logging format (``datefmt`` for its asctime); None detects it.
    - ``paths=None`` reads the configured paths of ``kind``, or the configured ``store`` when it
      holds that kind; ``store=DIR`` (or ``s3://bucket/prefix``) reads the Parquet store that
      ``mkslog ingest`` writes, with a ``log_host`` column; ``host`` (a name or several) selects hosts.
    - ``since``/``until``: the time window, datetimes or words read in the display zone
      (``2026-11-20``, ``7d``, ``'last week'``, ``2026-W47``, ``2026-11``); pushed into the scan.
    - ``tz``: converts ``ts`` to this display zone (UTC otherwise).
    - ``source_tz``: zone of timestamps without an offset (default: ``source_timezone``).
    - ``client`` (access): ``remote`` or ``forwarded`` (the first forwarded-for address), default
      ``client_address`` of the config; every query that groups by client follows it.
    - ``filters``: a :class:`mkslog.filters.Filters` or a dict of its fields (``{"status": "5xx",
      "path": ["/api/*", "!/api/v1/health"], "ip": "10.1.0.0/24", "bots": "none", "level": "WARNING"}``);
      ``where``: an SQL condition (``"status >= 500 AND path LIKE '/api/%'"``). Both are pushed into
      the scan like the window, before ``ts`` takes the display zone (``where`` sees ``ts`` in UTC).
    - ``stats=ParseStats()`` receives line counts, rejects and warnings while it is collected.
    """
    spec = Filters.of(filters)
    if where:
        spec = replace(spec, where=f"({spec.where}) AND ({where})" if spec.where else where)
    if kind is not None:
        check_kind(kind)
    cfg = as_config(config)
    zone = check_timezone(tz or cfg.get("timezone") or "UTC")
    start, end = window(since, until, zone)
    if store is None and paths is None:
        store = configured_store(cfg, kind or "access")
    stats = stats if stats is not None else ParseStats()
    if store is not None:
        kind = kind or "access"
        lf = scan_store(store, kind, since=start, until=end, stats=stats, host=host or cfg.get("store_hosts") or None)
    else:
        if host is not None:
            raise ConfigError("host= selects hosts of a store: give store= (or store in mkslog.toml) and no paths")
        kind, plans = resolve(paths, kind=kind, format=format, config=cfg, datefmt=datefmt, source_tz=source_tz)
        stats.inputs = [p.source.path for p in plans]
        lf = _text_frame(plans, kind, stats, chunk_size, client_mode(client, cfg) if kind == "access" else None)
    if kind == "access":
        lf = with_client(lf, client_mode(client, cfg))
    lf = apply_filters(between(lf, start, end), spec, f"{kind} log")  # before the zone: pushed into the parse
    return in_timezone(lf, check_timezone(tz) if tz else None)


def _text_frame(plans: list[Plan], kind: str, stats: ParseStats, chunk_size: int | None,
                client: str | None = None) -> pl.LazyFrame:
    def batches(columns, predicate) -> Iterator[pl.DataFrame]:
        yield from parse_batches(plans=plans, columns=columns, predicate=predicate, stats=stats,
                                 chunk_size=chunk_size)
        if client == "forwarded":  # after the parse: it resets each file's warnings first
            for plan in plans:
                if not any(c in plan.parser.schema for c in FORWARDED_COLUMNS):
                    stats.warn(plan.source.name, "client_address is 'forwarded' but its format logs no "
                                                 "forwarded-for address ($http_x_forwarded_for); remote_addr is "
                                                 "the client")

    name = "mkslog" if kind == "access" else f"mkslog-{kind}"
    return lazy_frame(batches, schema_of_plans(plans), name=name, detail=", ".join(p.source.name for p in plans[:3]))


CLIENT_MODES = ("remote", "forwarded")


def client_mode(client: str | None, config=None) -> str:
    """``client``, else ``client_address`` of the config, else ``remote``; checked."""
    mode = client or as_config(config).get("client_address") or "remote"
    if mode not in CLIENT_MODES:
        raise ConfigError(f"client_address {mode!r} is not one of {', '.join(CLIENT_MODES)}: 'remote' counts the "
                          "connecting address, 'forwarded' the first X-Forwarded-For address")
    return mode


def with_client(lf: pl.LazyFrame, client: str) -> pl.LazyFrame:
    """``remote_addr`` as the client of ``client`` mode (see :func:`scan`): the one place where
    the forwarded-for address replaces it, so every query agrees.

    >>> lf = pl.LazyFrame({"remote_addr": ["10.0.0.1", "10.0.0.1"], "x_forwarded_for": ["203.0.113.7, 10.0.0.9", "-"]})
    >>> with_client(lf, "forwarded").collect()["remote_addr"].to_list()
    ['203.0.113.7', '10.0.0.1']
    """
    if client != "forwarded":
        return lf
    schema = lf.collect_schema()
    forwarded = [first_address(c) for c in FORWARDED_COLUMNS if c in schema]
    if not forwarded or "remote_addr" not in schema:
        return lf
    return lf.with_columns(pl.coalesce(*forwarded, pl.col("remote_addr")).alias("remote_addr"))


def _error_kind(source: Source, datefmt: str | None) -> str:
    try:
        return detect_kind(source)
    except FormatError:
        if datefmt is None:
            raise
        detect_app_format(source, datefmt)  # a date only this datefmt reads: an app log, or the reason why not
        return "app"


_ERROR_COLUMNS = ("ts", "level", "message", "detail", "exc_type", "exc_message", "source", "file", "line_no")


def scan_error_logs(paths: PathsLike = None, kind: str | None = None, *, format: str | None = None,
                    datefmt: str | None = None, config=None, stats: ParseStats | None = None,
                    source_tz: str | None = None, tz: str | None = None, since: When = None,
                    until: When = None, store: str | os.PathLike | None = None,
                    filters: Filters | dict | None = None, host=None) -> pl.LazyFrame:
    """The records of error-bearing logs of any of :data:`mkslog.kinds.ERROR_KINDS`, each file read
    as the kind it is (detected, or ``kind``), in one frame: ts, level (as each kind logs it:
    nginx's ``CRIT``, gunicorn's ``CRITICAL`` ...), message, detail, exc_type, exc_message, kind,
    source, file, line_no. ``paths=None`` reads the configured logs (or store) of ``kind``
    (default ``app``). ``format``/``datefmt`` apply to app logs; ``filters`` (see :func:`scan`) to each.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "error.log")
    >>> _ = open(p, "w").write("[2026-11-18 14:05:00 +0900] [12] [ERROR] Worker timeout\\n")
    >>> scan_error_logs(p).select("kind", "level").collect().row(0)
    ('gunicorn-error', 'ERROR')
    """
    if kind is not None and kind not in ERROR_KINDS:
        raise FormatError(f"errors reads {', '.join(ERROR_KINDS)} logs, not {kind!r}: give one of those")
    stats = stats if stats is not None else ParseStats()
    if paths is None:
        groups: dict[str, list[str] | None] = {kind or "app": None}
    else:
        groups = {}
        for source in expand(paths):
            found = kind or ("app" if format else _error_kind(source, datefmt))
            if found not in ERROR_KINDS:
                raise FormatError(f"{source.name} is a(n) {found} log; errors reads {', '.join(ERROR_KINDS)} "
                                  "logs (give --kind to read it as one of them)")
            groups.setdefault(found, []).append(source.path)
    frames = []
    for k, group in groups.items():
        lf = scan(group, format if k == "app" else None, kind=k, config=config, stats=stats,
                  datefmt=datefmt if k == "app" else None, source_tz=source_tz, tz=tz, since=since,
                  until=until, store=store, filters=filters, host=host)
        have = lf.collect_schema()
        cols = [pl.col(c) if c in have else pl.lit(None, pl.String).alias(c) for c in _ERROR_COLUMNS]
        cols += [pl.col("log_host")] if "log_host" in have else []  # read from a store: whose rows they are
        frames.append(lf.select(*cols, pl.lit(k).alias("kind")))
    return frames[0] if len(frames) == 1 else pl.concat(frames, how="vertical_relaxed")


def read(paths: PathsLike = None, format=None, **kwargs) -> pl.DataFrame:
    """Like :func:`scan`, collected into a DataFrame."""
    return scan(paths, format, **kwargs).collect(engine="streaming")


def rejects(paths: PathsLike = None, format=None, **kwargs) -> pl.DataFrame:
    """The lines no format matched: file, line_no, line (raw text), reason."""
    stats = ParseStats()
    scan(paths, format, stats=stats, **kwargs).select(pl.len()).collect(engine="streaming")
    return stats.rejects()


__all__ = ["ParseStats", "between", "client_mode", "in_timezone", "lazy_frame", "parse_batches", "read", "reads_text",
           "rejects", "scan", "scan_error_logs", "window", "with_client"]
