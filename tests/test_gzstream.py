"""Damaged ``.gz`` files keep what ``gzip -dc`` keeps (issue 20, item 1).

The files are real: the bundled week's nginx access log (the system's `timed` format) compressed by
the gzip program, then damaged the ways a disk, a copy or a crash damages them: a flipped byte
mid-stream, a cut, `junk` appended, NUL padding. gzip -dc is the reference for what can be kept."""

import json
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

import mkslog
from mkslog.parse.stats import ParseStats
from mkslog.sources import Source

ROOT = Path(__file__).parent.parent
ACCESS = ROOT / "sample_logs" / "nginx" / "mirai-knowledge-system-access.log"  # 2,754 timed lines

pytestmark = pytest.mark.skipif(shutil.which("gzip") is None, reason="needs the gzip program")


@pytest.fixture(scope="module")
def gz(tmp_path_factory) -> bytes:
    """About 20,000 lines (the sample week's access log, repeated), compressed by gzip itself."""
    text = ACCESS.read_bytes() * 8
    return subprocess.run(["gzip", "-n", "-c"], input=text, capture_output=True, check=True).stdout


def gzip_dc(path: Path) -> bytes:
    """What `gzip -dc` writes for ``path`` (it exits non-zero on damage; its output still counts)."""
    return subprocess.run(["gzip", "-dc", str(path)], capture_output=True).stdout


def decompressed(path: Path) -> bytes:
    stream = Source(str(path)).open()
    out = b""
    while block := stream.read(1 << 20):
        out += block
    return out


def parse(path: Path):
    stats = ParseStats()
    df = mkslog.read(str(path), "timed", stats=stats)
    return df, stats


def lines_in(data: bytes) -> int:
    return data.count(b"\n") + (bool(data) and not data.endswith(b"\n"))


def first_stream_damage(data: bytes) -> int:
    """The first byte whose flip makes the deflate stream itself invalid (not just its checksum):
    found by trying, as the compressed bytes depend on the gzip build."""
    for i in range(len(data) // 3, len(data) - 8, 331):
        flipped = bytearray(data)
        flipped[i] ^= 0x10
        try:
            zlib.decompress(bytes(flipped), wbits=31)
        except zlib.error as exc:
            if "check" not in str(exc):
                return i
    raise AssertionError("no flip damages the stream")


def test_junk_after_the_end_keeps_every_line_and_says_it_was_ignored(tmp_path, gz):
    path = tmp_path / "access.log.2.gz"
    path.write_bytes(gz + b"junk")
    df, stats = parse(path)
    assert decompressed(path) == gzip_dc(path) == ACCESS.read_bytes() * 8
    assert (stats.total.lines, stats.total.parsed, stats.errors) == (2754 * 8, 2754 * 8, [])
    assert stats.warnings == [f"{path}: 4 bytes after the end of the gzip data are not gzip data "
                              "(trailing garbage): ignored"]


def test_nul_padding_after_the_end_keeps_every_line(tmp_path, gz):
    path = tmp_path / "access.log.2.gz"
    path.write_bytes(gz + bytes(4096))
    _, stats = parse(path)
    assert decompressed(path) == gzip_dc(path)
    assert (stats.total.lines, stats.total.parsed, stats.errors) == (2754 * 8, 2754 * 8, [])
    assert stats.warnings == [f"{path}: 4,096 NUL bytes of padding after the end of the gzip data: ignored"]


def test_a_second_member_after_the_first_is_read_too(tmp_path, gz):
    path = tmp_path / "access.log.2.gz"
    path.write_bytes(gz + gz)
    _, stats = parse(path)
    assert (stats.total.lines, stats.errors, stats.warnings) == (2754 * 16, [], [])


def test_a_flipped_byte_that_breaks_the_stream_keeps_what_gzip_keeps(tmp_path, gz):
    at = first_stream_damage(gz)
    flipped = bytearray(gz)
    flipped[at] ^= 0x10
    path = tmp_path / "access.log.2.gz"
    path.write_bytes(bytes(flipped))
    reference, ours = gzip_dc(path), decompressed(path)
    assert len(reference) > 1_000_000  # gzip itself keeps a good part
    assert ours.startswith(reference)  # every byte gzip -dc gives, and perhaps up to its last flush more
    df, stats = parse(path)
    assert stats.total.lines == lines_in(ours) >= lines_in(reference)
    assert stats.total.parsed + stats.total.rejected == stats.total.lines
    # the first lines are the original ones, in order
    assert df["line_no"][:1000].to_list() == list(range(1, 1001))
    [error] = stats.errors
    assert error.startswith(f"{path}: compressed data is corrupt at byte ") and "kept the lines before" in error


def test_a_flipped_byte_caught_by_the_checksum_keeps_every_line_it_gave(tmp_path, gz):
    flipped = bytearray(gz)
    flipped[-6] ^= 0xFF  # inside the CRC-32 of the trailer: the data is whole, its check fails
    path = tmp_path / "access.log.2.gz"
    path.write_bytes(bytes(flipped))
    assert decompressed(path) == gzip_dc(path) == ACCESS.read_bytes() * 8
    _, stats = parse(path)
    assert (stats.total.lines, stats.total.parsed) == (2754 * 8, 2754 * 8)
    [error] = stats.errors
    assert "checksum does not match" in error and "kept every line it gave" in error


def test_a_cut_keeps_what_gzip_keeps(tmp_path, gz):
    path = tmp_path / "access.log.2.gz"
    path.write_bytes(gz[: len(gz) // 2])
    reference = gzip_dc(path)
    assert decompressed(path).startswith(reference)
    _, stats = parse(path)
    assert stats.total.lines >= lines_in(reference) > 5000
    assert "truncated" in stats.errors[0]


def test_junk_after_gzip_on_stdin_and_from_the_cli(tmp_path, gz):
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-m", "mkslog", "parse", "--stats", "--output", "json", "-"],
                            input=gz + b"junk", capture_output=True, env=env, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    [row] = json.loads(result.stdout)
    assert (row["lines"], row["parsed"], row["error"]) == (2754 * 8, 2754 * 8, None)
    assert b"<stdin>: 4 bytes after the end of the gzip data are not gzip data" in result.stderr
