"""Writing the Parquet store: ``ingest`` parses what is new in the logs into part files and
records it in the catalog (see :mod:`mkslog.store.read` for the layout, :mod:`mkslog.store.catalog` for how
files are known by their content).

How a file is read:

- matched: a catalog entry read to its end with the same inode, size, mtime and head is skipped
  (renamed or not); otherwise an entry whose head and 4 KB before its offset match is resumed
  from its offset (a grown log, a ``.1`` that gained lines, a ``.gz`` holding more than was read);
- a file no entry matches is new, unless an unmatched entry had its path and inode: then the file
  was truncated or rewritten in place, and the entry's rows are dropped in the transaction that
  records the first rows of the new content;
- parsed chunks are cut by UTC day and streamed into one open part per day; every ``part_rows``
  rows and at the end of the file the parts are closed (fsync, rename) and the catalog records
  them with the new offset in one transaction (a checkpoint);
- afterwards, the small parts a frequent ingest leaves (one per run and day) are merged once
  :data:`~mkslog.store.parts.COMPACT_AT` of them exist for one file and day.

Every kind is parsed by the one pipeline (:mod:`mkslog.parse.pipeline`, through
:mod:`mkslog.store.filejob`), chunk by chunk, with the config's
``source_timezone`` (recorded in the catalog: a later ingest with another one fails clearly).
For the multi-line kinds every chunk handed to a worker is cut at a record start, so a record is
never split; the last record of an uncompressed file is held back (the read position stays at its
first line) while the file was modified less than ``settle`` seconds ago: a traceback may still be
being written. A ``.gz`` is complete and read to its end.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import polars as pl

from ..config import as_config
from ..errors import LogFileError, StoreError
from ..kinds import KINDS, check_kind, config_key
from ..parse.pipeline import Pool
from ..parse.resolve import configured_sources, parser_for
from ..sources import DEFAULT_CHUNK, Source, expand
from ..timespec import check_timezone
from .catalog import (
    CATALOG,
    HEAD,
    HOST_COLUMN,
    Catalog,
    FileEntry,
    Probe,
    check_host,
    default_host,
    is_store,
    probe,
    schema_blob,
    schema_from,
    sha,
    store_lock,
    window_before,
)
from .filejob import PART_ROWS, FileJob, FileReport
from .location import Location
from .migrate import migrate
from .parts import compact
from .types import union_schema

INGEST_KINDS = KINDS
SETTLE = 60.0  # seconds without a write after which the last multi-line record of a file is final


@dataclass
class IngestResult:
    store: str
    kind: str
    host: str = ""
    files: list[FileReport] = field(default_factory=list)
    seconds: float = 0.0
    garbage: int = 0  # part files of an interrupted ingest that were deleted
    merged: int = 0  # small part files merged into bigger ones
    migrated: str = ""  # what upgrading an older store did (see mkslog.store.migrate)

    def _sum(self, attr: str) -> int:
        return sum(getattr(f, attr) for f in self.files)

    @property
    def lines(self) -> int:
        return self._sum("lines")

    @property
    def parsed(self) -> int:
        return self._sum("parsed")

    @property
    def rejected(self) -> int:
        return self._sum("rejected")

    @property
    def parts(self) -> int:
        return self._sum("parts")

    @property
    def dropped_rows(self) -> int:
        return self._sum("dropped_rows")

    def to_frame(self) -> pl.DataFrame:
        schema = {"path": pl.String, "action": pl.String, "lines": pl.Int64, "parsed": pl.Int64,
                  "rejected": pl.Int64, "parts": pl.Int64, "dropped_rows": pl.Int64, "note": pl.String}
        return pl.DataFrame([vars(f) for f in self.files], schema=schema)

    def summary(self) -> str:
        text = (f"{len(self.files)} file(s): {self.lines} new lines ({self.parsed} parsed, {self.rejected} "
                f"rejected), {self.parts} part(s) written in {self.seconds:.1f} s")
        if self.dropped_rows:
            text += f"; {self.dropped_rows} rows of replaced files dropped"
        if self.merged:
            text += f"; {self.merged} small part(s) merged"
        if self.garbage:
            text += f"; {self.garbage} file(s) of an interrupted ingest removed"
        if self.migrated:
            text += f"; {self.migrated}"
        return text



def ingest(paths=None, store: str | os.PathLike | None = None, *, kind: str = "access",
           format=None, config=None, wait: float = 0.0,
           chunk_size: int = DEFAULT_CHUNK, part_rows: int = PART_ROWS, workers: int = 2,
           datefmt: str | None = None, source_tz: str | None = None, settle: float = SETTLE,
           host: str | None = None) -> IngestResult:
    """Parse what is new in ``paths`` (default: the configured paths of ``kind``) into ``store``
    (default: ``store`` in mkslog.toml; a folder or ``s3://bucket/prefix``) as the rows of ``host``
    (default: ``[logs.<kind>] host``, else ``host`` in mkslog.toml, else this machine's name).
    Waits up to ``wait`` seconds for another ingest of the same host; other hosts' ingests run
    alongside. A store of an older version is migrated first (:mod:`mkslog.store.migrate`).

    Record kinds: ``datefmt`` for app logs (default: the config's), ``source_tz`` for timestamps
    without an offset (default: the config's ``source_timezone``, as :func:`mkslog.scan` uses);
    ``settle``: the last record of a multi-line log is held back until its file has not been
    written to for this many seconds (a ``.gz`` is always read to its end)."""
    cfg = as_config(config)
    store = store or cfg.get("store") or None
    if not store:
        raise StoreError("no store given: pass --store DIR or set store = \"DIR\" in mkslog.toml")
    check_kind(kind)
    started = time.monotonic()
    sources, fmt = _sources(paths, format, cfg, kind)
    if paths is None:
        datefmt = datefmt or cfg.get(f"logs.{config_key(kind)}.datefmt") or None
    source_tz = check_timezone(source_tz or cfg.get("source_timezone") or "UTC")
    host = check_host(host) if host else default_host(cfg, kind)
    loc = Location(store)
    # emptiness first: another host's ingest may be creating the store right now, and it puts its
    # catalog before anything else, so a store that was not empty then is one by now (the other
    # order failed when that catalog came between the two looks)
    if not loc.is_empty() and not is_store(loc):
        raise StoreError(f"{store} is not empty and not an mkslog store: give a new or empty folder")
    result = IngestResult(str(store), kind, host)
    if loc.is_file(CATALOG):  # a version-1 store: upgraded once, by whichever ingest comes first
        with store_lock(loc, wait):
            if loc.is_file(CATALOG):
                result.migrated = migrate(loc, host).summary()
    with store_lock(loc, wait, host=host):
        cat = Catalog(loc, host, write=True)
        try:
            if kind != "access":
                _check_source_tz(cat, kind, source_tz)
            result.garbage = collect_garbage(cat)
            job = Ingest(cat, kind, fmt, chunk_size, max(1, part_rows), max(1, workers))
            job.datefmt, job.source_tz, job.settle = datefmt, source_tz, settle
            job.run(sources, result)
        finally:
            cat.close()
    result.seconds = time.monotonic() - started
    return result


def configured_kinds(config=None) -> list[str]:
    """The kinds whose configured paths (``[logs.<kind>] paths``) match at least one file."""
    cfg = as_config(config)
    found = []
    for kind in INGEST_KINDS:
        paths = cfg.log_paths(config_key(kind))
        if not paths:
            continue
        try:
            if expand(paths):
                found.append(kind)
        except LogFileError:
            continue
    return found


def _check_source_tz(cat: Catalog, kind: str, source_tz: str) -> None:
    """Rows of one kind are all parsed with one source timezone: it is kept in the catalog."""
    key = f"source_tz:{kind}"
    stored = cat.meta(key)
    if stored == source_tz:
        return
    if stored is None or cat.meta(f"schema:{kind}") is None:  # no rows of this kind yet
        cat.set_meta(key, source_tz)
        return
    raise StoreError(
        f"the {kind} logs of host {cat.host} in {cat.loc} were parsed with source_timezone {stored!r}, this ingest would use "
        f"{source_tz!r}: set source_timezone back to {stored!r}, or ingest into a new store (rows already "
        "stored are not parsed again)")


def collect_garbage(cat: Catalog) -> int:
    """Delete the part files of the catalog's host that it does not list (left by an interrupted
    ingest of that host; other hosts' files are theirs)."""
    known = cat.part_paths()
    removed = 0
    for kind in INGEST_KINDS:
        folder = f"kind={kind}/log_host={cat.host}"
        for rel in cat.loc.list(folder):
            name = rel.rsplit("/", 1)[-1]
            if name.endswith(".tmp") or (name.endswith(".parquet") and rel not in known):
                cat.loc.delete(rel)
                removed += 1
        cat.loc.prune_dirs(folder)
    return removed


def _sources(paths, format, cfg, kind: str) -> tuple[list[Source], object]:
    if paths is not None and not isinstance(paths, (str, os.PathLike)):
        paths = list(paths) or None
    if paths is None:
        format = format or cfg.get(f"logs.{config_key(kind)}.format") or None
        found = configured_sources(cfg, kind)
    else:
        found = expand(paths)
    if any(s.is_stdin for s in found):
        raise StoreError("ingest reads files: standard input (-) cannot be resumed; save it to a file first")
    pipes = [s.path for s in found if s.is_pipe]
    if pipes:
        raise StoreError(f"ingest reads files: {pipes[0]} is a pipe, which cannot be resumed where it stopped; "
                         "save it to a file first, or read it once with mkslog parse --to FILE")
    return [Source(os.path.abspath(s.path)) for s in found], format


@dataclass
class _Plan:
    probe: Probe
    action: str
    entry: FileEntry | None = None
    window: bytes = b""
    more: bool = False
    drop: list[FileEntry] = field(default_factory=list)


class Ingest:
    def __init__(self, cat: Catalog, kind: str, fmt, chunk_size: int, part_rows: int, workers: int):
        self.cat, self.kind, self.fmt = cat, kind, fmt
        self.chunk_size, self.part_rows, self.workers = chunk_size, part_rows, workers
        self.datefmt: str | None = None
        self.source_tz = "UTC"
        self.settle = SETTLE
        self.now = datetime.now(UTC).isoformat(timespec="seconds")
        blob = cat.meta(f"schema:{kind}")
        self.schema: dict | None = None if blob is None else schema_from(blob)
        self.saved_schema = self.schema

    def save_schema(self) -> None:
        """Record a widened schema in the catalog (inside the checkpoint's transaction)."""
        if self.schema != self.saved_schema:
            self.cat.set_meta(f"schema:{self.kind}", schema_blob(self.schema))
            self.saved_schema = self.schema

    # -- deciding what to read

    def match(self, sources: list[Source]) -> tuple[list[_Plan], list[FileEntry]]:
        entries = self.cat.files(self.kind)
        claimed: dict[int, str] = {}
        plans: list[_Plan] = []
        for source in sources:
            try:
                p = probe(source)
            except FileNotFoundError:  # rotated away between listing and reading
                continue
            except PermissionError:
                raise LogFileError(f"permission denied: {source.path} (run as a user who can read it, "
                                   "e.g. in group adm)") from None
            plans.append(self._match_one(p, entries, claimed))
        for plan in plans:  # a file that is not known by content: new, or rewritten in place
            if plan.action != "new":
                continue
            same = [e for e in entries if e.id not in claimed and e.path == plan.probe.source.path
                    and (e.dev, e.ino) == (plan.probe.dev, plan.probe.ino)]
            if same:  # an entry that read nothing (offset 0) is superseded quietly
                plan.drop = same
                plan.action = "replaced" if any(e.offset for e in same) else "new"
                claimed.update({e.id: plan.probe.source.path for e in same})
        folders = {os.path.dirname(s.path) for s in sources}  # other folders: other ingests' files
        gone = [e for e in entries if e.id not in claimed and e.present and os.path.dirname(e.path) in folders]
        return plans, gone

    def _match_one(self, p: Probe, entries: list[FileEntry], claimed: dict[int, str]) -> _Plan:
        for e in entries:  # read to its end, and the same inode, size and mtime since: nothing new
            if (e.id not in claimed and e.complete and p.same_stat(e)
                    and (p.head_matches(e) or (e.offset == 0 and e.path == p.source.path))):
                claimed[e.id] = p.source.path
                return _Plan(p, "unchanged" if e.path == p.source.path else "rotated", e)
        candidates = [e for e in entries if p.head_matches(e)]
        candidates.sort(key=lambda e: (e.id in claimed, (e.dev, e.ino) != (p.dev, p.ino), -e.offset))
        for e in candidates:
            window, more = window_before(p.source, e.offset)
            if len(window) == min(HEAD, e.offset) and sha(window) == e.tail_sha:
                if e.id in claimed:
                    return _Plan(p, "duplicate", e)
                claimed[e.id] = p.source.path
                action = "appended" if e.path == p.source.path else "rotated"
                return _Plan(p, action, e, window, more)
        return _Plan(p, "new")

    # -- doing it

    def run(self, sources: list[Source], result: IngestResult) -> None:
        plans, gone = self.match(sources)
        quiet: list[FileEntry] = []  # entries whose identity changed but that have nothing new
        with Pool(self.workers) as pool:
            for plan in plans:
                path = plan.probe.source.path
                e = plan.entry
                if plan.action == "unchanged":
                    result.files.append(FileReport(path, "unchanged"))
                elif plan.action == "duplicate":
                    result.files.append(FileReport(path, "duplicate", note=f"same content as {e.path}: skipped"))
                elif plan.action in ("appended", "rotated") and not plan.more:
                    report = FileReport(path, "unchanged" if e.path == path else "rotated")
                    if e.path != path:
                        report.note = f"was {e.path}"
                    _set_identity(e, plan.probe)
                    e.complete = e.present = 1  # its content ends where the last read stopped
                    quiet.append(e)
                    result.files.append(report)
                else:
                    result.files.append(self.read(plan, pool))
        for e in gone:
            e.present = 0
            result.files.append(FileReport(e.path, "gone", note="no longer found; its rows are kept"))
        with self.cat.transaction():
            for e in quiet + gone:
                self.cat.save_file(e)
        result.merged = compact(self.cat, self.kind, self.schema, self.part_rows)

    def read(self, plan: _Plan, pool: Pool) -> FileReport:
        source = plan.probe.source
        parser = parser_for(source, self.kind, self.fmt, datefmt=self.datefmt, source_tz=self.source_tz)
        if HOST_COLUMN in parser.schema:
            raise StoreError(f"{source.path}: its format has a field {HOST_COLUMN!r}, the store's host partition: "
                             "rename that field in the format")
        self.schema = union_schema(self.schema, parser.schema)
        report = FileReport(source.path, plan.action)
        old = plan.entry
        if plan.action in ("appended", "rotated"):
            e, start, window = old, old.offset, plan.window
            if old.path != source.path:
                report.note = f"was {old.path}; read the lines it gained"
        else:
            e, start, window = FileEntry(self.kind, source.path, first_ingest=self.now), 0, b""
            if plan.drop:
                report.note = "content differs from what was read before (truncated or rewritten in place): re-read"
        e.format = parser.name
        e.last_ingest, e.present = self.now, 1
        _set_identity(e, plan.probe)
        job = FileJob(self, e, parser, start, window, plan.drop, report)
        job.run(pool)
        if job.held and report.action == "appended" and not report.lines:
            report.action = "unchanged"  # only its held-back last record was looked at again
        return report


def _set_identity(e: FileEntry, p: Probe) -> None:
    e.path, e.dev, e.ino, e.size, e.mtime_ns, e.compressed = (
        p.source.path, p.dev, p.ino, p.size, p.mtime_ns, int(p.compressed))
