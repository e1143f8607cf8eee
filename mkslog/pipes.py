"""Pipes and standard input, read exactly once: the bytes detection samples are kept and replayed
to the one parse that follows, and a second read is a clear error, not an empty file.

>>> import io
>>> r = Replay(b"ab\\n", io.BytesIO(b"cd\\n")); (r.readline(), r.read(10))
(b'ab\\n', b'cd\\n')
"""

from __future__ import annotations

import gzip
import sys
import weakref
import zlib
from typing import BinaryIO

from .errors import LogFileError
from .gzstream import GZIP_MAGIC, GzipStream


class Replay:
    """``head`` first, then the rest of ``stream``: a pipe's bytes that were looked at already.
    ``error``: what went wrong while reading ``head``, raised again where the head ends."""

    def __init__(self, head: bytes, stream, error: BaseException | None = None):
        self.head, self.stream, self.error = head, stream, error
        self._pos = 0

    @property
    def gzipped(self) -> GzipStream | None:
        """The decompressing stream behind, if the pipe holds gzip (it tells what damage it met)."""
        return self.stream if isinstance(self.stream, GzipStream) else None

    def _rest(self):
        if self.error is not None:
            error, self.error = self.error, None
            raise error
        return self.stream

    def read(self, n: int) -> bytes:
        if self._pos < len(self.head):
            out = self.head[self._pos : self._pos + n]
            self._pos += len(out)
            return out
        return self._rest().read(n)

    def readline(self) -> bytes:
        if self._pos < len(self.head):
            end = self.head.find(b"\n", self._pos)
            if end >= 0:
                out, self._pos = self.head[self._pos : end + 1], end + 1
                return out
            out, self._pos = self.head[self._pos :], len(self.head)
            return out + self.readline()
        return self._rest().readline()

    def close(self) -> None:
        self.stream.close()


class ReadOnce:
    """A pipe read exactly once: sniffed for the gzip magic, what detection samples is kept and
    replayed to the one parse that follows."""

    def __init__(self, raw: BinaryIO, name: str):
        self.raw, self.name = raw, name
        self.head = b""
        self.stream: BinaryIO | GzipStream | None = None
        self.eof = False
        self.opened = False
        self.error: BaseException | None = None

    def _decoded(self):
        if self.stream is None:
            magic = self.raw.read(2)  # not peek: a pipe may hold a single byte so far
            base = Replay(magic, self.raw)
            self.stream = GzipStream(base) if magic == GZIP_MAGIC else base  # type: ignore[arg-type]
        return self.stream

    def sample(self, n: int) -> tuple[bytes, bool]:
        if self.opened:
            raise LogFileError(f"{self.name} is a pipe and was read already: give it once")
        stream = self._decoded()
        while len(self.head) < n and not self.eof and self.error is None:
            try:
                block = stream.read(n - len(self.head))
            except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
                self.error = exc  # the parse meets it at the same place and reports it
                break
            if not block:
                self.eof = True
            self.head += block
        return self.head, self.eof

    def open(self) -> Replay:
        if self.opened:
            raise LogFileError(f"{self.name} is a pipe and was read already: give it once, or save it to a file")
        self.opened = True
        return Replay(self.head, self._decoded(), self.error)


_STDIN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # sys.stdin.buffer -> ReadOnce
_PIPES: dict[str, ReadOnce] = {}


def read_once(source) -> ReadOnce:
    """The one :class:`ReadOnce` of a :class:`~mkslog.sources.Source` that is a pipe or stdin."""
    if source.is_stdin:
        raw = sys.stdin.buffer
        if raw not in _STDIN:
            _STDIN[raw] = ReadOnce(raw, source.name)
        return _STDIN[raw]
    if source.path not in _PIPES:
        try:
            raw = open(source.path, "rb")  # noqa: SIM115 - closed by the reader of its stream
        except OSError as exc:
            raise LogFileError(f"cannot read {source.path}: {exc.strerror} (check the path and its permissions)") from None
        _PIPES[source.path] = ReadOnce(raw, source.name)
    return _PIPES[source.path]


__all__ = ["ReadOnce", "Replay", "read_once"]
