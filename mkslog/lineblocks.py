"""A file read in blocks that are used again, each split into the string views of its lines.

``stream.read()`` gives each chunk a new allocation: every page of it faults and is cleared
again (1.1 s of system time over a 1.8 GB file, against 0.3 s for reading into the same
memory), then polars' line reader copies the text once more. Here the reader fills a block
from the C code's cache of freed mappings (``mkslog/native/linesplit.c``) with ``readinto``, and
:func:`line_views` writes a string view per line into the block (:func:`mkslog.parse.lines.split_chunk`
makes the lines column of them: the column holds the block, which goes back to the cache when the
column is dropped). Where the extension was not built, the
stream is not a plain file, or a block is not valid UTF-8, the callers take the bytes path.

>>> import io, tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "a.log")
>>> _ = open(path, "wb").write(b"one\\r\\ntwo\\nthree")
>>> with open(path, "rb") as fh:
...     block = next(read_blocks(fh, 6)) if available() else None
>>> (line_views(block)[1], len(block)) if block is not None else (2, 9)  # "one\\r\\n", "two\\n"
(2, 9)
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from .native import native_wanted

try:
    from .native import linesplit
except ImportError:  # built at install time; without a C compiler the bytes path answers
    linesplit = None

#: Room past a block's size for the rest of its last line (read after the block was filled).
SPARE = 64 * 1024


def available() -> bool:
    """Whether blocks can be used: the extension is built and not switched off."""
    return linesplit is not None and native_wanted()


def readable(stream) -> bool:
    """Whether ``stream`` can fill blocks: a plain file (not a decompressing or replayed stream)."""
    return available() and isinstance(stream, (io.BufferedReader, io.FileIO))


def read_blocks(stream: io.BufferedReader, size: int) -> Iterator[object]:
    """The rest of ``stream`` in blocks: each its next ``size`` bytes and the rest of their last
    line. Read errors propagate (the reader reports them)."""
    while True:
        block = linesplit.block(size + SPARE)
        with memoryview(block) as view:
            got = stream.readinto(view[:size])
            last = view[got - 1] if got else None
        if not got:
            return
        linesplit.resize(block, got, b"" if last == 0x0A else stream.readline())
        yield block


def is_block(data) -> bool:
    """Whether ``data`` is a block (not bytes)."""
    return linesplit is not None and not isinstance(data, bytes | bytearray | memoryview)


def line_views(block, end: int | None = None) -> tuple[object, int] | None:
    """A 16-byte Arrow string view per line of the block (of its first ``end`` bytes: the rest was
    carried into the next chunk), trailing ``\\r`` dropped, pointing into it, and how many lines;
    None when they are not valid UTF-8 (the bytes path escapes the bad bytes)."""
    return linesplit.split(block, -1 if end is None else end)


def has_byte(data, byte: int) -> bool:
    """Whether ``data`` (bytes or a block) holds ``byte``.

    >>> has_byte(b"a\\x1b[0m", 0x1B)
    True
    """
    return linesplit.has_byte(data, byte) if is_block(data) else bytes([byte]) in data


def piece(data, start: int, stop: int | None = None) -> bytes:
    """``data[start:stop]`` as bytes (a copy; of a block too).

    >>> piece(b"abcdef", 2, 4)
    b'cd'
    """
    if not is_block(data):
        return data[start:stop]
    with memoryview(data) as view:
        return view[start:stop].tobytes()
