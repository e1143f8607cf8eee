"""Log text in memory (tests, notebooks, snippets) parsed through the same code as files: cut into
chunks at line ends as the file reader cuts them, then whole records, then the record parser.

>>> parse_text("2026-11-18 14:05:00,CPU:12.5,Memory:40.1,Disk:63\\n", "metrics").height
1
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from ..sources import Chunk
from .pipeline import RecordParser, whole_records
from .records import MAX_RECORD_LINES, record_format
from .stats import ParseStats


def split_text(data: bytes, chunk_size: int | None) -> Iterator[Chunk]:
    """``data`` in chunks of about ``chunk_size`` bytes cut after a newline (as ChunkReader cuts)."""
    size = chunk_size or max(len(data), 1)
    pos, line = 0, 1
    while pos < len(data):
        end = data.rfind(b"\n", pos, pos + size) + 1
        if end <= pos:  # a line longer than the chunk: up to its end
            nl = data.find(b"\n", pos + size)
            end = len(data) if nl < 0 else nl + 1
        piece = data[pos:end]
        yield Chunk(piece, line, pos)
        line += piece.count(b"\n")
        pos = end


def parse_text(text: str | bytes, kind: str, format=None, *, datefmt: str | None = None, source_tz: str = "UTC",
               stats: ParseStats | None = None, name: str = "<text>", chunk_size: int | None = None,
               max_record_lines: int = MAX_RECORD_LINES) -> pl.DataFrame:
    """Records of ``kind`` from log text in memory (tests, notebooks, snippets), through the same
    code as files; ``chunk_size`` splits the text into chunks at line ends like the file reader.

    >>> parse_text("2026-11-18 14:05:00,CPU:12.5,Memory:40.1,Disk:63\\n", "metrics").select("cpu", "disk").row(0)
    (12.5, 63.0)
    """
    data = text.encode("utf-8") if isinstance(text, str) else text
    parser = RecordParser(record_format(kind, format, datefmt), source_tz)
    stats = stats if stats is not None else ParseStats()
    stats.reset(name)
    stats.file(name, parser.name)
    schema = parser.schema
    chunks = whole_records(split_text(data, chunk_size), parser, max_record_lines=max_record_lines)
    frames = [parser.parse(c, name, stats, schema=schema) for c in chunks]
    parser.after_file(name, stats)
    return pl.concat(frames) if frames else pl.DataFrame(schema=schema)


__all__ = ["parse_text", "split_text"]
