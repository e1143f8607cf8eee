"""The one reading pipeline of every kind: sources -> chunks of whole records -> one bounded pool
-> typed batches, rejects and statistics.

A :class:`Plan` pairs a source with the parser of its kind (:class:`AccessParser` for access
logs, :class:`RecordParser` for the others). Each source is read in chunks cut at line ends
(:class:`~mkslog.sources.ChunkReader`); for the multi-line kinds :func:`whole_records` moves the
cut back to the last record start, so every chunk holds whole records and the chunks can be
parsed independently, two at a time on two cores (polars releases the GIL; three when the filter
is read from the raw text first, :meth:`RecordParser.sifts`). Results come back in
file and line order, with at most ``workers`` chunks in flight: memory is bounded by the chunk
size, whatever the file size.

``mkslog.scan`` (text), ``mkslog ingest`` (the store) and ``rejects`` all read through here.

>>> from mkslog.formats import compile_format
>>> from mkslog.sources import Source
>>> import tempfile, os
>>> p = os.path.join(tempfile.mkdtemp(), "a.log")
>>> _ = open(p, "w").write('1.2.3.4 - - [10/Oct/2026:13:55:36 +0900] "GET / HTTP/1.1" 200 5\\n')
>>> stats = ParseStats()
>>> frames = list(parse_batches([Plan(Source(p), AccessParser.of([compile_format("common")]))], stats))
>>> frames[0]["status"].to_list(), stats.total.parsed
([200], 1)
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import polars as pl

from ..formats import LogFormat, compile_format
from ..formats.fixed import RecordFormat
from ..lineblocks import piece
from ..linecount import LineBase, lines_in
from ..native import forget_buffers
from ..sources import DEFAULT_CHUNK, Chunk, ChunkReader, Source
from .access import frame_schema, parse_chunk
from .prefilter import text_filters
from .records import MAX_RECORD_LINES, parse_record_chunk, record_format, schema_of
from .starts import check_record_starts
from .stats import ParseStats

T = TypeVar("T")
#: Bytes at the end of a chunk searched first for the last record start (doubled until found).
TAIL_WINDOW = 64 * 1024


@dataclass(frozen=True)
class AccessParser:
    """Access lines: each line takes the first of ``formats`` that fits (strict, then lenient)."""

    formats: tuple[LogFormat, ...]
    kind = "access"
    multiline = False
    start = None
    #: it numbers its chunks' lines from its own split and joins a last line's tail itself
    splits_lines = True

    @classmethod
    def of(cls, formats: Iterable[LogFormat]) -> AccessParser:
        """The formats, each followed by its lenient variant (proxy chains in the address field)."""
        out: list[LogFormat] = []
        for fmt in formats:
            out.append(fmt)
            if (lenient := fmt.lenient()) is not None:
                out.append(lenient)
        return cls(tuple(out))

    @property
    def name(self) -> str:
        return self.formats[0].name

    @property
    def schema(self) -> dict[str, pl.DataType]:
        return frame_schema(self.formats)

    def warnings(self) -> list[str]:
        """What detection wants said about this file (a known format with extra fields ...)."""
        return list(dict.fromkeys(f.extra["hint"] for f in self.formats if f.extra.get("hint")))

    def parse(self, chunk: Chunk, file: str, stats: ParseStats, *, schema: dict, columns=None,
              predicate: pl.Expr | None = None) -> pl.DataFrame:
        return parse_chunk(chunk, self.formats, file, stats, columns=columns, predicate=predicate, schema=schema)

    def after_file(self, file: str, stats: ParseStats) -> None:
        """Checks over a whole file, once all its chunks are parsed (none for access logs)."""

    def sifts(self, predicate: pl.Expr | None) -> bool:
        """Whether ``predicate`` is read from the raw text before parsing (never: every access
        line is validated, whatever the filter)."""
        return False


@dataclass(frozen=True)
class RecordParser:
    """Records of one of the other kinds (app, nginx/gunicorn error, health, metrics, backup)."""

    format: RecordFormat
    source_tz: str = "UTC"
    #: it numbers its chunks' lines from its own split (:class:`WholeRecords` keeps the chain)
    splits_lines = True

    @property
    def kind(self) -> str:
        return self.format.kind

    @property
    def name(self) -> str:
        return self.format.name

    @property
    def multiline(self) -> bool:
        return self.format.multiline

    @property
    def start(self) -> str:
        return self.format.start

    @property
    def schema(self) -> dict[str, pl.DataType]:
        return schema_of([self.format])

    def warnings(self) -> list[str]:
        """What detection wants said about this file (an inferred logging format ...)."""
        return [self.format.extra["warning"]] if self.format.extra.get("warning") else []

    def parse(self, chunk: Chunk, file: str, stats: ParseStats, *, schema: dict, columns=None,
              predicate: pl.Expr | None = None) -> pl.DataFrame:
        return parse_record_chunk(chunk, self.format, file, stats, source_tz=self.source_tz, schema=schema,
                                  columns=columns, predicate=predicate)

    def after_file(self, file: str, stats: ParseStats) -> None:
        """Warn when the record starts evidently do not fit the file (multi-line kinds)."""
        if self.multiline:
            check_record_starts(stats, file, self.format)

    def sifts(self, predicate: pl.Expr | None) -> bool:
        """Whether ``predicate`` drops records from their raw text before parsing (a level filter
        over a format that declares its levels, a literal search in a message:
        :mod:`mkslog.parse.prefilter`)."""
        return self.multiline and bool(text_filters(predicate, self.format.vocabulary, self.format.verbatim))


Parser = AccessParser | RecordParser


@dataclass(frozen=True)
class Plan:
    """One source and the parser it is read with."""

    source: Source
    parser: Parser


def schema_of_plans(plans: Iterable[Plan]) -> dict[str, pl.DataType]:
    """The frame schema of the plans (all of one kind): the union of their formats' columns."""
    parsers = [p.parser for p in plans]
    if parsers and isinstance(parsers[0], RecordParser):
        return schema_of(p.format for p in parsers)
    return frame_schema([f for p in parsers for f in p.formats])


class WholeRecords:
    """The chunks of a multi-line kind, each cut after its last whole record (the rest is carried
    into the next chunk). A record longer than ``max_record_lines`` is cut there (memory stays
    bounded; its rest becomes an orphan record). ``hold_last``: keep the last record back (it may
    still be being written) in :attr:`held` instead of yielding it."""

    def __init__(self, chunks: Iterable[Chunk], start: str, *, max_record_lines: int = MAX_RECORD_LINES,
                 hold_last: bool = False):
        self.chunks, self.max_record_lines, self.hold_last = chunks, max_record_lines, hold_last
        self.start = re.compile(("(?m)" + start).encode("ascii", "backslashreplace"))
        self.held: Chunk | None = None

    def last_start(self, data: bytes) -> int:
        """Byte offset of the last line of ``data`` that starts a record (0 if none after the first)."""
        return max(self.find_last_start(data), 0)

    def find_last_start(self, data: bytes) -> int:
        """Byte offset of the last line of ``data`` that starts a record, -1 if none does."""
        window = TAIL_WINDOW
        while True:
            lo = max(0, len(data) - window)
            text = piece(data, lo)  # the window's bytes (a block has no find; a copy of 64 KiB)
            if lo:  # begin at a line start: ^ must not match in the middle of a line
                nl = text.find(b"\n")
                lo, text = (len(data), b"") if nl < 0 else (lo + nl + 1, text[nl + 1 :])
            last = -1
            for m in self.start.finditer(text):
                last = lo + m.start()
            if last > 0 or lo == 0:
                return last
            window *= 4

    def __iter__(self) -> Iterator[Chunk]:
        # A chunk is the record carried from the chunk before (``head``, a copy of a few lines)
        # and the block read up to its last record start (``end``): the block itself is neither
        # copied nor cut (two copies of every block in the one reading thread cost a third of
        # ``errors`` over an app log). When the parser numbers the lines it splits (a LineBase),
        # each chunk numbers from the one before and no newline is counted here.
        carry: Chunk | None = None  # head only: the record(s) not yet yielded
        yielded: LineBase | None = None
        for chunk in self.chunks:
            numbered = isinstance(chunk.first_line, LineBase)
            if carry is not None:
                head, first, offset = carry.head, carry.first_line, carry.offset
            elif numbered:  # the file's first line number, from the reader's first chunk only
                head, first, offset = b"", LineBase(yielded, chunk.first_line.value() if yielded is None else 1), \
                    chunk.offset
            else:
                head, first, offset = b"", chunk.first_line, chunk.offset
            data, tail = chunk.data, chunk.tail
            cut = self.find_last_start(data)
            if cut > 0 or (cut == 0 and head):
                rest = piece(data, cut) + tail
                if rest.count(b"\n") <= self.max_record_lines:
                    yield Chunk(data, first, offset, head=head, end=cut)
                    after = LineBase(first) if numbered else first + lines_in(head) + piece(data, 0, cut).count(b"\n")
                    carry = Chunk(b"", after, offset + len(head) + cut, head=rest)
                    yielded = first if numbered else None
                    continue
            whole = Chunk(data, first, offset, tail=tail, head=head)
            if lines_in(head) + piece(data, 0).count(b"\n") + tail.count(b"\n") > self.max_record_lines:
                carry = None  # an endless record: cut here, its rest continues as an orphan
                yielded = first if numbered else None
                yield whole
            else:  # one record so far: wait for its end (a copy, but only of a record this long)
                carry = Chunk(b"", first, offset, head=whole.text())
        if carry is not None:
            if self.hold_last:
                self.held = carry
            else:
                yield carry


def whole_records(chunks: Iterable[Chunk], parser: Parser, **options) -> Iterable[Chunk]:
    """``chunks`` as chunks of whole records for ``parser`` (unchanged for one-line kinds)."""
    if not parser.multiline:
        return chunks
    return WholeRecords(chunks, parser.start, **options)


@dataclass(frozen=True)
class AfterPrevious:
    """A step of :meth:`Pool.ordered` that runs in the caller's thread once every task before it
    has finished (the checks at the end of a file); it yields no result."""

    step: Callable[[], None]


class Pool:
    """One bounded pool for a whole read: ``ordered`` runs tasks ``depth`` ahead, in order."""

    def __init__(self, workers: int = 2):
        self.depth = max(1, workers)
        self.executor = ThreadPoolExecutor(max_workers=self.depth, thread_name_prefix="mkslog-parse")

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)

    def ordered(self, tasks: Iterable[Callable[[], T] | AfterPrevious]) -> Iterator[T]:
        """Results of ``tasks`` in order, with up to ``depth`` of them running ahead."""
        pending: deque[Future] = deque()
        try:
            for task in tasks:
                if isinstance(task, AfterPrevious):
                    while pending:
                        yield pending.popleft().result()
                    task.step()
                    continue
                pending.append(self.executor.submit(task))
                while len(pending) > self.depth:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for f in pending:
                f.cancel()


#: The chunk size of a query that takes one column (top-ips: the address): its working set per
#: chunk is a fraction of a full parse's, so chunks three times as large cost little memory (10M
#: lines: 430 MiB against 259 at 8 MiB) and save the work done per chunk (top-ips 12 % faster).
#: Two columns already cost more (latency's path and time: 545 MiB at 24 MiB chunks), and so does
#: one column of a record kind (an app log's message: suspects' login failures, 649 MiB).
NARROW_CHUNK = 3 * DEFAULT_CHUNK
#: The chunk size of a read of records whose filter the raw text decides for most of them (errors:
#: ERROR and above, :mod:`mkslog.parse.prefilter`): only the few records left are parsed, so the
#: work that each chunk costs whatever its size (the converters' set-up, ~8 ms) is most of what is
#: left. errors over 10M app lines: 16 MiB chunks 0.86x the time of 8 MiB, 340 MiB.
SIFTED_CHUNK = 2 * DEFAULT_CHUNK


def chunk_size_for(columns: list[str] | None, kind: str = "access", sifted: bool = False) -> int:
    """The chunk size for reading ``columns`` (None: all) of ``kind`` when the caller gives none;
    ``sifted``: the filter is read from the raw text first (few records are parsed).

    >>> chunk_size_for(["remote_addr"]) // 2**20, chunk_size_for(None) // 2**20, chunk_size_for(["message"], "app") // 2**20
    (24, 8, 8)
    >>> chunk_size_for(["ts", "level"], "app", sifted=True) // 2**20
    16
    """
    if sifted:
        return SIFTED_CHUNK
    return NARROW_CHUNK if kind == "access" and columns is not None and len(columns) <= 1 else DEFAULT_CHUNK


def parse_batches(plans: list[Plan], stats: ParseStats | None = None, *, columns: Iterable[str] | None = None,
                  predicate: pl.Expr | None = None, chunk_size: int | None = None, workers: int = 2,
                  max_record_lines: int = MAX_RECORD_LINES) -> Iterator[pl.DataFrame]:
    """Typed batches of every plan, in file and line order; counts and rejects go to ``stats``.

    ``columns``: only these columns are extracted (polars' projection); ``predicate``: rows are
    filtered chunk by chunk (polars' pushed-down filter)."""
    stats = stats if stats is not None else ParseStats()
    schema = schema_of_plans(plans)
    cols = None if columns is None else [c for c in schema if c in set(columns)]

    def tasks() -> Iterator[Callable[[], pl.DataFrame] | AfterPrevious]:
        for plan in plans:
            name, parser = plan.source.name, plan.parser
            stats.reset(name)
            stats.file(name, parser.name)
            for warning in parser.warnings():
                stats.warn(name, warning)
            # the access parser counts its chunks' lines itself (it splits them anyway)
            size = chunk_size or chunk_size_for(cols, parser.kind, parser.sifts(predicate))
            # both parsers split blocks of mkslog.lineblocks where they lie (parse.lines.split_chunk)
            reader = ChunkReader(plan.source, chunk_size=size, split_by_parser=parser.splits_lines, into_blocks=True)
            for chunk in whole_records(reader, parser, max_record_lines=max_record_lines):
                yield lambda chunk=chunk, parser=parser, name=name: parser.parse(
                    chunk, name, stats, schema=schema, columns=cols, predicate=predicate)
            if reader.error:
                stats.file(name).error = reader.error
            for note in reader.notes:
                stats.warn(name, note)
            yield AfterPrevious(lambda parser=parser, name=name: parser.after_file(name, stats))

    # a sifted read parses few records of each chunk: its work is many small steps with Python
    # between them, and a third chunk in flight fills the gaps (errors over 10M app lines 0.87x)
    sifted = any(plan.parser.sifts(predicate) for plan in plans)
    try:
        with Pool(workers + 1 if sifted else workers) as pool:
            yield from pool.ordered(tasks())
    finally:  # else the blocks and buffers kept for the next chunks stay mapped through the queries
        forget_buffers()


def parse_file(path: str, kind: str, format=None, *, datefmt: str | None = None, source_tz: str = "UTC",
               stats: ParseStats | None = None) -> pl.DataFrame:
    """Every record of one file of ``kind`` with a known format, collected (tests, snippets;
    ``mkslog.scan`` is the front door that also resolves, detects and filters)."""
    if kind == "access":
        parser: Parser = AccessParser.of([compile_format(format or "combined")])
    else:
        parser = RecordParser(record_format(kind, format, datefmt), source_tz)
    frames = list(parse_batches([Plan(Source(path), parser)], stats))
    return pl.concat(frames) if frames else pl.DataFrame(schema=parser.schema)


__all__ = ["AccessParser", "AfterPrevious", "Plan", "Pool", "RecordParser", "WholeRecords", "parse_batches",
           "parse_file", "schema_of_plans", "whole_records"]
