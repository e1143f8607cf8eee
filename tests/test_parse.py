"""The streaming parser on bad input: each case has a clear error or a counted reject, and
``parsed + rejected == lines`` always."""

import gzip
import os
import subprocess
import sys

import polars as pl
import pytest

import mkslog
from mkslog.errors import FormatError, LogFileError
from mkslog.parse.stats import ParseStats
from mkslog.sources import expand

LINE = '203.0.113.{n} - - [16/Nov/2026:09:{m:02d}:00 +0900] "GET /api/v1/knowledge/{n} HTTP/1.1" 200 {n} "-" "ua" 0.{n:03d} 0.{n:03d}'


def lines(count: int, start: int = 1) -> list[str]:
    return [LINE.format(n=i, m=i % 60) for i in range(start, start + count)]


def write(path, text: str | bytes) -> str:
    data = text.encode() if isinstance(text, str) else text
    path.write_bytes(data)
    return str(path)


def parse(paths, fmt="timed", **kw):
    stats = ParseStats()
    df = mkslog.read(paths, fmt, stats=stats, **kw)
    return df, stats


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(LogFileError, match="no such file: .*nope.log"):
        mkslog.scan(str(tmp_path / "nope.log"))


def test_glob_matching_nothing_is_a_clear_error(tmp_path):
    with pytest.raises(LogFileError, match="no files match"):
        mkslog.scan(str(tmp_path / "*.log"))


def test_directory_is_a_clear_error(tmp_path):
    with pytest.raises(LogFileError, match="is a directory"):
        mkslog.scan(str(tmp_path))


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to create a file another user cannot read")
def test_unreadable_file_is_a_clear_error(tmp_path):
    # root reads everything, so a fresh interpreter imports mkslog as root, then drops to nobody
    # and reads a file that is root's with mode 0600
    path = write(tmp_path / "secret.log", "\n".join(lines(3)) + "\n")
    os.chmod(path, 0o600)
    code = (
        "import os, mkslog, mkslog.frame, mkslog.errors\n"
        "os.setgid(65534); os.setuid(65534)\n"
        f"try:\n    mkslog.read({path!r}, 'timed')\n"
        "except mkslog.errors.LogFileError as exc:\n    print(exc)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.startswith(f"permission denied: {path}"), proc.stderr


def test_wrong_format_error_quotes_first_line_and_closest_format(tmp_path):
    path = write(tmp_path / "x.log", "2026-11-16 09:00:01,123 INFO app: hello\n")
    with pytest.raises(FormatError) as info:
        mkslog.scan(path, kind="access")  # without kind= it is detected (and read) as the app log it is
    text = str(info.value)
    assert "2026-11-16 09:00:01,123 INFO app: hello" in text
    assert "closest:" in text and "--format" in text


def test_no_fit_error_names_the_format_that_got_furthest(tmp_path):
    # a four-digit status: the format that reads furthest breaks at the status, not after it
    path = write(tmp_path / "x.log", '1.2.3.4 - - [16/Nov/2026:09:00:01 +0900] "GET / HTTP/1.1" 2000 1 "-" "-"\n')
    with pytest.raises(FormatError) as info:
        mkslog.scan(path)
    assert "closest: does not match format 'gunicorn_timed': breaks at %(s)s." in str(info.value)


def test_counts_add_up_and_rejects_carry_file_line_text_reason(tmp_path):
    good = lines(5)
    text = "\n".join(good[:2] + ["garbage here", ""] + good[2:]) + "\n"
    path = write(tmp_path / "a.log", text)
    df, stats = parse(path)
    assert (stats.total.lines, stats.total.parsed, stats.total.rejected) == (7, 5, 2)
    rejects = stats.rejects()
    assert rejects.select("line_no", "line").rows() == [(3, "garbage here"), (4, "")]
    assert rejects["reason"].to_list() == [
        "does not match format 'timed': breaks at $remote_addr", "empty line"]
    assert rejects["file"].unique().to_list() == [path]
    assert df["line_no"].to_list() == [1, 2, 5, 6, 7]


def test_invalid_utf8_does_not_abort_the_file(tmp_path):
    good = lines(3)
    bad = good[1].replace('"ua"', '"caf\xe9"').encode("latin-1")  # a lone 0xE9 byte
    path = write(tmp_path / "a.log", b"\n".join([good[0].encode(), bad, good[2].encode()]) + b"\n")
    df, stats = parse(path)
    assert stats.total.parsed == 3 and stats.total.invalid_utf8 == 1
    assert df["user_agent"].to_list() == ["ua", "caf\\xE9", "ua"]


def test_crlf_nul_and_final_line_without_newline(tmp_path):
    good = lines(3)
    text = good[0] + "\r\n" + good[1].replace('"ua"', '"u\x00a"') + "\r\n" + good[2]
    df, stats = parse(write(tmp_path / "a.log", text))
    assert (stats.total.lines, stats.total.parsed) == (3, 3)
    assert df["user_agent"].to_list() == ["ua", "u\x00a", "ua"]
    assert df["request_time"].to_list() == [0.001, 0.002, 0.003]


def test_truncated_gz_yields_what_it_holds_and_reports_it(tmp_path):
    data = gzip.compress(("\n".join(lines(2000)) + "\n").encode())
    path = write(tmp_path / "a.log.2.gz", data[: len(data) // 2])
    df, stats = parse(path)
    assert 0 < stats.total.lines < 2000
    assert stats.total.parsed + stats.total.rejected == stats.total.lines
    assert df["line_no"].to_list()[: stats.total.parsed] == list(range(1, stats.total.parsed + 1))
    assert len(stats.errors) == 1 and "truncated" in stats.errors[0]
    # every complete line before the cut is there
    assert stats.total.parsed >= stats.total.lines - 1


def test_a_1mb_line_is_a_reject_not_a_crash(tmp_path):
    huge = LINE.format(n=7, m=1).replace('"ua"', '"' + "x" * 1_000_000 + '"')
    text = "\n".join([*lines(2), "y" * 1_000_000, huge]) + "\n"
    df, stats = parse(write(tmp_path / "a.log", text), chunk_size=64 * 1024)
    assert (stats.total.lines, stats.total.parsed, stats.total.rejected) == (4, 3, 1)
    assert len(df["user_agent"][2]) == 1_000_000
    assert stats.rejects()["line_no"].to_list() == [3]


def test_tiny_chunks_give_the_same_frame(tmp_path):
    path = write(tmp_path / "a.log", "\n".join(lines(500)) + "\nbad\n")
    big, _ = parse(path)
    small, stats = parse(path, chunk_size=1000)
    assert stats.total.rejected == 1
    assert small.equals(big)


def test_rotated_set_is_read_oldest_first(tmp_path):
    write(tmp_path / "access.log.2.gz", gzip.compress(("\n".join(lines(2, 1)) + "\n").encode()))
    write(tmp_path / "access.log.1", "\n".join(lines(2, 3)) + "\n")
    write(tmp_path / "access.log", "\n".join(lines(2, 5)) + "\n")
    write(tmp_path / "access.log.10.gz", gzip.compress(("\n".join(lines(1, 9)) + "\n").encode()))
    names = [os.path.basename(s.path) for s in expand(str(tmp_path / "access.log*"))]
    assert names == ["access.log.10.gz", "access.log.2.gz", "access.log.1", "access.log"]
    df, stats = parse(str(tmp_path / "access.log*"))
    assert df["bytes_sent"].to_list() == [9, 1, 2, 3, 4, 5, 6]
    assert df["line_no"].to_list() == [1, 1, 2, 1, 2, 1, 2]
    assert len(stats.files) == 4


def test_dateext_rotation_order():
    from mkslog.sources import rotation_key

    names = ["a.log", "a.log-20261121.gz", "a.log-20261120.gz", "a.log-20261122"]
    assert sorted(names, key=rotation_key) == ["a.log-20261120.gz", "a.log-20261121.gz", "a.log-20261122", "a.log"]


def test_projection_and_predicate_are_pushed_into_the_parser(tmp_path, monkeypatch):
    import mkslog.frame

    seen = []
    real = mkslog.frame.parse_batches

    def spy(*args, **kwargs):
        seen.append((sorted(kwargs["columns"]) if kwargs.get("columns") is not None else None, kwargs["predicate"]))
        return real(*args, **kwargs)

    monkeypatch.setattr(mkslog.frame, "parse_batches", spy)
    path = write(tmp_path / "a.log", "\n".join(lines(100)) + "\n")
    out = mkslog.scan(path, "timed").filter(pl.col("status") == 200).select("remote_addr").collect(engine="streaming")
    assert out.columns == ["remote_addr"] and len(out) == 100
    [(columns, predicate)] = seen
    assert set(columns) <= {"remote_addr", "status"} and "remote_addr" in columns  # only what the query needs
    assert predicate is not None and "status" in str(predicate)  # the filter reached the parser


def test_mixed_formats_in_one_file_each_line_takes_the_first_that_fits(tmp_path):
    combined = '1.2.3.4 - - [16/Nov/2026:09:00:01 +0900] "GET / HTTP/1.1" 200 1 "-" "ua"'
    main = combined + ' "9.9.9.9"'
    df, stats = parse(write(tmp_path / "a.log", f"{combined}\n{main}\n"), None)
    assert stats.total.rejected == 0
    assert df["source"].to_list() == ["combined", "main"]
    assert df["x_forwarded_for"].to_list() == [None, "9.9.9.9"]


def test_stdin_dash(tmp_path):
    text = "\n".join(lines(30)) + "\n"
    proc = subprocess.run([sys.executable, "-m", "mkslog", "top-ips", "-", "--format", "timed", "--top", "2",
                           "--output", "csv"], input=text, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    # 30 addresses with one request each: ties are ordered by address
    assert proc.stdout.splitlines() == ["remote_addr,requests,share", "203.0.113.1,1,0.0333333",
                                        "203.0.113.10,1,0.0333333"]


def test_top_ips_on_the_generated_week_agree_with_the_manuals_awk_pipeline():
    from pathlib import Path

    from mkslog.queries import top_ips

    folder = Path(__file__).resolve().parent.parent / "sample_logs" / "nginx"
    files = sorted(str(p) for p in folder.glob("mirai-knowledge-system-access.log*"))
    assert any(f.endswith(".gz") for f in files) and len(files) == 7
    awk = subprocess.run(
        "zcat -f " + " ".join(f"'{f}'" for f in files) + " | awk '{print $1}' | sort | uniq -c",
        shell=True, capture_output=True, text=True, check=True).stdout
    expected = sorted(((ip, int(n)) for n, ip in (line.split() for line in awk.splitlines())),
                      key=lambda r: (-r[1], r[0]))
    stats = ParseStats()
    got = top_ips(mkslog.scan(str(folder / "mirai-knowledge-system-access.log*"), stats=stats), len(expected))
    assert stats.total.rejected == 0
    assert got.select("remote_addr", "requests").rows() == expected


def test_a_file_of_rejects_is_counted_whole_and_listed_up_to_the_cap(tmp_path):
    """Memory stays bounded on a file of the wrong format: every line is counted as rejected, the
    first MAX_KEPT_REJECTS are listed with their reason, and a warning says the rest are not."""
    from mkslog.parse.stats import MAX_KEPT_REJECTS

    n = MAX_KEPT_REJECTS + 2345
    path = write(tmp_path / "x.log", "".join(f"not an access line {i}\n" for i in range(n)))
    stats = mkslog.ParseStats()
    mkslog.scan(path, "timed", stats=stats).select(pl.len()).collect(engine="streaming")
    assert (stats.total.lines, stats.total.parsed, stats.total.rejected) == (n, 0, n)
    listed = stats.rejects()
    assert len(listed) == MAX_KEPT_REJECTS
    assert listed["line_no"].to_list()[:2] == [1, 2] and listed["line"][0] == "not an access line 0"
    assert any(f"first {MAX_KEPT_REJECTS:,} are listed" in w for w in stats.warnings)


@pytest.mark.parametrize("stamp", ["29/Feb/2027:10:00:00", "31/Apr/2026:10:00:00", "28/Feb/2027:25:00:00",
                                   "28/Feb/2027:10:61:00", "32/Jan/2026:10:00:00", "10/Foo/2026:10:00:00"])
def test_an_impossible_date_is_a_reject_with_its_reason_in_every_projection(tmp_path, stamp):
    """A stamp in the right layout that no calendar has is a counted reject, never a row with ts null;
    a full parse and a one-column projection (top-ips) count the same lines."""
    good = '1.2.3.4 - - [28/Feb/2027:10:00:00 +0900] "GET / HTTP/1.1" 200 5 "-" "ua"'
    path = write(tmp_path / "a.log", f"{good}\n{good.replace('28/Feb/2027:10:00:00', stamp)}\n")
    for columns in (None, ["remote_addr"]):
        stats = mkslog.ParseStats()
        lf = mkslog.scan(path, "combined", stats=stats)
        df = (lf if columns is None else lf.select(columns)).collect(engine="streaming")
        assert len(df) == 1 and (stats.total.parsed, stats.total.rejected) == (1, 1)
        reason = stats.rejects()["reason"].item()
        assert "invalid timestamp" in reason or "breaks at $time_local" in reason


def test_a_projection_without_ts_converts_no_timestamp_and_rejects_the_same_lines(tmp_path, monkeypatch):
    """top-ips converts no timestamp: the regex of $time_local matches only real dates, 29/Feb of
    leap years included. In a file that mixes them the rows, rejects and line numbers equal the
    full parse's, and the C timestamp reader is never called for the projection."""
    from types import SimpleNamespace

    from mkslog.formats import clocktimes, views

    stamps = ["29/Feb/2028:10:00:00", "01/Mar/2027:10:00:00", "29/Feb/2027:10:00:00", "28/Feb/2027:23:59:59",
              "29/Feb/2024:00:00:00", "29/Feb/2026:12:00:00", "02/Mar/2027:00:00:00"]
    lines = [f'10.0.0.{i} - - [{s} +0900] "GET /{i} HTTP/1.1" 200 5 "-" "ua"' for i, s in enumerate(stamps)]
    path = write(tmp_path / "a.log", "\n".join(lines) + "\n")
    answers, calls = [], []
    real = clocktimes.clocktime
    if real is not None:
        monkeypatch.setattr(clocktimes, "clocktime", SimpleNamespace(times=lambda *a: calls.append(a) or real.times(*a)))
    for projected in (False, True):
        stats = mkslog.ParseStats()
        lf = mkslog.scan(path, "combined", stats=stats)
        calls.clear()
        df = lf.select("remote_addr", "line_no").collect() if projected else lf.collect().select("remote_addr", "line_no")
        answers.append((df.rows(), stats.rejects()["line_no"].to_list(), stats.total.parsed))
        assert bool(calls) is (not projected and real is not None and views.native_wanted())
    assert answers[0] == answers[1]
    assert answers[0][1] == [3, 6]  # 29/Feb of 2027 and 2026
    assert [r[0] for r in answers[0][0]] == ["10.0.0.0", "10.0.0.1", "10.0.0.3", "10.0.0.4", "10.0.0.6"]


def test_line_numbers_counted_by_the_parser_equal_the_readers_count(tmp_path):
    """The access parser numbers its chunks from its own split (the reader does not count): over
    many small chunks with empty lines, CRLF, invalid UTF-8 and no final newline, every reject's
    number is its line in the file."""
    good = lines(40)
    odd = ["", "bad \xff byte", "crlf reject\r", "", "x" * 300]
    mixed = [line for pair in zip(good, odd * 8, strict=False) for line in pair] + good[len(odd) * 8:]
    data = "\r\n".join(mixed[:3]).encode() + b"\n" + "\n".join(mixed[3:]).encode("latin-1") + b"\nlast no newline"
    path = write(tmp_path / "a.log", data)
    expected = [i for i, line in enumerate(data.split(b"\n"), 1) if not line.startswith(b"203.")]
    for chunk_size in (64, 1000, 1 << 20):
        _, stats = parse(path, chunk_size=chunk_size)
        assert stats.rejects()["line_no"].to_list() == expected, chunk_size
        assert stats.total.lines == data.count(b"\n") + 1


def test_chunks_cut_inside_a_character_or_a_crlf_give_the_same_records(tmp_path):
    """The reader leaves the end of a chunk's last line to the parser (Chunk.tail); a cut inside a
    multi-byte character, between CR and LF or inside an invalid byte run gives the same frame,
    rejects and invalid-UTF-8 count as one chunk."""
    body = [LINE.format(n=i, m=i % 60).replace('"ua"', '"ブラウザ/1.0 ü"') for i in range(1, 120)]
    text = "\r\n".join(body).encode() + b"\r\nbad \xff\xfe line\r\n" + "\n".join(body[:30]).encode()
    path = write(tmp_path / "a.log", text)
    whole, whole_stats = parse(path)
    for chunk_size in (7, 100, 333, 1000, 4096):
        df, stats = parse(path, chunk_size=chunk_size)
        assert df.equals(whole), chunk_size
        assert stats.rejects()["line"].to_list() == whole_stats.rejects()["line"].to_list() == ["bad \\xFF\\xFE line"]
        assert stats.total.invalid_utf8 == whole_stats.total.invalid_utf8 == 1
    assert len(whole) == 149 and whole["user_agent"][0] == "ブラウザ/1.0 ü"


def test_a_reader_for_the_access_parser_neither_counts_nor_copies_and_loses_no_byte(tmp_path):
    """With split_by_parser the reader's chunks carry a LineBase (numbered by the parser) and the end
    of their last line apart (Chunk.tail); every byte of the file is in exactly one chunk, in order."""
    from mkslog.linecount import LineBase
    from mkslog.sources import ChunkReader, Source

    data = ("\n".join(lines(300)) + "\nno newline at the end").encode()
    path = write(tmp_path / "a.log", data)
    chunks = list(ChunkReader(Source(path), chunk_size=1000, split_by_parser=True))
    assert len(chunks) > 10 and all(isinstance(c.first_line, LineBase) for c in chunks)
    assert any(c.tail for c in chunks) and all(not c.data.endswith(b"\n") for c in chunks if c.tail)
    assert b"".join(c.data + c.tail for c in chunks) == data
    assert [c.offset for c in chunks] == [sum(len(x.data) + len(x.tail) for x in chunks[:i]) for i in range(len(chunks))]
    counted = list(ChunkReader(Source(path), chunk_size=1000))
    assert all(isinstance(c.first_line, int) and not c.tail for c in counted)
