"""Parse once: an incremental Parquet store of parsed logs, for one machine or a fleet.

``ingest`` parses log files into plain Parquet, partitioned Hive style by log kind, host and the
UTC day of ``ts``; ``scan_store`` reads it back as the LazyFrame that scanning the text gives,
plus a ``log_host`` column (the host whose log a row is from; not ``host``, which nginx error
logs and ``$host`` formats already carry). The store is a folder or a prefix in an S3-compatible bucket
(``s3://bucket/prefix``, see :mod:`mkslog.store.location`)::

    DIR/_catalog/<host>.sqlite                                    what was read from which file, per host
    DIR/kind=access/log_host=web1/date=2026-11-23/part-<uuid>.parquet parsed records (frame columns, portable types)
    DIR/kind=access/log_host=web1/_rejects/part-<uuid>.parquet        rejected lines: file, line_no, line, reason

Every kind of log is stored: ``access`` and the record kinds of :mod:`mkslog.parse.records` (``app``,
``nginx-error``, ``gunicorn-error``, ``health``, ``metrics``, ``backup``), each under its own
``kind=`` folder with the schema a text scan of it has. Timestamps without an offset are read in
the ``source_timezone`` the catalog records per kind (an ingest with another one fails).

A re-run reads only what is new: the appended tail of a growing file, a newly rotated file (known
by content, so a rename or gzip is not read again), the tail a rotated file gained before it was
compressed. A file truncated or rewritten in place is re-read and its old rows dropped. Part files
are written under a temporary name, renamed, and only then listed in the catalog (one transaction
per checkpoint), so a killed ingest leaves the store readable; the next one deletes unlisted files.
Writing is in :mod:`mkslog.store.ingest`; file identity, the catalog and the lock in :mod:`mkslog.store.catalog`.

>>> from mkslog.store import ingest, scan_store
>>> ingest(["/var/log/nginx/access.log*"], "/srv/mkslog/store").summary()  # doctest: +SKIP
'7 file(s): 26363 new lines (26363 parsed, 0 rejected), 14 part(s) written in 0.7 s'
>>> scan_store("/srv/mkslog/store").drop("log_host").collect_schema() == mkslog.scan("/var/log/nginx/access.log*").collect_schema()  # doctest: +SKIP
True
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import UTC, datetime

import polars as pl

from ..config import as_config
from ..errors import StoreError
from ..parse.stats import REJECT_SCHEMA, FileStats, ParseStats
from .catalog import CATALOG, CATALOGS, HOST_COLUMN, Catalog, PartEntry, catalog_hosts, schema_from
from .location import Location
from .types import portable_schema, to_frame, union_schema


def scan_store(store: str | os.PathLike, kind: str | None = "access", *, since: datetime | None = None,
               until: datetime | None = None, tz: str | None = None, stats: ParseStats | None = None,
               host: str | Iterable[str] | None = None) -> pl.LazyFrame:
    """A LazyFrame over the store with the columns and types of a text scan of the same logs, plus
    ``log_host`` (String): the rows of every host, or of ``host`` (a name or several).

    Only part files listed in the catalogs are read. ``since <= ts < until`` (naive datetimes are
    UTC) skips whole days before any file is opened; a ``ts`` filter applied later is pushed into
    the Parquet scan, which skips files and row groups by their min/max statistics. ``stats`` is
    filled at once with the per-file counts and rejected lines of everything read (file names
    prefixed ``host:`` when several hosts are read)."""
    kind = kind or "access"
    loc = Location(store)
    hosts = _hosts(loc, host)
    schema: dict | None = None
    parts: dict[str, list[PartEntry]] = {}
    for h in hosts:
        cat = Catalog(loc, h, write=False)
        try:
            blob = cat.meta(f"schema:{kind}")
            if blob is None:
                continue
            schema = union_schema(schema, schema_from(blob))
            parts[h] = cat.parts(kind, rejects=False)
            if stats is not None:
                _fill_stats(cat, kind, stats, f"{h}:" if len(hosts) > 1 else "")
        finally:
            cat.close()
    if schema is None:
        which = "" if host is None else f" of host {', '.join(hosts)}"
        raise StoreError(f"{store} holds no {kind} logs{which}: "
                         f"ingest them with `mkslog ingest --store {store} --kind {kind} PATHS`")
    lo, hi = _micros(since), _micros(until)
    stored = portable_schema(schema)
    frames = []
    for h, listed in parts.items():
        files = [loc.uri(p.path) for p in listed if _overlaps(p, lo, hi)]
        if files:
            lf = pl.scan_parquet(files, schema=stored, missing_columns="insert", extra_columns="ignore",
                                 hive_partitioning=False)
            frames.append(lf.with_columns(pl.lit(h, pl.String).alias(HOST_COLUMN)))
    if frames:
        lf = to_frame(frames[0] if len(frames) == 1 else pl.concat(frames, how="vertical"), schema)
    else:
        lf = pl.LazyFrame(schema={**schema, HOST_COLUMN: pl.String})
    if since is not None:
        lf = lf.filter(pl.col("ts") >= _aware(since))
    if until is not None:
        lf = lf.filter(pl.col("ts") < _aware(until))
    if tz:
        lf = lf.with_columns(pl.col("ts").dt.convert_time_zone(tz))
    return lf


def store_hosts(store: str | os.PathLike) -> list[str]:
    """The hosts whose rows the store holds, sorted."""
    return _hosts(Location(store), None)


def store_rejects(store: str | os.PathLike, kind: str = "access", *, host=None) -> pl.DataFrame:
    """Every rejected line kept in the store: file, line_no, line (raw text), reason."""
    loc = Location(store)
    hosts = _hosts(loc, host)
    stats = ParseStats()
    for h in hosts:
        cat = Catalog(loc, h, write=False)
        try:
            _fill_stats(cat, kind, stats, f"{h}:" if len(hosts) > 1 else "")
        finally:
            cat.close()
    return stats.rejects()


def store_files(store: str | os.PathLike, kind: str | None = None, *, host=None) -> pl.DataFrame:
    """The catalogs: one row per source file the store holds rows of, with its host, identity and counts."""
    loc = Location(store)
    entries = []
    for h in _hosts(loc, host):
        cat = Catalog(loc, h, write=False)
        try:
            entries += [(h, e) for e in cat.files(kind)]
        finally:
            cat.close()
    cols = ["id", "kind", "path", "format", "offset", "lines", "parsed", "rejected", "invalid_utf8",
            "compressed", "present", "error", "first_ingest", "last_ingest"]
    text = (HOST_COLUMN, "kind", "path", "format", "error", "first_ingest", "last_ingest")
    return pl.DataFrame([{HOST_COLUMN: h, **{c: getattr(e, c) for c in cols}} for h, e in entries],
                        schema={c: (pl.String if c in text else pl.Int64) for c in [HOST_COLUMN, *cols]})


def configured_store(config, kind: str | None = "access") -> str | None:
    """The ``store`` of the config when it exists and holds ``kind`` logs, else None (parse text)."""
    cfg = as_config(config)
    store = cfg.get("store") or ""
    if not kind or not store:
        return None
    loc = Location(store)
    for h in catalog_hosts(loc):
        cat = Catalog(loc, h, write=False)
        try:
            if cat.meta(f"schema:{kind}") is not None:
                return store
        finally:
            cat.close()
    return None


def _hosts(loc: Location, host) -> list[str]:
    """The hosts to read: all of the store's, or the ones asked for (each must be there)."""
    found = catalog_hosts(loc)
    if not found:
        if loc.is_file(CATALOG):
            raise StoreError(f"{loc} is a store of an older mkslog (version 1): run `mkslog ingest --store {loc}` "
                             "once to migrate it (its parts are rewritten with portable types, as one host)")
        raise StoreError(f"{loc} is not an mkslog store (no {CATALOGS}/ folder): "
                         f"create it with `mkslog ingest --store {loc} PATHS`")
    if host is None:
        return found
    wanted = [host] if isinstance(host, str) else list(host)
    missing = [h for h in wanted if h not in found]
    if missing:
        raise StoreError(f"{loc} holds no rows of host {', '.join(missing)}: its hosts are {', '.join(found)}")
    return wanted


def _fill_stats(cat: Catalog, kind: str, stats: ParseStats, prefix: str = "") -> None:
    entries = cat.files(kind)
    by_file: dict[int, list[str]] = {}
    for p in cat.parts(kind, rejects=True):
        by_file.setdefault(p.file_id, []).append(cat.loc.uri(p.path))
    paths = [e.path for e in entries]
    names = [prefix + (e.path if paths.count(e.path) == 1 else f"{e.path} (#{e.id})") for e in entries]
    for name in names:  # first: a reset drops the rejects *read under* that name, which may be another entry's
        stats.reset(name)
    for e, name in zip(entries, names, strict=True):
        files = by_file.get(e.id, [])
        rejects = pl.read_parquet(files) if files else pl.DataFrame(schema=REJECT_SCHEMA)
        fs: FileStats = stats.file(name, e.format or "")
        stats.add(name, lines=e.lines, parsed=e.parsed, invalid_utf8=e.invalid_utf8, nbytes=e.offset,
                  rejects=rejects)
        fs.error = e.error


def _micros(value: datetime | None) -> int | None:
    return None if value is None else int(_aware(value).timestamp() * 1_000_000)


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _overlaps(p: PartEntry, lo: int | None, hi: int | None) -> bool:
    if lo is None and hi is None:
        return True
    if p.min_ts is None:  # records without a timestamp never satisfy a time range
        return False
    return (lo is None or p.max_ts >= lo) and (hi is None or p.min_ts < hi)


__all__ = ["configured_store", "scan_store", "store_files", "store_hosts", "store_rejects"]
