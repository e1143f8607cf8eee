"""Records as the log's own lines, and a live log followed like ``tail -F``.

:func:`record_lines` gives each record's raw lines back (multi-line records whole) from the files
the records came from. :class:`Follower` watches one live file: each :meth:`Follower.poll` parses
the whole lines appended since the last one with the file's own parser (the one ``mkslog.scan``
uses) and the filters; a logrotate rename (a new file at the path) is followed after the old one
is read to its end, a copytruncate (the file shrank) from the new start. A multi-line record is
held back until the next record starts or the file has been quiet for ``settle`` seconds.

>>> import tempfile, os
>>> p = os.path.join(tempfile.mkdtemp(), "health_check.log")
>>> _ = open(p, "w").write("2026-11-20 10:00:00 - OK: Service is running\\n")
>>> f = Follower.open(p, kind="health", from_start=True)
>>> [lines for _, lines in f.poll()]
[['2026-11-20 10:00:00 - OK: Service is running']]
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator

import polars as pl

from .filters import predicate as filter_predicate
from .parse.pipeline import Plan
from .parse.resolve import resolve
from .parse.stats import ParseStats
from .sources import Chunk, Source


def record_lines(records: pl.DataFrame) -> list[list[str]]:
    """The raw lines of each record (``file``, ``line_no``, ``n_lines``), read back from its file.

    Each file is read once, up to the last line asked for."""
    n_lines = records["n_lines"] if "n_lines" in records.columns else pl.Series([1] * records.height)
    wanted: dict[str, dict[int, int]] = {}
    for file, line_no, n in zip(records["file"], records["line_no"], n_lines, strict=True):
        wanted.setdefault(file, {})[line_no] = n or 1
    text: dict[tuple[str, int], str] = {}
    for file, starts in wanted.items():
        keep = {no + i for no, n in starts.items() for i in range(n)}
        last = max(keep)
        stream = Source(file).open()
        try:
            for number, raw in enumerate(iter(stream.readline, b""), start=1):
                if number in keep:
                    text[(file, number)] = raw.decode("utf-8", "replace").rstrip("\r\n")
                if number >= last:
                    break
        finally:
            stream.close()
    return [[text.get((f, no + i), "") for i in range(n or 1)]
            for f, no, n in zip(records["file"], records["line_no"], n_lines, strict=True)]


class Follower:
    """One live log file, read from where the last :meth:`poll` stopped."""

    def __init__(self, path: str, plan: Plan, predicate: pl.Expr | None, stats: ParseStats, *,
                 from_start: bool = False, settle: float = 1.0):
        self.path, self.plan, self.predicate, self.stats, self.settle = path, plan, predicate, stats, settle
        self.start = re.compile(plan.parser.start) if plan.parser.multiline and plan.parser.start else None
        self.stream = None
        self.inode = None
        self.pending = b""  # bytes after the last newline, or a held-back multi-line record
        self.line = 1  # the line number of the first pending line
        self.quiet_since = time.monotonic()
        self._open(at_end=not from_start)

    @classmethod
    def open(cls, path: str, *, kind: str | None = None, format=None, config=None, filters=None,
             datefmt: str | None = None, source_tz: str | None = None, from_start: bool = False,
             settle: float = 1.0) -> Follower:
        """A follower of ``path`` read as ``kind`` (detected when None), narrowed to ``filters``."""
        kind, plans = resolve([path], kind=kind, format=format, config=config, datefmt=datefmt, source_tz=source_tz)
        plan = plans[0]
        return cls(path, plan, filter_predicate(filters, plan.parser.schema, f"{kind} log"), ParseStats(),
                   from_start=from_start, settle=settle)

    def _open(self, at_end: bool) -> None:
        try:
            stream = open(self.path, "rb")  # noqa: SIM115 - kept open while followed
        except FileNotFoundError:
            return  # between a rename and the new file: the next poll tries again
        if self.stream is not None:
            self.stream.close()
        self.stream, self.inode = stream, os.fstat(stream.fileno()).st_ino
        self.pending, self.line = b"", 1
        if at_end:
            size = os.fstat(stream.fileno()).st_size
            self.line += stream.read(size).count(b"\n")  # line numbers stay those of the file

    def poll(self) -> list[tuple[dict, list[str]]]:
        """The new records since the last poll, each as (its fields, its raw lines), filtered."""
        out = []
        if self.stream is None:
            self._open(at_end=False)
            if self.stream is None:
                return out
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            st = None
        if st is not None and st.st_ino != self.inode:  # rotated: finish the old file, then the new one
            out += self._parse(self.stream.read(), final=True)
            self._open(at_end=False)
        elif st is not None and st.st_size < self.stream.tell():  # copytruncate: the file starts again
            out += self._parse(b"", final=True)
            self.stream.seek(0)
            self.pending, self.line = b"", 1
        out += self._parse(self.stream.read(), final=False)
        return out

    def _parse(self, data: bytes, final: bool) -> list[tuple[dict, list[str]]]:
        now = time.monotonic()
        if data:
            self.quiet_since = now
        data = self.pending + data
        cut = len(data) if final else data.rfind(b"\n") + 1
        if self.start is not None and not final and now - self.quiet_since < self.settle:
            cut = self._last_start(data[:cut])  # the last record may still grow
        body, self.pending = data[:cut], data[cut:]
        if not body:
            return []
        first = self.line
        self.line += body.count(b"\n")
        lines = body.decode("utf-8", "replace").splitlines()
        frame = self.plan.parser.parse(Chunk(body, first, 0), self.path, self.stats, schema=self.plan.parser.schema,
                                       predicate=self.predicate)
        n_lines = frame["n_lines"] if "n_lines" in frame.columns else pl.Series([1] * frame.height)
        return [(row, lines[row["line_no"] - first: row["line_no"] - first + (n or 1)])
                for row, n in zip(frame.iter_rows(named=True), n_lines, strict=True)]

    def _last_start(self, data: bytes) -> int:
        """The byte offset of the last line that starts a record (0 when none does)."""
        pos = len(data)
        while pos > 0:
            begin = data.rfind(b"\n", 0, pos - 1) + 1
            if self.start.match(data[begin:pos].decode("utf-8", "replace")):
                return begin
            pos = begin
        return 0

    def records(self, interval: float = 0.2, stop=None) -> Iterator[tuple[dict, list[str]]]:
        """Poll every ``interval`` seconds until ``stop()`` is true (or forever)."""
        while stop is None or not stop():
            yield from self.poll()
            time.sleep(interval)

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()


__all__ = ["Follower", "record_lines"]
