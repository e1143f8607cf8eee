"""Bytes to an Arrow/polars string column of lines, without ever refusing a file.

polars' own line reader refuses a whole buffer on one invalid UTF-8 byte; here such bytes are
written as ``\\xNN`` (exactly how nginx escapes unsafe bytes in its logs), the line is kept and
counted. ``\\r\\n`` and stray trailing ``\\r`` are stripped; a final line without newline counts.

>>> lines, bad = split_lines(b"GET /\\r\\nbad \\xff byte\\nlast")
>>> lines.to_list(), bad
(['GET /', 'bad \\\\xFF byte', 'last'], 1)
"""

from __future__ import annotations

import codecs
import threading

import polars as pl

from ..formats.views import column_of_views
from ..lineblocks import is_block, line_views, piece
from ..linecount import LineBase, lines_in
from ..sources import Chunk

_local = threading.local()


def _record_and_escape(exc: UnicodeDecodeError) -> tuple[str, int]:
    _local.positions.append(exc.start)
    bad = exc.object[exc.start : exc.end]
    return "".join(f"\\x{b:02X}" for b in bad), exc.end


codecs.register_error("mkslog-escape", _record_and_escape)


def split_lines(data: bytes, tail: bytes = b"") -> tuple[pl.Series, int]:
    """The lines of ``data`` as a String Series, and how many lines held invalid UTF-8.
    ``tail``: the end of data's last line (not appended by the reader: that copy of a whole chunk
    costs more than the split), joined onto that line here.

    >>> split_lines(b"a\\nb", b"c\\n")[0].to_list()
    ['a', 'bc']
    """
    try:
        lines = pl.read_lines(data).to_series()
        bad_lines = 0
    except pl.exceptions.ComputeError:
        if tail:  # invalid UTF-8 (maybe a character cut at the block's end): the rare, slow way
            return split_lines(data + tail)
        _local.positions = []
        text = data.decode("utf-8", errors="mkslog-escape")
        bad_lines = _count_lines_with(data, _local.positions)
        lines = pl.read_lines(text.encode("utf-8")).to_series()
    if b"\r" in data:  # memchr on the bytes is far cheaper than a scan of the strings
        lines = lines.str.strip_chars_end("\r")
    if tail:  # the last line from its own bytes: a copy of one line, not of the chunk
        last, bad_last = split_lines(data[data.rfind(b"\n") + 1 :] + tail)
        lines = lines.scatter(len(lines) - 1, last[0])
        bad_lines += bad_last
    return lines.rename("line"), bad_lines


def split_chunk(chunk: Chunk) -> tuple[pl.Series, int, int]:
    """The lines of ``chunk`` (its head, then its data up to its end, the tail joined on), how many
    held invalid UTF-8, and the number of its first line. The chunk's bytes are released; a
    :class:`LineBase` is told the count (also when the split fails: the next chunk waits for it).

    >>> from mkslog.sources import Chunk
    >>> lines, bad, first = split_chunk(Chunk(b"c\\nd\\ne", 3, 0, tail=b"f\\n", head=b"a\\nb\\n", end=4))
    >>> lines.to_list(), bad, first
    (['a', 'b', 'c', 'd'], 0, 3)
    """
    first_line, head, tail, end = chunk.first_line, chunk.head, chunk.tail, chunk.end
    data, series = chunk.release(), None
    block = is_block(data)
    try:
        if block:  # whole lines up to end, no tail (ChunkReader.into_blocks)
            series, invalid = lines_of_block(data, end)
        else:
            series, invalid = split_lines(data, tail)
        if end is not None and not block:  # the lines from end on were carried into the next chunk
            if invalid:  # and may hold the invalid bytes: count exactly on this chunk's own bytes
                series, invalid = split_lines(data[:end])
            else:
                carried = data.count(b"\n", end) + tail.count(b"\n")
                carried += (end < len(data) or bool(tail)) and not (tail or data).endswith(b"\n")
                series = series.head(len(series) - carried)
        if head:
            before, bad = split_lines(head)
            series, invalid = pl.concat([before, series], rechunk=False), invalid + bad
    finally:
        if isinstance(first_line, LineBase):
            first_line.counted(len(series) if series is not None else lines_in(Chunk(data, 0, 0, tail, head, end).text()))
    first = first_line.value() if isinstance(first_line, LineBase) else first_line
    return series, invalid, first


def lines_of_block(block, end: int | None = None) -> tuple[pl.Series, int]:
    """A block's lines (of its first ``end`` bytes; views into it, :mod:`mkslog.lineblocks`) and
    how many held invalid UTF-8; bytes that are not valid UTF-8 take :func:`split_lines` (a copy)."""
    split = line_views(block, end)
    if split is None:
        return split_lines(piece(block, 0, end))
    return column_of_views("line", split[0], [block]), 0


def _count_lines_with(data: bytes, positions: list[int]) -> int:
    """How many distinct lines contain the given byte positions (positions ascending)."""
    lines: set[int] = set()
    line, prev = 0, 0
    for pos in positions:
        line += data.count(b"\n", prev, pos)
        prev = pos
        lines.add(line)
    return len(lines)


def numbered_lines(chunk: Chunk) -> tuple[pl.DataFrame, int]:
    """The chunk's lines (line_no, line) and its count of invalid UTF-8 lines; the chunk's bytes
    are released (:meth:`Chunk.release`) once split."""
    series, invalid, first = split_chunk(chunk)  # as written: escapes are kept (presenters make them inert)
    frame = pl.DataFrame({"line": series}).with_columns(
        (pl.int_range(pl.len(), dtype=pl.Int64) + first).alias("line_no")
    )
    return frame.select("line_no", "line"), invalid
