"""Files read into reused blocks and split into lines by C (mkslog/lineblocks.py,
mkslog/native/linesplit.c) give exactly the lines of the bytes path (polars' line reader, the
``\\r`` strip, the escapes of invalid UTF-8), and a parse the same frame and counts either way.

Real logs (the sample logs and the copied corpus), every ending (``\\r\\n``, stray ``\\r``, no last
newline, empty lines, an empty file), valid multi-byte characters and every class of invalid
UTF-8 (overlong, surrogate, past U+10FFFF, cut short, a lone continuation byte), at every offset
around the sixteen-byte blocks the C loop reads; lines longer than a block; a file of one
huge line; a block still in use cannot be resized.
"""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import polars as pl
import pytest

from mkslog import lineblocks
from mkslog.native import DISABLE_ENV
from mkslog.parse.lines import lines_of_block, split_chunk, split_lines
from mkslog.parse.pipeline import parse_file
from mkslog.parse.stats import ParseStats
from mkslog.sources import ChunkReader, Source

ROOT = Path(__file__).resolve().parent.parent
INVALID = [b"\xc0\x80", b"\xc1\xbf", b"\xe0\x80\x80", b"\xed\xa0\x80", b"\xf0\x80\x80\x80", b"\xf4\x90\x80\x80",
           b"\xf5\x80\x80\x80", b"\xff", b"\x80", b"\xe6\x97", b"\xf0\x9f\x98"]
VALID = ["é", "日本語", "\U0001f600", "\u07ff", "\uffff", "\U0010ffff", "\ud7ff"]


def as_block(data: bytes):
    block = lineblocks.linesplit.block(len(data) + 7)
    lineblocks.linesplit.resize(block, 0, data)
    return block


def bytes_path(data: bytes) -> tuple[list[str], int]:
    lines, bad = split_lines(data)
    return lines.to_list(), bad


def test_the_extension_is_built():
    assert lineblocks.linesplit is not None and lineblocks.available()


def real_files() -> list[bytes]:
    out = []
    for path in sorted([*ROOT.glob("sample_logs/**/*"), *ROOT.glob("tests/data/**/*")]):
        if path.is_file() and path.suffix != ".md":
            data = path.read_bytes()
            out.append(gzip.decompress(data) if path.suffix == ".gz" else data)
    return out


def test_every_real_file_splits_into_the_lines_of_the_bytes_path():
    files = real_files()
    assert len(files) > 20
    for data in files:
        lines, bad = lines_of_block(as_block(data))
        assert (lines.to_list(), bad) == bytes_path(data)
        assert lines.name == "line"


@pytest.mark.parametrize("data", [b"", b"\n", b"a", b"a\n", b"a\n\n", b"\n\na", b"a\r\n", b"a\r\r\n", b"\r", b"\r\n",
                                  b"a\rb\n", b"x\r\ny\r\nz", b"a\n\rb", b"\r\r\r"])
def test_every_ending_is_split_as_the_bytes_path_splits_it(data):
    lines, bad = lines_of_block(as_block(data))
    assert (lines.to_list(), bad) == bytes_path(data)


def test_made_up_blocks_around_every_sixteen_byte_boundary():
    rng = random.Random(11)
    pieces = [b"a", b"x" * 15, b"y" * 17, b"\n", b"\r\n", b"\r", b" ", b'"', *(c.encode() for c in VALID), *INVALID]
    for _ in range(3000):
        data = b"".join(rng.choice(pieces) for _ in range(rng.randrange(0, 40)))
        data = b"z" * rng.randrange(0, 17) + data  # every alignment of the first odd byte
        try:
            data.decode("utf-8")
            valid = True
        except UnicodeDecodeError:
            valid = False
        assert (lineblocks.line_views(as_block(data)) is not None) == valid, data
        lines, bad = lines_of_block(as_block(data))
        assert (lines.to_list(), bad) == bytes_path(data), data


@pytest.mark.parametrize("bad", INVALID)
def test_each_class_of_invalid_utf8_takes_the_escaping_path(bad):
    data = b"ok line\n" + b"a" * 20 + bad + b" tail\nlast\n"
    assert lineblocks.line_views(as_block(data)) is None
    lines, count = lines_of_block(as_block(data))
    assert count == 1 and lines[0] == "ok line" and lines[2] == "last" and "\\x" in lines[1]


@pytest.mark.parametrize("char", VALID)
def test_each_valid_character_is_kept(char):
    data = f"{char} at the start\n{'p' * 14}{char}{'q' * 14}\n{char}".encode()
    assert lines_of_block(as_block(data))[0].to_list() == data.decode().split("\n")


def read_all(path: Path, chunk_size: int) -> tuple[list, ChunkReader]:
    reader = ChunkReader(Source(str(path)), chunk_size=chunk_size, split_by_parser=True, into_blocks=True)
    return list(reader), reader


def test_the_reader_fills_blocks_of_whole_lines(tmp_path):
    data = b"".join(f"line {i} {'x' * (i % 50)}\r\n".encode() for i in range(5000)) + b"no newline at the end"
    path = tmp_path / "a.log"
    path.write_bytes(data)
    chunks, reader = read_all(path, 4096)
    assert len(chunks) > 10 and all(lineblocks.is_block(c.data) for c in chunks)
    assert b"".join(bytes(c.data) for c in chunks) == data and reader.bytes_read == len(data)
    assert all(bytes(c.data).endswith(b"\n") for c in chunks[:-1]) and not bytes(chunks[-1].data).endswith(b"\n")
    assert [c.offset for c in chunks[1:]] == [sum(len(x.data) for x in chunks[:k]) for k in range(1, len(chunks))]
    lines = [line for c in chunks for line in split_chunk(c)[0].to_list()]
    assert lines == split_lines(data)[0].to_list()


def test_a_line_longer_than_the_block_grows_it(tmp_path):
    data = b"short\n" + b"L" * 300_000 + b"\nafter\n"
    path = tmp_path / "long.log"
    path.write_bytes(data)
    chunks, _ = read_all(path, 1000)
    assert [split_chunk(c)[0].str.len_bytes().to_list() for c in chunks] == [[5, 300_000], [5]]


def test_an_empty_file_gives_no_chunk(tmp_path):
    path = tmp_path / "empty.log"
    path.write_bytes(b"")
    assert read_all(path, 1000)[0] == []


def test_compressed_files_and_pipes_keep_the_bytes_path(tmp_path):
    path = tmp_path / "a.log.gz"
    path.write_bytes(gzip.compress(b"a\nb\n"))
    chunks, _ = read_all(path, 1000)
    assert [type(c.data) for c in chunks] == [bytes]


def test_a_block_in_use_is_not_resized():
    block = as_block(b"abc\n")
    with memoryview(block), pytest.raises(BufferError):
        lineblocks.linesplit.resize(block, 0, b"x" * 100_000)
    with pytest.raises(TypeError):
        lineblocks.linesplit.split(b"bytes are not a block")
    with pytest.raises(ValueError):
        lineblocks.linesplit.resize(block, 99, b"")


def test_a_parse_is_the_same_frame_and_counts_without_blocks(tmp_path, monkeypatch):
    source = ROOT / "sample_logs/nginx/mirai-knowledge-system-access.log"
    data = source.read_bytes()
    mixed = tmp_path / "mixed.log"
    mixed.write_bytes(data + b"garbage line\n\xff\xfe not utf-8\r\n" + data + b"last without newline")
    results = []
    for native in ("0", "1"):
        monkeypatch.setenv(DISABLE_ENV, native)
        stats = ParseStats()
        frame = parse_file(str(mixed), "access", "timed", stats=stats)
        results.append((frame, stats.total.parsed, stats.total.rejected, stats.total.invalid_utf8,
                        stats.rejects().select("line_no", "line", "reason").to_dicts()))
    (a, *counts_a), (b, *counts_b) = results
    assert a.equals(b) and counts_a == counts_b
    assert counts_a[0] > 100 and counts_a[1] >= 3 and counts_a[2] == 1


def count_splits(monkeypatch) -> list[tuple[int, int]]:
    """Each call of the C split from now on, as (block length, end): a spy that passes through."""
    calls: list[tuple[int, int]] = []
    real = lineblocks.linesplit

    class Counted:
        def __getattr__(self, name):
            return getattr(real, name)

        def split(self, block, end=-1):
            calls.append((len(block), end))
            return real.split(block, end)

    monkeypatch.setattr(lineblocks, "linesplit", Counted())
    return calls


def test_a_parse_reads_blocks(monkeypatch, tmp_path):
    path = tmp_path / "a.log"
    path.write_bytes((ROOT / "tests/data/nginx-access-wide-values.log").read_bytes())
    frame = parse_file(str(path), "access", "combined")
    calls = count_splits(monkeypatch)
    again = parse_file(str(path), "access", "combined")
    assert calls == [(path.stat().st_size, -1)] and again.equals(frame)


def test_polars_sees_the_lines_as_ordinary_strings():
    lines, _ = lines_of_block(as_block("α b\nlong enough to leave the view\n".encode()))
    assert lines.dtype == pl.String
    assert lines.str.to_uppercase().to_list() == ["Α B", "LONG ENOUGH TO LEAVE THE VIEW"]


def record_parse(path: Path, chunk_size: int, **options) -> tuple:
    from mkslog.parse.pipeline import Plan, RecordParser, parse_batches
    from mkslog.parse.records import record_format

    stats = ParseStats()
    parser = RecordParser(record_format("app", None, None), "Asia/Tokyo")
    frames = list(parse_batches([Plan(Source(str(path)), parser)], stats, chunk_size=chunk_size, **options))
    frame = pl.concat(frames) if frames else pl.DataFrame()
    return (frame, stats.total.lines, stats.total.parsed, stats.total.rejected, stats.total.invalid_utf8,
            stats.rejects().select("line_no", "line", "reason").to_dicts())


@pytest.mark.parametrize("chunk_size", [333, 4096, 1 << 20])
def test_multi_line_records_cut_across_blocks_are_the_records_of_the_bytes_path(tmp_path, monkeypatch, chunk_size):
    app = (ROOT / "sample_logs/app/app.log").read_bytes()
    assert app.count(b"Traceback") >= 1
    path = tmp_path / "app.log"
    # colour codes, invalid UTF-8 inside a traceback, CRLF, a record longer than a block, no last newline
    long_record = b"2026-11-22 10:00:00,000 ERROR mks.app: long\n" + b"".join(b"  frame %d\r\n" % i for i in range(400))
    path.write_bytes(app + b"\x1b[31m2026-11-22 09:00:00,000 ERROR mks.app: red\x1b[0m\n  bad \xff byte\n"
                     + long_record + app + b"2026-11-22 11:00:00,000 INFO mks.app: the end")
    fast = record_parse(path, chunk_size)
    monkeypatch.setenv(DISABLE_ENV, "1")
    slow = record_parse(path, chunk_size)
    assert fast[0].equals(slow[0]) and fast[1:] == slow[1:]
    assert fast[1] == path.read_bytes().count(b"\n") + 1 and fast[4] == 1 and len(fast[0]) > 100


def test_an_endless_record_is_cut_the_same_way(tmp_path, monkeypatch):
    path = tmp_path / "endless.log"
    path.write_bytes(b"2026-11-22 10:00:00,000 ERROR mks.app: start\n" + b"  more\n" * 5000)
    fast = record_parse(path, 2048, max_record_lines=300)
    monkeypatch.setenv(DISABLE_ENV, "1")
    slow = record_parse(path, 2048, max_record_lines=300)
    assert fast[0].equals(slow[0]) and fast[1:] == slow[1:] and fast[1] == 5001


def test_a_record_parse_reads_blocks(tmp_path, monkeypatch):
    """The equalities above would hold if records never reached the blocks: count the C calls."""
    path = tmp_path / "app.log"
    path.write_bytes((ROOT / "sample_logs/app/app.log").read_bytes() * 3)
    expected = record_parse(path, 4096)
    calls = count_splits(monkeypatch)
    again = record_parse(path, 4096)
    assert again[0].equals(expected[0]) and again[1:] == expected[1:]
    assert len(calls) > 3 and any(end > 0 for _, end in calls)  # blocks cut at their last record start
    assert lineblocks.has_byte(as_block(b"a\x1bb"), 0x1B) and not lineblocks.has_byte(as_block(b"plain"), 0x1B)
    assert lineblocks.piece(as_block(b"abcdef"), 2, 4) == b"cd"
