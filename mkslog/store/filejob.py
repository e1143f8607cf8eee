"""Reading one file into the store: from its read offset, through the parse pipeline, into part
files per day, with a checkpoint (parts renamed into place, then listed in the catalog together
with the new read offset, in one transaction) every ``part_rows`` rows read and at the end.

A last line without its newline waits for the next ingest (a writer may be in the middle of
it); the lines before it do not. For the multi-line kinds the last record of an uncompressed file
written to lately waits too: a traceback may still be being written.

>>> from mkslog.store.filejob import PART_ROWS
>>> PART_ROWS
1000000
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass

import polars as pl

from ..parse.pipeline import Parser, Pool, whole_records
from ..parse.stats import ParseStats
from ..sources import Chunk, ChunkReader, Source
from .catalog import HEAD, FileEntry, sha
from .parts import DayGroup, PartWriter, by_day, write_rejects
from .types import INT64_MAX, portable_schema, to_portable

PART_ROWS = 1_000_000  # rows per checkpoint (and so per part file and day), at most


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

    def add_note(self, text: str) -> None:
        self.note = f"{self.note}; {text}" if self.note else text


@dataclass
class ParsedChunk:
    """One chunk, parsed and cut by day, with what the catalog needs to resume after it."""

    groups: list[DayGroup]
    lines: int
    parsed: int
    invalid_utf8: int
    rejects: pl.DataFrame
    end: int  # offset after the chunk
    head: bytes
    tail: bytes
    lost: dict[str, int]  # values too wide for their portable type, stored as null (per column)


def parse_by_day(parser: Parser, chunk: Chunk, name: str, schema: dict) -> ParsedChunk:
    """Parse one chunk and cut it by day (in a worker thread: polars and Arrow release the GIL)."""
    st = ParseStats()
    text = chunk.text()
    end, head, tail = chunk.offset + len(text), text[:HEAD], text[-HEAD:]
    chunk = Chunk(text, chunk.first_line, chunk.offset)
    df, lost = to_portable(parser.parse(chunk, name, st, schema=schema))  # parse releases the chunk's bytes
    t = st.total
    return ParsedChunk(by_day(df), t.lines, t.parsed, t.invalid_utf8, st.rejects(), end, head, tail, lost)


class FileJob:
    """Read one file from an offset into part files. ``store`` is the ingest that runs it: its
    catalog, kind, schema, part size and settle time (see :class:`mkslog.store.ingest.Ingest`)."""

    def __init__(self, store, entry: FileEntry, parser: Parser, start: int, window: bytes,
                 drop: list[FileEntry], report: FileReport):
        self.ing, self.e, self.parser = store, entry, parser
        self.arrow_schema = pl.DataFrame(schema=portable_schema(store.schema)).to_arrow().schema
        self.lost: dict[str, int] = {}
        self.start, self.drop, self.report = start, drop, report
        self.head = window if start < HEAD else None  # the first bytes, while fewer than HEAD are known
        self.tail = window
        self.writers: dict[str, PartWriter] = {}
        self.rejects: list[pl.DataFrame] = []
        self.rows_since_checkpoint = 0
        self.held = False  # the last line or record was left for the next ingest

    def complete_lines(self, reader: ChunkReader) -> Iterator[Chunk]:
        """The reader's chunks; a last line without its newline (in an uncompressed file) waits."""
        for chunk in reader:
            if self.e.compressed or chunk.data.endswith(b"\n"):
                yield chunk
                continue
            cut = chunk.data.rfind(b"\n") + 1
            self.held = True
            self.report.add_note("last line has no newline yet: left for the next ingest")
            if cut:
                yield Chunk(chunk.data[:cut], chunk.first_line, chunk.offset)
            return

    def chunks(self, reader: ChunkReader) -> Iterator[Chunk]:
        """Chunks of whole records, the last record held back while the file may still grow."""
        hold = False
        if self.parser.multiline and not self.e.compressed:
            try:
                hold = time.time() - os.stat(self.e.path).st_mtime < self.ing.settle
            except OSError:
                hold = False
        records = whole_records(self.complete_lines(reader), self.parser, hold_last=hold)
        yield from records
        held = getattr(records, "held", None)
        if held is not None:
            self.held = True
            self.report.add_note(f"last record (line {held.first_line}) may still be being written: "
                                 "left for the next ingest")

    def run(self, pool: Pool) -> None:
        e = self.e
        reader = ChunkReader(Source(e.path), chunk_size=self.ing.chunk_size, start_offset=self.start,
                             start_line=e.lines + 1)
        schema = self.ing.schema
        tasks = (lambda chunk=chunk: parse_by_day(self.parser, chunk, e.path, schema) for chunk in self.chunks(reader))
        try:
            for parsed in pool.ordered(tasks):
                self.consume(parsed)
        except BaseException:
            for w in self.writers.values():
                w.abort()
            raise
        if reader.error:
            e.error = reader.error
            self.report.add_note(reader.error)
        for note in reader.notes:
            self.report.add_note(note)
        for column, n in self.lost.items():  # never silent: a value the store cannot hold is said so
            self.report.add_note(f"{n} value(s) of {column} above {INT64_MAX} do not fit the store's Int64: "
                                 "stored as null")
        self.commit(final=True)

    def consume(self, r: ParsedChunk) -> None:
        e = self.e
        for date, table, tmin, tmax, lmin, lmax in r.groups:
            w = self.writers.get(date)
            if w is None:
                w = self.writers[date] = PartWriter(self.ing.cat.loc, self.ing.cat.host, self.ing.kind, date,
                                                    self.arrow_schema)
            w.write(table, tmin, tmax, lmin, lmax)
        if len(r.rejects):
            self.rejects.append(r.rejects)
        for column, n in r.lost.items():
            self.lost[column] = self.lost.get(column, 0) + n
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
        # a checkpoint by rows read, whatever days they fall on: a killed ingest loses at most this many
        self.rows_since_checkpoint += r.lines
        if self.rows_since_checkpoint >= self.ing.part_rows:
            self.commit(final=False)

    def commit(self, final: bool) -> None:
        """Close the open parts (renamed into place), then record them and the read position in
        one transaction. ``final``: the end of the file (as it was when probed) was reached."""
        e, cat = self.e, self.ing.cat
        self.rows_since_checkpoint = 0
        e.complete = int(final and not self.held)  # held: look again even if the file does not change
        if e.id is None and e.offset == 0 and not self.drop:
            return  # nothing read (an empty file): nothing to remember
        parts = [w.close() for w in self.writers.values()]
        self.writers.clear()
        if self.rejects:
            parts.append(write_rejects(cat.loc, cat.host, self.ing.kind, pl.concat(self.rejects)))
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
            self.ing.save_schema()
            cat.save_file(e)
            for part in parts:
                part.file_id = e.id
                cat.add_part(part)
        self.report.parts += len(parts)
        self.drop = []
        for rel in dropped:
            cat.loc.delete(rel)


__all__ = ["FileJob", "FileReport", "PART_ROWS", "ParsedChunk", "parse_by_day"]
