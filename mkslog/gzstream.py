"""Decompressing a ``.gz`` file or pipe so that damage costs only what lies behind it.

:class:`gzip.GzipFile` (and a plain ``zlib`` decompress call) throw away the bytes of the read
that meets a damaged spot, so one flipped byte or a few bytes of garbage after the end could turn
a 60,000-line log into 0 lines. ``gzip -dc`` keeps what it decompressed before the damage, and
every line when only trailing garbage (or NUL padding, as some copy tools leave) follows the
last member. :class:`GzipStream` does the same, and tells afterwards what it met
(:meth:`GzipStream.problems`) so the parse can report it.

>>> import io
>>> data = gzip.compress(b"a\\nb\\n") + b"junk"
>>> s = GzipStream(io.BytesIO(data)); (s.read(100), s.problems("t.gz"))
(b'a\\nb\\n', (None, ['4 bytes after the end of the gzip data are not gzip data (trailing garbage): ignored']))
"""

from __future__ import annotations

import gzip
import zlib
from typing import BinaryIO

GZIP_MAGIC = b"\x1f\x8b"
SALVAGE_STEP = 4096  # re-decompress a damaged block in pieces this big, then byte by byte


class GzipStream:
    """Decompress gzip (several members allowed) incrementally with zlib. A truncated file yields
    every byte it holds; a damaged one every byte before the damage; bytes after the last member
    that start no member are skipped and counted. :meth:`problems` tells, after the end, what
    happened.

    >>> import io
    >>> data = gzip.compress(b"a\\nb\\n")
    >>> s = GzipStream(io.BytesIO(data[:-6])); (s.read(100), s.truncated)
    (b'a\\nb\\n', True)
    """

    def __init__(self, raw: BinaryIO, block: int = 1 << 20):
        self.raw, self.block = raw, block
        self._d: zlib._Decompress | None = zlib.decompressobj(wbits=31)  # None: between members
        self._between = b""  # bytes after a member's end, too few yet to tell what they are
        self._buf = bytearray()
        self._done = False
        self._consumed = 0  # compressed bytes taken from raw, for the position of damage
        self.truncated = False
        #: what zlib said where the data could not be decompressed, and the compressed offset
        self.damage: tuple[str, int] | None = None
        self.read_error: OSError | None = None
        #: bytes after the last complete member that are no gzip member, and whether all are NUL
        self.trailing = 0
        self.trailing_zeros = True

    def read(self, n: int) -> bytes:
        self._fill(n)
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out

    def readline(self) -> bytes:
        """Up to and including the next newline (or to the end)."""
        parts = []
        while True:
            newline = self._buf.find(b"\n")
            if newline >= 0:
                parts.append(self.read(newline + 1))
                return b"".join(parts)
            if self._done:
                parts.append(self.read(len(self._buf)))
                return b"".join(parts)
            parts.append(self.read(len(self._buf)))
            self._fill(1)

    def problems(self, name: str) -> tuple[str | None, list[str]]:
        """After the end: the error to report for ``name`` (damage, a cut, a read error) or None,
        and notes on what lost no line (trailing bytes ignored), without the name.

        >>> import io
        >>> s = GzipStream(io.BytesIO(gzip.compress(b"a\\n") + bytes(8))); s.read(10)
        b'a\\n'
        >>> s.problems("t.gz")[1]
        ['8 NUL bytes of padding after the end of the gzip data: ignored']
        """
        error = None
        if self.read_error is not None:
            error = f"{name}: read error: {self.read_error}; kept the lines read before it"
        elif self.damage is not None and self.damage[0].endswith(("data check", "length check")):
            error = (f"{name}: the .gz's checksum does not match its content ({self.damage[0]}): it is damaged "
                     "somewhere; kept every line it gave, but lines from the damage on may be wrong or rejected")
        elif self.damage is not None:
            reason, at = self.damage
            error = (f"{name}: compressed data is corrupt at byte {at:,} of the .gz ({reason}); kept the lines "
                     "before the damage, the rest is lost (gzip -dc stops there too)")
        elif self.truncated:
            error = f"{name}: the .gz file is truncated (cut before its end); kept every line it holds"
        notes = []
        if self.trailing and self.trailing_zeros:
            notes.append(f"{self.trailing:,} NUL bytes of padding after the end of the gzip data: ignored")
        elif self.trailing:
            notes.append(f"{self.trailing:,} bytes after the end of the gzip data are not gzip data "
                         "(trailing garbage): ignored")
        return error, notes

    def _fill(self, n: int) -> None:
        while len(self._buf) < n and not self._done:
            try:
                data = self.raw.read(self.block)
            except (EOFError, gzip.BadGzipFile, zlib.error) as exc:  # raw is itself a stream that decodes
                self.damage, self._done = (str(exc), self._consumed), True
                return
            except OSError as exc:  # an I/O error: what was decompressed so far stays in _buf
                self.read_error, self._done = exc, True
                return
            if not data:
                self._finish()
                return
            self._feed(data)
            self._consumed += len(data)

    def _feed(self, data: bytes) -> None:
        at = self._consumed
        while data and not self._done:
            if self._d is None:  # after a member: another member, or trailing bytes
                data, self._between = self._between + data, b""
                if len(data) < len(GZIP_MAGIC):
                    self._between = data
                    return
                if data[: len(GZIP_MAGIC)] != GZIP_MAGIC:
                    self._skip_trailing(data)
                    return
                self._d = zlib.decompressobj(wbits=31)
            rest = self._decompress(data, at)
            at += len(data) - len(rest)
            data = rest

    def _decompress(self, data: bytes, at: int) -> bytes:
        """Decompress ``data`` into the buffer; the bytes after the member's end (if it ends)."""
        d = self._d
        assert d is not None
        before = d.copy()  # cheap (the 32 KB window); lets a damaged block be redone piece by piece
        try:
            self._buf += d.decompress(data)
        except zlib.error:
            return self._salvage(before, data, at)
        if d.eof:
            self._d = None
            return d.unused_data
        return b""

    def _salvage(self, d, data: bytes, at: int) -> bytes:
        """Redo a block that failed in smaller pieces, keeping every byte decompressed before the
        damaged spot (a failing decompress call returns nothing)."""
        pos, step = 0, SALVAGE_STEP
        while pos < len(data):
            piece = data[pos : pos + step]
            before = d.copy()
            try:
                out = d.decompress(piece)
            except zlib.error as exc:
                if step > 1:
                    d, step = before, 1  # again, byte by byte
                    continue
                self.damage, self._done = (str(exc), at + pos), True
                return b""
            self._buf += out
            pos += len(piece)
            if d.eof:
                self._d = None
                return d.unused_data + data[pos:]
        self._d = d
        return b""

    def _skip_trailing(self, data: bytes) -> None:
        """Count (and drop) everything from ``data`` to the end: not gzip data."""
        self._done = True
        while data:
            self.trailing += len(data)
            self.trailing_zeros = self.trailing_zeros and not data.strip(b"\0")
            try:
                data = self.raw.read(self.block)
            except OSError as exc:
                self.read_error = exc
                return

    def _finish(self) -> None:
        self._done = True
        if self._d is None:
            if self._between:
                self.trailing, self.trailing_zeros = len(self._between), not self._between.strip(b"\0")
            return
        self.truncated = True
        try:
            self._buf += self._d.flush()
        except zlib.error as exc:
            self.damage = (str(exc), self._consumed)

    def close(self) -> None:
        self.raw.close()
