"""What a parse counts: lines, parsed records, rejected lines (with their reasons), warnings.

``parsed + rejected == lines`` for every file, always. A :class:`ParseStats` is filled while a
frame is collected (from worker threads, hence the lock) and read afterwards by the CLI (the
reject warning, ``--stats``) and by notebooks.

>>> s = ParseStats(); s.warn("a.log", "odd"); s.warn("a.log", "odd"); s.warnings
['a.log: odd']
>>> s.total.lines
0
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import polars as pl

from ..errors import LogFileError

TAIL_SCHEMA: dict[str, pl.DataType] = {"source": pl.String, "file": pl.String, "line_no": pl.Int64}
#: Rejected lines listed per file (all are counted): memory stays bounded on a file of the wrong format.
MAX_KEPT_REJECTS = 100_000
REJECT_SCHEMA: dict[str, pl.DataType] = {"file": pl.String, "line_no": pl.Int64, "line": pl.String, "reason": pl.String}


@dataclass
class FileStats:
    """Counts for one file: ``parsed + rejected == lines``."""

    file: str
    format: str = ""
    lines: int = 0
    parsed: int = 0
    rejected: int = 0
    invalid_utf8: int = 0
    bytes: int = 0
    error: str | None = None
    #: lines that start a record (multi-line kinds), for :meth:`ParseStats.check_record_starts`
    starts: int = 0
    #: lines that begin with a timestamp yet start no record, and the first of them (line_no, text)
    missed: int = 0
    first_missed: tuple[int, str] | None = None
    #: lines before the file's first record start (one orphan record)
    orphan_lines: int = 0
    #: rejected lines kept for :meth:`ParseStats.rejects` (at most :data:`MAX_KEPT_REJECTS`)
    kept_rejects: int = 0


@dataclass
class ParseStats:
    """Statistics and rejected lines of one parse, filled while the frame is collected.

    >>> s = ParseStats(); s.total.lines
    0
    """

    files: dict[str, FileStats] = field(default_factory=dict)
    #: the files a scan will read (set when it is built), e.g. for a progress bar's total
    inputs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: called as ``on_progress(lines, nbytes)`` after each chunk (the CLI draws a progress bar)
    on_progress: Callable[[int, int], None] | None = field(default=None, repr=False)
    _rejects: list[pl.DataFrame] = field(default_factory=list, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def file(self, name: str, fmt: str = "") -> FileStats:
        with self._lock:
            if name not in self.files:
                self.files[name] = FileStats(name, fmt)
            return self.files[name]

    def reset(self, name: str) -> None:
        """Forget earlier counts of ``name`` (a LazyFrame collected twice must not count twice)."""
        with self._lock:
            self.files.pop(name, None)
            self.warnings = [w for w in self.warnings if not w.startswith(f"{name}: ")]
            self._rejects = [r for r in self._rejects if r.is_empty() or r["file"][0] != name]

    def warn(self, file: str, message: str) -> None:
        """A problem with ``file`` that is not a rejected line (the CLI prints each).

        >>> s = ParseStats(); s.warn("a.log", "odd"); s.warn("a.log", "odd"); s.warnings
        ['a.log: odd']
        """
        with self._lock:
            text = f"{file}: {message}"
            if text not in self.warnings:
                self.warnings.append(text)

    def add(self, name: str, *, lines: int, parsed: int, invalid_utf8: int, nbytes: int, rejects: pl.DataFrame):
        fs = self.file(name)
        kept = None
        if len(rejects):
            # an own copy of the few rows kept: a slice would be a view that keeps the whole chunk's
            # text alive until the end (measured: +1 GB over 10M lines with a reject every few chunks)
            room = max(0, MAX_KEPT_REJECTS - fs.kept_rejects)
            kept = rejects.head(room)
            kept = kept.with_columns(pl.Series("line", kept.get_column("line").to_list(), dtype=pl.String))
        with self._lock:
            fs.lines += lines
            fs.parsed += parsed
            fs.rejected += len(rejects)
            fs.invalid_utf8 += invalid_utf8
            fs.bytes += nbytes
            if kept is not None and len(kept):
                self._rejects.append(kept)
                fs.kept_rejects += len(kept)
        if len(rejects) > (0 if kept is None else len(kept)):
            self.warn(name, f"more than {MAX_KEPT_REJECTS:,} lines were rejected: all are counted, the first "
                            f"{MAX_KEPT_REJECTS:,} are listed (is it the right format?)")
        if self.on_progress is not None:
            self.on_progress(lines, nbytes)

    def count_starts(self, name: str, *, starts: int, missed: int, first_missed: tuple[int, str] | None,
                     orphan_lines: int) -> None:
        """Record-start counts of one chunk of a multi-line log (see :meth:`check_record_starts`)."""
        fs = self.file(name)
        with self._lock:
            fs.starts += starts
            fs.missed += missed
            fs.orphan_lines += orphan_lines
            if fs.first_missed is None or (first_missed is not None and first_missed[0] < fs.first_missed[0]):
                fs.first_missed = first_missed or fs.first_missed

    def check_record_starts(self, name: str, fmt: str, hint: str) -> None:
        """Warn when a format evidently does not fit a multi-line log: far fewer record starts than
        lines that begin with a timestamp, or one orphan record covering most of the file. Both
        would otherwise give plausible-looking frames (few huge records, null timestamps)."""
        fs = self.file(name)
        if fs.missed > 3 and fs.starts < fs.missed:
            line_no, text = fs.first_missed or (0, "")
            self.warn(name, f"{fs.missed} lines begin with a timestamp but start no record of format '{fmt}' "
                            f"({fs.starts} do); they are joined onto the record above. First, line {line_no}: "
                            f"{text[:200]!r}; {hint}")
        if fs.orphan_lines > 3 and fs.orphan_lines * 2 > fs.lines:
            self.warn(name, f"{fs.orphan_lines} of {fs.lines} lines come before any line that starts a record of "
                            f"format '{fmt}' (one orphan record); {hint}")

    def check_answerable(self, *, required: bool = True) -> str | None:
        """Refuse to answer from nothing: raise when a file's lines were all rejected (a query over
        it would print an empty table that looks like an answer), or when the input is empty and
        ``required``; an empty optional input gives a warning text instead (else None)."""
        rejects = None
        for fs in self.files.values():
            if fs.lines and not fs.parsed:
                rejects = self.rejects() if rejects is None else rejects
                mine = rejects.filter(rejects["file"] == fs.file)
                first = f" (line {mine['line_no'][0]}: {mine['reason'][0]})" if len(mine) else ""
                raise LogFileError(f"all {fs.lines} lines of {fs.file} were rejected{first}; is it the right kind "
                                   f"of log and format? see mkslog parse --rejects {fs.file}")
        if self.files and self.total.lines == 0:
            names = ", ".join(self.files)
            if required:
                damage = "".join(f"; {e}" for e in self.errors)
                raise LogFileError(f"the input is empty: {names} hold(s) no lines (nothing to answer from){damage}")
            return f"the input is empty: {names} hold(s) no lines"
        return None

    @property
    def total(self) -> FileStats:
        t = FileStats("total")
        for fs in self.files.values():
            t.lines += fs.lines
            t.parsed += fs.parsed
            t.rejected += fs.rejected
            t.invalid_utf8 += fs.invalid_utf8
            t.bytes += fs.bytes
        return t

    @property
    def errors(self) -> list[str]:
        return [fs.error for fs in self.files.values() if fs.error]

    def rejects(self) -> pl.DataFrame:
        """Every rejected line: file, line_no, line (raw text), reason."""
        if not self._rejects:
            return pl.DataFrame(schema=REJECT_SCHEMA)
        return pl.concat(self._rejects).sort("file", "line_no", maintain_order=True)

    def to_frame(self) -> pl.DataFrame:
        schema = {"file": pl.String, "format": pl.String, "lines": pl.Int64, "parsed": pl.Int64,
                  "rejected": pl.Int64, "invalid_utf8": pl.Int64, "bytes": pl.Int64, "error": pl.String}
        rows = [{k: v for k, v in asdict(fs).items() if k in schema} for fs in self.files.values()]
        return pl.DataFrame(rows, schema=schema)

    def summary(self) -> str:
        t = self.total
        return f"{t.lines} lines read, {t.parsed} parsed, {t.rejected} rejected in {len(self.files)} file(s)"


__all__ = ["FileStats", "MAX_KEPT_REJECTS", "ParseStats", "REJECT_SCHEMA", "TAIL_SCHEMA"]
