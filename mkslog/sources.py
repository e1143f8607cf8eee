"""Where log bytes come from: files, globs, rotated sets, ``.gz``, stdin; read in large chunks
cut at line ends.

A glob over a logrotate set is read oldest first: ``access.log.3.gz``, ``.2.gz``, ``.1``, then
``access.log`` (or ``access.log-20261120`` before ``access.log``, with dateext). Compression is
recognised by the gzip magic bytes, not the file name.

>>> [s.path for s in expand(["tests/data/rotated/access.log*"])]  # doctest: +SKIP
['tests/data/rotated/access.log.2.gz', 'tests/data/rotated/access.log.1', 'tests/data/rotated/access.log']
"""

from __future__ import annotations

import glob
import gzip
import io
import os
import re
import stat
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from . import lineblocks
from .errors import LogFileError
from .gzstream import GZIP_MAGIC, GzipStream
from .linecount import LineBase, lines_in
from .pipes import read_once

# 8 MiB: large enough for vectorised work (measured at 10M access lines: top-ips as fast as with 24
# MiB chunks, a full parse and the app kind too), and memory is the chunks in flight and their
# working sets: top-ips peaks at 270 MiB, not 430, a full parse at 300, not 590. Under glibc's largest
# mmap threshold (32 MiB): a 32 MiB buffer is mmap'ed and page-faulted afresh on every read.
DEFAULT_CHUNK = 8 * 1024 * 1024
_NUMBERED = re.compile(r"^(?P<base>.*?)\.(?P<n>\d+)(?:\.gz)?$")
_DATED = re.compile(r"^(?P<base>.*?)-(?P<date>\d{8})(?:\.gz)?$")


@dataclass(frozen=True)
class Source:
    """One input: a file path, or ``-`` for standard input."""

    path: str

    @property
    def is_stdin(self) -> bool:
        return self.path == "-"

    @property
    def name(self) -> str:
        return "<stdin>" if self.is_stdin else self.path

    @property
    def is_pipe(self) -> bool:
        """Standard input, a named pipe or ``<(cmd)``: bytes that can be read only once."""
        if self.is_stdin:
            return True
        try:
            mode = os.stat(self.path).st_mode
        except OSError:
            return False
        return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))

    def sample(self, n: int) -> tuple[bytes, bool]:
        """The first ``n`` decompressed bytes (a file's: completed to the end of the line), and
        whether its last line is whole. A pipe keeps what was sampled and gives it again to
        :meth:`open`, so detection never takes lines away from the parse.

        >>> import tempfile, os
        >>> p = os.path.join(tempfile.mkdtemp(), "a.log"); _ = open(p, "wb").write(b"a\\nbc\\n")
        >>> Source(p).sample(1)
        (b'a\\n', True)
        """
        if self.is_pipe:
            return read_once(self).sample(n)
        for chunk in ChunkReader(self, chunk_size=n):
            return chunk.data, True
        return b"", True

    def open(self) -> BinaryIO:
        """A binary stream of the decompressed content."""
        if self.is_pipe:
            return read_once(self).open()  # type: ignore[return-value]
        try:
            raw = open(self.path, "rb")  # noqa: SIM115 - returned to the caller
        except FileNotFoundError:
            raise LogFileError(f"no such file: {self.path} (check the path, or give paths explicitly)") from None
        except PermissionError:
            raise LogFileError(
                f"permission denied: {self.path} (run as a user who can read it, e.g. in group adm)"
            ) from None
        except IsADirectoryError:
            raise LogFileError(f"{self.path} is a directory: give the log files in it, e.g. {self.path}/*.log") from None
        peek = raw.peek(2)[:2] if hasattr(raw, "peek") else b""
        if peek == GZIP_MAGIC:
            return GzipStream(raw)  # type: ignore[return-value]
        return raw


def rotation_key(path: str) -> tuple:
    """Sort key putting a logrotate set oldest first and the live file last.

    >>> sorted(["a.log", "a.log.1", "a.log.2.gz", "a.log.10.gz"], key=rotation_key)
    ['a.log.10.gz', 'a.log.2.gz', 'a.log.1', 'a.log']
    """
    name = os.path.basename(path)
    folder = os.path.dirname(path)
    m = _NUMBERED.match(name)
    if m:
        return (folder, m["base"], -int(m["n"]), "")
    m = _DATED.match(name)
    if m:
        return (folder, m["base"], -1_000_000_000 + int(m["date"]) - 99999999, "")
    return (folder, name.removesuffix(".gz"), 0, name)


def expand(paths: Iterable[str | os.PathLike] | str | os.PathLike) -> list[Source]:
    """Turn paths and globs into sources, each rotated set oldest first. Raises
    :class:`LogFileError` for a path that does not exist or a glob that matches nothing."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    sources: list[Source] = []
    seen: set[str] = set()
    for item in paths:
        text = os.fspath(item)
        if text == "-":
            sources.append(Source("-"))
            continue
        if glob.has_magic(text):
            matches = [m for m in glob.glob(os.path.expanduser(text)) if os.path.isfile(m)]
            if not matches:
                raise LogFileError(f"no files match {text} (check the pattern, or give paths explicitly)")
            matches.sort(key=rotation_key)
        else:
            p = Path(os.path.expanduser(text))
            try:
                p.stat()
            except PermissionError:
                raise LogFileError(
                    f"permission denied: {text} (a folder on the way cannot be entered; run as a user who can)"
                ) from None
            except OSError:
                pass
            if not p.exists():
                raise LogFileError(f"no such file: {text} (check the path, or give paths explicitly)")
            if p.is_dir():
                raise LogFileError(f"{text} is a directory: give the log files in it, e.g. {text}/*.log")
            matches = [str(p)]
        for m in matches:
            if m not in seen:
                seen.add(m)
                sources.append(Source(m))
    if not sources:
        raise LogFileError("no log files given (pass paths, or set [logs] paths in mkslog.toml)")
    return sources


@dataclass
class Chunk:
    """Whole lines of one source: ``data`` ends with a newline unless it is the file's last line.
    ``first_line`` is the 1-based number of its first line, or a :class:`LineBase` when the reader
    left the counting to the parser; then the last line may end in ``tail``."""

    #: bytes, or (from a reader with ``into_blocks``) a block of :mod:`mkslog.lineblocks`
    data: bytes
    first_line: int | LineBase
    offset: int  # byte offset of the chunk's first byte (of head, else of data) in the (decompressed) stream
    #: the end of data's last line, when the reader did not append it (``split_by_parser``)
    tail: bytes = b""
    #: whole lines before ``data``: a record carried over from the chunk before (its bytes are
    #: copied, not the block's)
    head: bytes = b""
    #: only ``data[:end]`` is this chunk's when set: the rest, with the tail, was carried into the
    #: next chunk (cutting the block would copy it)
    end: int | None = None

    @property
    def size(self) -> int:
        """How many bytes of the stream the chunk holds.

        >>> Chunk(b"b\\nc\\n", 1, 0, head=b"a\\n", end=2).size
        4
        """
        return len(self.head) + (len(self.data) + len(self.tail) if self.end is None else self.end)

    def text(self) -> bytes:
        """The chunk's bytes in one piece (a copy when it has a head, a tail or an end)."""
        if self.end is not None:
            return self.head + self.data[: self.end]
        return self.head + self.data + self.tail

    def release(self) -> bytes:
        """The bytes, handed over once: the chunk no longer holds them, so a parser can free them
        as soon as they are split into lines (memory: a chunk in flight is then counted once)."""
        data, self.data = self.data, b""
        return data


@dataclass
class ChunkReader:
    """Iterate a source's bytes in chunks of about ``chunk_size``, cut after the last newline.

    A truncated or damaged ``.gz`` yields everything it holds before the cut or the damage, then
    sets :attr:`error`; so does a read error. Bytes after a ``.gz``'s end are skipped with a note.
    A chunk is a block of ``chunk_size`` bytes completed to the end of its last line, so a line
    longer than the chunk size makes one longer chunk.
    """

    source: Source
    chunk_size: int = DEFAULT_CHUNK
    start_offset: int = 0
    start_line: int = 1
    #: True: the parser splits the lines itself, so the reader neither counts them (chunks carry a
    #: :class:`LineBase` the parser completes) nor appends the end of the last line to the block
    #: (it goes in ``Chunk.tail``): each is a pass over every byte in the one reading thread
    #: (together 0.9 s of 10M access lines)
    split_by_parser: bool = False
    #: True (with ``split_by_parser``): a plain file is read into the reused blocks of
    #: :mod:`mkslog.lineblocks`, each whole lines (the parser splits them where they lie)
    into_blocks: bool = False
    error: str | None = None
    #: things worth a warning that lost no line (trailing bytes after a .gz's end)
    notes: list[str] = field(default_factory=list, init=False)
    bytes_read: int = field(default=0, init=False)

    def __iter__(self) -> Iterator[Chunk]:
        stream = self.source.open()
        try:
            yield from self._chunks(stream)
        finally:
            if not self.source.is_stdin:
                stream.close()

    def _read(self, stream: BinaryIO) -> bytes:
        try:
            block = stream.read(self.chunk_size)
            if not block:
                self._conclude(stream)
            return block
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            self.error = f"{self.source.name}: compressed data is corrupt ({exc}); kept the lines before the damage"
        except OSError as exc:
            self.error = f"{self.source.name}: read error: {exc}"
        return b""

    def _conclude(self, stream: BinaryIO) -> None:
        """At the end: what a ``.gz`` met on the way (damage, a cut, bytes after its end)."""
        gz = stream if isinstance(stream, GzipStream) else getattr(stream, "gzipped", None)
        if gz is not None:
            self.error, self.notes = gz.problems(self.source.name)

    def _chunks(self, stream: BinaryIO) -> Iterator[Chunk]:
        if self.start_offset:
            skip_bytes(stream, self.start_offset)
        line_no, offset = self.start_line, self.start_offset
        base: LineBase | None = None
        if self.into_blocks and self.split_by_parser and lineblocks.readable(stream):
            yield from self._blocks(stream, offset)
            return
        while True:
            block = self._read(stream)
            if not block:
                break
            tail = b"" if block.endswith(b"\n") else self._readline(stream)  # the rest of the last line
            if not self.split_by_parser:
                block, tail = block + tail, b""  # one copy of the block, not a cut and a carry-over
            self.bytes_read += len(block) + len(tail)
            if self.split_by_parser:
                base = LineBase(base if offset > self.start_offset else None, self.start_line)
                yield Chunk(block, base, offset, tail)
            else:
                yield Chunk(block, line_no, offset)
                line_no += lines_in(block)
            offset += len(block) + len(tail)

    def _blocks(self, stream: BinaryIO, offset: int) -> Iterator[Chunk]:
        """The chunks as blocks (the rest of the last line read into the block, no tail)."""
        base: LineBase | None = None
        try:
            for block in lineblocks.read_blocks(stream, self.chunk_size):
                self.bytes_read += len(block)
                base = LineBase(base if offset > self.start_offset else None, self.start_line)
                yield Chunk(block, base, offset)
                offset += len(block)
        except OSError as exc:
            self.error = f"{self.source.name}: read error: {exc}"

    def _readline(self, stream: BinaryIO) -> bytes:
        try:
            return stream.readline()
        except (EOFError, gzip.BadGzipFile, zlib.error, OSError):
            return b""  # the next read reports the damage


def skip_bytes(stream: BinaryIO, n: int) -> None:
    """Move ``stream`` ``n`` bytes forward: a seek where it can, else reading and dropping."""
    if hasattr(stream, "seekable") and stream.seekable():
        stream.seek(n, io.SEEK_SET)
        return
    while n > 0:
        block = stream.read(min(n, DEFAULT_CHUNK))
        if not block:
            break
        n -= len(block)
