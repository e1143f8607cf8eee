"""``scan()`` and ``read()``: polars frames over log files, parsed in streaming chunks.

``scan`` returns a LazyFrame backed by an IO source: polars pushes the projection (only the
captured fields are extracted) and the predicate down into it, and its streaming engine pulls
one parsed chunk at a time, so memory stays bounded by the chunk size, not the file size.

>>> import mkslog
>>> lf = mkslog.scan("sample_logs/nginx/mirai-knowledge-system-access.log*")  # doctest: +SKIP
>>> lf.group_by("remote_addr").len().sort("len", descending=True).head(3).collect()  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import polars as pl

from .config import Config, load_config
from .errors import ConfigError, FormatError, LogFileError
from .formats import LogFormat, compile_format
from .formats.base import FORWARDED_COLUMNS, first_address
from .iosource import lazy_frame
from .parse.access import ParseStats, frame_schema, parse_chunk
from .parse.detect import detect_formats
from .sources import DEFAULT_CHUNK, ChunkReader, Source, expand

PathsLike = str | os.PathLike | Iterable[str | os.PathLike] | None


def _config(config: Config | str | os.PathLike | None) -> Config:
    return config if isinstance(config, Config) else load_config(config)


def resolve(paths: PathsLike, format: str | LogFormat | None, config, kind: str = "access"):
    """Sources and, for each, the formats to try in order."""
    if paths is None:
        cfg = _config(config)
        paths = cfg.log_paths(kind)
        format = format or cfg.get(f"logs.{kind}.format") or None
        try:
            sources = expand(paths)
        except LogFileError as exc:
            raise LogFileError(
                f"{exc} - these are the configured {kind} log paths; pass log files as arguments "
                "or set [logs.{kind}] paths in mkslog.toml (see `mkslog config`)".replace("{kind}", kind)
            ) from None
    else:
        sources = expand(paths)
    if format is not None:
        specs = format if isinstance(format, list | tuple) else [format]
        fmts = _with_lenient([compile_format(f) for f in specs])
        return [(s, fmts) for s in sources]
    return [(s, _with_lenient(detect_formats(s))) for s in sources]


def _with_lenient(formats: list[LogFormat]) -> list[LogFormat]:
    out: list[LogFormat] = []
    for fmt in formats:
        out.append(fmt)
        lenient = fmt.lenient()
        if lenient is not None:
            out.append(lenient)
    return out


def parse_batches(
    paths: PathsLike = None,
    format: str | LogFormat | None = None,
    *,
    columns: Iterable[str] | None = None,
    predicate: pl.Expr | None = None,
    stats: ParseStats | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    workers: int = 2,
    config=None,
    plan=None,
) -> Iterator[pl.DataFrame]:
    """Parsed chunks as polars DataFrames (``.to_arrow()`` gives Arrow), in file and line order.

    Up to ``workers`` chunks are parsed at once: polars releases the GIL while it works."""
    plan = plan or resolve(paths, format, config)
    stats = stats if stats is not None else ParseStats()
    schema = frame_schema([f for _, fmts in plan for f in fmts])
    cols = None if columns is None else set(columns)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        pending: deque[Future] = deque()
        for source, formats in plan:
            stats.reset(source.name)
            stats.file(source.name, formats[0].name)
            for hint in dict.fromkeys(f.extra.get("hint") for f in formats if f.extra.get("hint")):
                stats.warn(source.name, hint)
            reader = ChunkReader(source, chunk_size=chunk_size)
            for chunk in reader:
                pending.append(pool.submit(parse_chunk, chunk, formats, source.name, stats,
                                           columns=cols, predicate=predicate, schema=schema))
                while len(pending) > workers:
                    yield pending.popleft().result()
            if reader.error:
                stats.file(source.name).error = reader.error
        while pending:
            yield pending.popleft().result()


def scan(
    paths: PathsLike = None,
    format: str | LogFormat | None = None,
    *,
    kind: str | None = "access",
    config=None,
    stats: ParseStats | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    tz: str | None = None,
    store: str | os.PathLike | None = None,
    datefmt: str | None = None,
    source_tz: str | None = None,
    client: str | None = None,
) -> pl.LazyFrame:
    """A LazyFrame over access logs (files, globs, rotated sets, ``.gz``, ``-`` for stdin).

    ``format``: a named format (``combined``, ``main``, ``timed``, ``gunicorn``...), an nginx or
    gunicorn format string, a list of them (each line takes the first that fits), or None to
    autodetect per file. ``paths=None`` reads the configured
    paths. Pass ``stats=ParseStats()`` to get line counts and rejects after collecting. ``tz``
    converts ``ts`` to a display timezone (it is UTC otherwise). ``store=DIR`` reads the Parquet
    store that ``mkslog ingest`` writes (same columns); with ``paths=None`` the configured
    ``store`` is used when it holds logs of this kind.

    ``kind``: ``nginx-error``, ``gunicorn-error``, ``app``, ``health``, ``metrics`` or ``backup``
    read those logs as records (:func:`mkslog.parse.records.scan_records`: ``datefmt`` for app logs,
    ``source_tz`` for timestamps without offset, default the config's ``source_timezone``);
    ``kind=None`` detects the kind from the files.

    ``client``: who the client of a request is, in ``remote_addr``: ``remote`` (the peer that
    connected; the forwarded-for address only when the format logs no ``remote_addr``) or
    ``forwarded`` (the first address of ``$http_x_forwarded_for`` / ``$http_x_real_ip`` /
    ``%({x-forwarded-for}i)s``, else ``remote_addr``); default ``client_address`` in the config
    (read when ``config`` or no ``paths`` is given).
    Every query that groups by client (top-ips, suspects, ip, logins, the report) follows it.
    """
    if store is None and paths is None:
        from .store.read import configured_store

        store = configured_store(config, kind)
    if kind == "access":  # explicit paths without a config do not go looking for mkslog.toml
        client = client_mode(client, config if config is not None or paths is None else {})
    if store is not None:
        from .store.read import scan_store

        lf = scan_store(store, kind, tz=tz, stats=stats)
        return with_client(lf, client) if kind == "access" else lf
    if kind != "access":
        from .parse.records import scan_records

        return scan_records(paths, kind, format, datefmt=datefmt, source_tz=source_tz, stats=stats,
                            chunk_size=chunk_size, config=config, tz=tz)
    plan = resolve(paths, format, config, kind)
    schema = frame_schema([f for _, fmts in plan for f in fmts])
    stats = stats if stats is not None else ParseStats()

    def batches(columns, predicate) -> Iterator[pl.DataFrame]:
        yield from parse_batches(columns=columns, predicate=predicate, stats=stats, chunk_size=chunk_size, plan=plan)
        if client == "forwarded":  # after the parse: it resets each file's warnings first
            for source, fmts in plan:
                if not any(c in f.schema for f in fmts for c in FORWARDED_COLUMNS):
                    stats.warn(source.name, "client_address is 'forwarded' but its format logs no forwarded-for "
                                            "address ($http_x_forwarded_for); remote_addr is the client")

    lf = lazy_frame(batches, schema, name="mkslog", detail=", ".join(s.name for s, _ in plan[:3]), tz=tz)
    return with_client(lf, client)


CLIENT_MODES = ("remote", "forwarded")


def client_mode(client: str | None, config=None) -> str:
    """``client``, else ``client_address`` of the config (``{}``: none), else ``remote``; checked."""
    mode = client or (config.get("client_address") if isinstance(config, dict) else
                      _config(config).get("client_address")) or "remote"
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
    from .parse.records import detect_app_format, detect_kind

    try:
        return detect_kind(source)
    except FormatError:
        if datefmt is None:
            raise
        detect_app_format(source, datefmt)  # a date only this datefmt reads: an app log, or the reason why not
        return "app"


#: The kinds whose records carry a level, which ``errors`` counts.
ERROR_LOG_KINDS = ("app", "gunicorn-error", "nginx-error")
_ERROR_COLUMNS = ("ts", "level", "message", "detail", "exc_type", "exc_message", "source", "file", "line_no")


def scan_error_logs(paths: PathsLike = None, kind: str | None = None, *, format: str | None = None,
                    datefmt: str | None = None, config=None, stats: ParseStats | None = None,
                    source_tz: str | None = None, tz: str | None = None) -> pl.LazyFrame:
    """The records of error-bearing logs of any of :data:`ERROR_LOG_KINDS`, each file read as the
    kind it is (detected, or ``kind``), in one frame: ts, level (as each kind logs it: nginx's
    ``CRIT``, gunicorn's ``CRITICAL`` ...), message, detail, exc_type, exc_message, kind, source,
    file, line_no. ``paths=None`` reads the configured logs of ``kind`` (default ``app``).
    ``format``/``datefmt`` apply to app logs.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "error.log")
    >>> _ = open(p, "w").write("[2026-11-18 14:05:00 +0900] [12] [ERROR] Worker timeout\\n")
    >>> scan_error_logs(p).select("kind", "level").collect().row(0)
    ('gunicorn-error', 'ERROR')
    """
    if kind is not None and kind not in ERROR_LOG_KINDS:
        raise FormatError(f"errors reads {', '.join(ERROR_LOG_KINDS)} logs, not {kind!r}: give one of those")
    stats = stats if stats is not None else ParseStats()
    if paths is None:
        groups = {kind or "app": None}
    else:
        groups = {}
        for source in expand(paths):
            found = kind or ("app" if format else _error_kind(source, datefmt))
            if found not in ERROR_LOG_KINDS:
                raise FormatError(f"{source.name} is a(n) {found} log; errors reads {', '.join(ERROR_LOG_KINDS)} "
                                  "logs (give --kind to read it as one of them)")
            groups.setdefault(found, []).append(source.path)
    frames = []
    for k, group in groups.items():
        lf = scan(group, format if k == "app" else None, kind=k, config=config, stats=stats,
                  datefmt=datefmt if k == "app" else None, source_tz=source_tz, tz=tz)
        have = lf.collect_schema()
        cols = [pl.col(c) if c in have else pl.lit(None, pl.String).alias(c) for c in _ERROR_COLUMNS]
        frames.append(lf.select(*cols, pl.lit(k).alias("kind")))
    return frames[0] if len(frames) == 1 else pl.concat(frames, how="vertical_relaxed")


def read(paths: PathsLike = None, format: str | LogFormat | None = None, **kwargs) -> pl.DataFrame:
    """Like :func:`scan`, collected into a DataFrame."""
    return scan(paths, format, **kwargs).collect(engine="streaming")


def rejects(paths: PathsLike = None, format: str | LogFormat | None = None, **kwargs) -> pl.DataFrame:
    """The lines no format matched: file, line_no, line (raw text), reason."""
    stats = ParseStats()
    if kwargs.get("kind", "access") != "access":
        scan(paths, format, stats=stats, **kwargs).select("line_no").collect(engine="streaming")
        return stats.rejects()
    kwargs.pop("kind", None)
    for _ in parse_batches(paths, format, columns=[], stats=stats, **kwargs):
        pass
    return stats.rejects()


__all__ = ["scan", "read", "parse_batches", "rejects", "scan_error_logs", "with_client", "ParseStats", "Source"]
