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
  :data:`COMPACT_AT` of them exist for one file and day.

Record kinds (health, metrics, backup, app, nginx-error, gunicorn-error) are parsed by
:func:`mkslog.parse.records.parse_record_batches`, chunk by chunk, with the config's
``source_timezone`` (recorded in the catalog: a later ingest with another one fails clearly).
For the multi-line kinds every chunk handed to a worker is cut at a record start, so a record is
never split; the last record of an uncompressed file is held back (the read position stays at its
first line) while the file was modified less than ``settle`` seconds ago: a traceback may still be
being written. A ``.gz`` is complete and read to its end.
"""

from __future__ import annotations

import os
import time
import uuid
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import LogFileError, StoreError
from ..formats import LogFormat, compile_format
from ..frame import _config, _with_lenient
from ..parse.access import REJECT_SCHEMA, TAIL_SCHEMA, ParseStats, frame_schema, parse_chunk
from ..parse.detect import detect_formats
from ..parse.records import (
    ALL_KINDS,
    MAX_RECORD_LINES,
    MULTILINE_SCHEMA,
    _starts,
    check_timezone,
    detect_app_format,
    parse_record_batches,
    record_format,
    schema_of,
)
from ..sources import DEFAULT_CHUNK, Chunk, ChunkReader, Source, expand
from .catalog import (
    CATALOG,
    HEAD,
    Catalog,
    FileEntry,
    PartEntry,
    Probe,
    probe,
    schema_blob,
    schema_from,
    sha,
    store_lock,
    window_before,
)

PART_ROWS = 1_000_000  # rows per part file and day, at most
COMPACT_AT = 8  # small parts of one file and day that are merged into one
NULL_DATE = "__HIVE_DEFAULT_PARTITION__"  # records without a timestamp
INGEST_KINDS = ALL_KINDS
SETTLE = 60.0  # seconds without a write after which the last multi-line record of a file is final


@dataclass
class FileReport:
    """What one ingest did with one file."""

    path: str
    action: str  # new, appended, rotated, unchanged, replaced, duplicate, gone
    lines: int = 0  # lines read in this run
    parsed: int = 0
    rejected: int = 0
    parts: int = 0
    dropped_rows: int = 0
    note: str = ""


@dataclass
class IngestResult:
    store: str
    kind: str
    files: list[FileReport] = field(default_factory=list)
    seconds: float = 0.0
    garbage: int = 0  # part files of an interrupted ingest that were deleted
    merged: int = 0  # small part files merged into bigger ones

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
        return text



def ingest(paths=None, store: str | os.PathLike | None = None, *, kind: str = "access",
           format: str | LogFormat | None = None, config=None, wait: float = 0.0,
           chunk_size: int = DEFAULT_CHUNK, part_rows: int = PART_ROWS, workers: int = 2,
           datefmt: str | None = None, source_tz: str | None = None, settle: float = SETTLE) -> IngestResult:
    """Parse what is new in ``paths`` (default: the configured paths of ``kind``) into ``store``
    (default: ``store`` in mkslog.toml). Waits up to ``wait`` seconds for another ingest.

    Record kinds: ``datefmt`` for app logs (default: the config's), ``source_tz`` for timestamps
    without an offset (default: the config's ``source_timezone``, as :func:`mkslog.scan` uses);
    ``settle``: the last record of a multi-line log is held back until its file has not been
    written to for this many seconds (a ``.gz`` is always read to its end)."""
    cfg = _config(config)
    store = store or cfg.get("store") or None
    if not store:
        raise StoreError("no store given: pass --store DIR or set store = \"DIR\" in mkslog.toml")
    if kind not in INGEST_KINDS:
        raise StoreError(f"ingest does not handle {kind} logs (it does: {', '.join(INGEST_KINDS)})")
    started = time.monotonic()
    sources, fmt = _sources(paths, format, cfg, kind)
    if kind != "access":
        if isinstance(fmt, LogFormat):
            raise StoreError(f"{fmt.name} is an access-log format: {kind} logs take a logging format (app) "
                             "or none (their layout is fixed)")
        datefmt = datefmt or (cfg.get(f"logs.{kind.replace('-', '_')}.datefmt") if paths is None else None) or None
        source_tz = check_timezone(source_tz or cfg.get("source_timezone") or "UTC")
    root = Path(store)
    if root.is_dir() and not (root / CATALOG).exists() and any(p.name != ".lock" for p in root.iterdir()):
        raise StoreError(f"{store} is not empty and not an mkslog store: give a new or empty folder")
    result = IngestResult(str(store), kind)
    with store_lock(store, wait):
        cat = Catalog(store, write=True)
        try:
            if kind != "access":
                _check_source_tz(cat, kind, source_tz)
            result.garbage = collect_garbage(cat)
            job = _Ingest(cat, kind, fmt, chunk_size, max(1, part_rows), max(1, workers))
            job.datefmt, job.source_tz, job.settle = datefmt, source_tz, settle
            job.run(sources, result)
        finally:
            cat.close()
    result.seconds = time.monotonic() - started
    return result


def configured_kinds(config=None) -> list[str]:
    """The kinds whose configured paths (``[logs.<kind>] paths``) match at least one file."""
    cfg = _config(config)
    found = []
    for kind in INGEST_KINDS:
        paths = cfg.log_paths(kind.replace("-", "_"))
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
        f"the {kind} logs in {cat.root} were parsed with source_timezone {stored!r}, this ingest would use "
        f"{source_tz!r}: set source_timezone back to {stored!r}, or ingest into a new store (rows already "
        "stored are not parsed again)")


def collect_garbage(cat: Catalog) -> int:
    """Delete part files the catalog does not list (left by an interrupted ingest)."""
    known = cat.part_paths()
    removed = 0
    for kind_dir in cat.root.glob("kind=*"):
        for path in sorted(kind_dir.rglob("*"), reverse=True):
            rel = path.relative_to(cat.root).as_posix()
            if path.is_file() and (path.name.endswith(".tmp") or (path.suffix == ".parquet" and rel not in known)):
                path.unlink(missing_ok=True)
                removed += 1
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    return removed


def _sources(paths, format, cfg, kind: str) -> tuple[list[Source], str | LogFormat | None]:
    if paths is not None and not isinstance(paths, (str, os.PathLike)):
        paths = list(paths) or None
    if paths is None:
        key = kind.replace("-", "_")
        format = format or cfg.get(f"logs.{key}.format") or None
        try:
            found = expand(cfg.log_paths(key))
        except LogFileError as exc:
            raise LogFileError(f"{exc} - these are the configured {kind} log paths; pass log files as "
                               f"arguments or set [logs.{key}] paths in mkslog.toml") from None
    else:
        found = expand(paths)
    if any(s.is_stdin for s in found):
        raise StoreError("ingest reads files: standard input (-) cannot be resumed; save it to a file first")
    return [Source(os.path.abspath(s.path)) for s in found], format


@dataclass
class _Plan:
    probe: Probe
    action: str
    entry: FileEntry | None = None
    window: bytes = b""
    more: bool = False
    drop: list[FileEntry] = field(default_factory=list)


class _Ingest:
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
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
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
        result.merged = self.compact()

    def compact(self) -> int:
        """Merge the small parts of each file and day (and its small reject parts) once there are
        :data:`COMPACT_AT` of them: one new part, swapped in by one transaction, old files deleted
        after it. A part stays small while under 1/16 of ``part_rows``, so a row is rewritten a
        few times at most."""
        small = max(1, self.part_rows // 16)
        groups: dict[tuple, list[PartEntry]] = {}
        for p in self.cat.parts(self.kind, rejects=None):
            if p.rows < small:
                groups.setdefault((p.file_id, p.date, p.rejects), []).append(p)
        merged = 0
        for (_, date, rejects), parts in groups.items():
            if len(parts) < COMPACT_AT:
                continue
            parts.sort(key=lambda p: p.first_line)
            files = [str(self.cat.root / p.path) for p in parts]
            if rejects:
                new = _write_rejects(self.cat.root, self.kind, pl.read_parquet(files, schema=REJECT_SCHEMA))
            else:
                data = pl.scan_parquet(files, schema=self.schema, missing_columns="insert",
                                       hive_partitioning=False).collect()
                w = _PartWriter(self.cat.root, self.kind, date, pl.DataFrame(schema=self.schema).to_arrow().schema)
                known = [p.min_ts for p in parts if p.min_ts is not None]
                w.write(data.to_arrow(), min(known, default=None),
                        max((p.max_ts for p in parts if p.max_ts is not None), default=None),
                        parts[0].first_line, max(p.last_line for p in parts))
                new = w.close()
            new.file_id = parts[0].file_id
            with self.cat.transaction():
                for p in parts:
                    self.cat.db.execute("DELETE FROM parts WHERE path = ?", (p.path,))
                self.cat.add_part(new)
            for p in parts:
                (self.cat.root / p.path).unlink(missing_ok=True)
            merged += len(parts)
        return merged

    def read(self, plan: _Plan, pool: ThreadPoolExecutor) -> FileReport:
        source = plan.probe.source
        if self.kind != "access":  # as records.resolve_records does
            if self.kind == "app" and self.fmt is None:
                formats = [detect_app_format(source, self.datefmt).record_format()]
            else:
                formats = [record_format(self.kind, self.fmt, self.datefmt)]
            schema = self.schema = _union(self.schema, schema_of(formats))
        else:
            if self.fmt is not None:  # as frame.resolve does
                specs = self.fmt if isinstance(self.fmt, list | tuple) else [self.fmt]
                formats = _with_lenient([compile_format(f) for f in specs])
            else:
                formats = _with_lenient(detect_formats(source))
            schema = self.schema = _union(self.schema, frame_schema(formats))
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
        e.format = formats[0].name
        e.last_ingest, e.present = self.now, 1
        _set_identity(e, plan.probe)
        job = _FileJob(self, e, formats, schema, start, window, plan.drop, report)
        job.run(pool)
        if job.held and report.action == "appended" and not report.lines:
            report.action = "unchanged"  # only its held-back last record was looked at again
        return report


def _set_identity(e: FileEntry, p: Probe) -> None:
    e.path, e.dev, e.ino, e.size, e.mtime_ns, e.compressed = (
        p.source.path, p.dev, p.ino, p.size, p.mtime_ns, int(p.compressed))


def _union(stored: dict | None, new: dict) -> dict:
    """The stored columns, then new format columns, then the multi-line columns (of multi-line
    record kinds) and source/file/line_no: never narrower."""
    if stored is None:
        return new
    last = {**MULTILINE_SCHEMA, **TAIL_SCHEMA}
    merged = {k: v for k, v in stored.items() if k not in last}
    for k, v in new.items():
        if k not in last:
            merged.setdefault(k, v)
    merged.update({k: v for k, v in last.items() if k in stored or k in new})
    return merged


@dataclass
class _Parsed:
    groups: list[tuple[str, pa.Table, int | None, int | None, int, int]]  # date, rows, ts min/max, lines
    lines: int
    parsed: int
    invalid_utf8: int
    rejects: pl.DataFrame
    end: int  # offset after the chunk
    head: bytes
    tail: bytes


def _parse(chunk, formats, name: str, schema: dict) -> _Parsed:
    """Parse one chunk and cut it by day (in a worker thread: polars and Arrow release the GIL)."""
    st = ParseStats()
    df = parse_chunk(chunk, formats, name, st, schema=schema)
    return _by_day(df, st, chunk)


def _parse_records(chunk: Chunk, rf, name: str, schema: dict, source_tz: str) -> _Parsed:
    """Records of one chunk of a record kind (whole records: see :meth:`_FileJob.record_chunks`)."""
    st = ParseStats()
    frames = list(parse_record_batches([((name, [chunk]), rf)], st, source_tz=source_tz, workers=1))
    df = pl.concat(frames) if frames else pl.DataFrame(schema=schema_of([rf]))
    df = df.select([pl.col(c).cast(t) if c in df.columns else pl.lit(None, t).alias(c) for c, t in schema.items()])
    return _by_day(df, st, chunk)


def _by_day(df: pl.DataFrame, st: ParseStats, chunk) -> _Parsed:
    groups = []
    if len(df):
        day = pl.col("ts").dt.date()
        lo, hi, nulls = df.select(day.min().alias("lo"), day.max().alias("hi"), pl.col("ts").null_count()).row(0)
        if lo == hi and not nulls:  # the usual case: the whole chunk is one day, no copy
            days = [(lo.isoformat(), df)]
        else:
            keyed = df.with_columns(day.cast(pl.String).fill_null(NULL_DATE).alias("__date"))
            days = [(d, part) for (d,), part in keyed.partition_by("__date", as_dict=True, include_key=False).items()]
        for date, part in days:
            ts = part.get_column("ts").dt.epoch("us")
            line_no = part.get_column("line_no")
            groups.append((date, part.to_arrow(), ts.min(), ts.max(), line_no.min(), line_no.max()))
    t = st.total
    return _Parsed(groups, t.lines, t.parsed, t.invalid_utf8, st.rejects(), chunk.offset + len(chunk.data),
                   chunk.data[:HEAD], chunk.data[-HEAD:])


class _FileJob:
    """Read one file from an offset into part files, committing a checkpoint every ``part_rows``."""

    def __init__(self, ing: _Ingest, entry: FileEntry, formats, schema, start: int, window: bytes,
                 drop: list[FileEntry], report: FileReport):
        self.ing, self.e, self.formats, self.schema = ing, entry, formats, schema
        self.arrow_schema = pl.DataFrame(schema=schema).to_arrow().schema
        self.start, self.drop, self.report = start, drop, report
        self.head = window if start < HEAD else None  # the first bytes, while fewer than HEAD are known
        self.tail = window
        self.writers: dict[str, _PartWriter] = {}
        self.rejects: list[pl.DataFrame] = []
        self.held = False  # the last record of a multi-line log was left for the next ingest

    def chunks(self, reader: ChunkReader):
        """The reader's chunks of whole lines (a last line without its newline waits)."""
        for chunk in reader:
            if not self.e.compressed and not chunk.data.endswith(b"\n"):
                self.report.note = _join(self.report.note, "last line has no newline yet: left for the next ingest")
                return  # a writer may be in the middle of it
            yield chunk

    def record_chunks(self, reader: ChunkReader, held_ok: bool):
        """Chunks of a multi-line kind cut at record starts, so no record spans two of them (as
        :func:`mkslog.parse.records.parse_record_batches` carries a chunk's last record over). The last
        record waits for the next ingest while ``held_ok`` (an uncompressed file written lately)."""
        rf = self.formats[0]
        carry: Chunk | None = None
        for chunk in self.chunks(reader):
            if carry is not None:
                chunk = Chunk(carry.data + chunk.data, carry.first_line, carry.offset)
            lines = _starts(chunk, rf)[0]
            starts = lines.get_column("start").arg_true()
            last = int(starts[-1]) if len(starts) else 0
            if len(lines) - last > MAX_RECORD_LINES:
                last = len(lines)  # an endless record is cut, as parse_record_batches cuts it
            if last == len(lines):
                carry = None
                yield chunk
                continue
            cut = _line_offset(chunk.data, last)
            carry = Chunk(chunk.data[cut:], chunk.first_line + last, chunk.offset + cut)
            if last > 0:
                yield Chunk(chunk.data[:cut], chunk.first_line, chunk.offset)
        if carry is not None:
            if held_ok:
                self.held = True
                self.report.note = _join(self.report.note, f"last record (line {carry.first_line}) may still be "
                                                           "being written: left for the next ingest")
            else:
                yield carry

    def run(self, pool: ThreadPoolExecutor) -> None:
        e, source = self.e, Source(self.e.path)
        reader = ChunkReader(source, chunk_size=self.ing.chunk_size, start_offset=self.start,
                             start_line=e.lines + 1)
        pending: deque = deque()
        ing = self.ing
        if ing.kind == "access":
            chunks, parse, args = self.chunks(reader), _parse, (self.formats, e.path, self.schema)
        else:
            rf = self.formats[0]
            if rf.multiline:
                try:
                    recent = time.time() - os.stat(e.path).st_mtime < ing.settle
                except OSError:
                    recent = False
                chunks = self.record_chunks(reader, held_ok=not e.compressed and recent)
            else:
                chunks = self.chunks(reader)
            parse, args = _parse_records, (rf, e.path, self.schema, ing.source_tz)
        try:
            for chunk in chunks:
                pending.append(pool.submit(parse, chunk, *args))
                while len(pending) > self.ing.workers:
                    self.consume(pending.popleft().result())
            while pending:
                self.consume(pending.popleft().result())
        except BaseException:
            for f in pending:
                f.cancel()
            for w in self.writers.values():
                w.abort()
            raise
        if reader.error:
            e.error = reader.error
            self.report.note = _join(self.report.note, reader.error)
        self.commit(final=True)

    def consume(self, r: _Parsed) -> None:
        e = self.e
        for date, table, tmin, tmax, lmin, lmax in r.groups:
            w = self.writers.get(date)
            if w is None:
                w = self.writers[date] = _PartWriter(self.ing.cat.root, self.ing.kind, date, self.arrow_schema)
            w.write(table, tmin, tmax, lmin, lmax)
        if len(r.rejects):
            self.rejects.append(r.rejects)
        e.offset, e.lines = r.end, e.lines + r.lines
        e.parsed += r.parsed
        e.rejected += len(r.rejects)
        e.invalid_utf8 += r.invalid_utf8
        self.report.lines += r.lines
        self.report.parsed += r.parsed
        self.report.rejected += len(r.rejects)
        if self.head is not None:
            self.head = (self.head + r.head)[:HEAD]
        self.tail = (self.tail + r.tail)[-HEAD:]
        if any(w.rows >= self.ing.part_rows for w in self.writers.values()):
            self.commit(final=False)

    def commit(self, final: bool) -> None:
        """Close the open parts (renamed into place), then record them and the read position in
        one transaction. ``final``: the end of the file (as it was when probed) was reached."""
        e, cat = self.e, self.ing.cat
        e.complete = int(final and not self.held)  # held: look again even if the file does not change
        if e.id is None and e.offset == 0 and not self.drop:
            return  # nothing read (an empty file): nothing to remember
        parts = [w.close() for w in self.writers.values()]
        self.writers.clear()
        if self.rejects:
            parts.append(_write_rejects(cat.root, self.ing.kind, pl.concat(self.rejects)))
            self.rejects = []
        if self.head is not None:
            e.head_len, e.head_sha = len(self.head), sha(self.head)
        e.tail_sha = sha(self.tail)
        dropped: list[str] = []
        with cat.transaction():
            for old in self.drop:
                paths, rows = cat.drop_file(old.id)
                dropped += paths
                self.report.dropped_rows += rows
            schema = self.ing.schema
            if schema != self.ing.saved_schema:
                cat.set_meta(f"schema:{self.ing.kind}", schema_blob(schema))
            cat.save_file(e)
            for part in parts:
                part.file_id = e.id
                cat.add_part(part)
        self.ing.saved_schema = schema
        self.report.parts += len(parts)
        self.drop = []
        for rel in dropped:
            (cat.root / rel).unlink(missing_ok=True)


def _line_offset(data: bytes, n: int) -> int:
    """The byte offset where line ``n`` (0-based) of ``data`` starts."""
    pos = 0
    for _ in range(n):
        pos = data.index(b"\n", pos) + 1
    return pos


def _join(a: str, b: str) -> str:
    return f"{a}; {b}" if a else b


class _PartWriter:
    """A Parquet file of one day, written under a hidden temporary name and renamed on close."""

    def __init__(self, root: Path, kind: str, date: str, schema: pa.Schema):
        self.rel = f"kind={kind}/date={date}/part-{uuid.uuid4().hex}.parquet"
        self.final = root / self.rel
        self.final.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.final.with_name(f".{self.final.name}.tmp")
        self.schema, self.kind, self.date = schema, kind, date
        self.writer = pq.ParquetWriter(self.tmp, schema, compression="zstd")
        self.rows, self.min_ts, self.max_ts, self.first, self.last = 0, None, None, None, None

    def write(self, table: pa.Table, tmin, tmax, lmin: int, lmax: int) -> None:
        if table.schema != self.schema:
            table = table.cast(self.schema)
        self.writer.write_table(table)
        self.rows += table.num_rows
        self.min_ts = tmin if self.min_ts is None or (tmin is not None and tmin < self.min_ts) else self.min_ts
        self.max_ts = tmax if self.max_ts is None or (tmax is not None and tmax > self.max_ts) else self.max_ts
        self.first = lmin if self.first is None else min(self.first, lmin)
        self.last = lmax if self.last is None else max(self.last, lmax)

    def close(self) -> PartEntry:
        self.writer.close()
        _durable_rename(self.tmp, self.final)
        return PartEntry(self.rel, 0, self.kind, self.date, 0, self.rows, self.min_ts, self.max_ts,
                         self.first, self.last, datetime.now(UTC).isoformat(timespec="seconds"))

    def abort(self) -> None:
        try:
            self.writer.close()
        finally:
            self.tmp.unlink(missing_ok=True)


def _write_rejects(root: Path, kind: str, rejects: pl.DataFrame) -> PartEntry:
    rel = f"kind={kind}/_rejects/part-{uuid.uuid4().hex}.parquet"
    final = root / rel
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}.tmp")
    rejects.write_parquet(tmp, compression="zstd")
    _durable_rename(tmp, final)
    lines = rejects.get_column("line_no")
    return PartEntry(rel, 0, kind, None, 1, len(rejects), None, None, lines.min(), lines.max(),
                     datetime.now(UTC).isoformat(timespec="seconds"))


def _durable_rename(tmp: Path, final: Path) -> None:
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, final)
    fd = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
