"""First lines of Python logging records cut at their spaces (formats/pywords.py) read exactly what
the capturing regex reads, for every format the cut applies to and on lines built to mislead it.

The oracle is the same parse with the cut taken away (the regex path of every chunk)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from polars.testing import assert_frame_equal

from mkslog.formats.pylogging import LEVEL_NAMES, compile_logging
from mkslog.formats.pywords import header_cut
from mkslog.parse.records import record_format
from mkslog.parse.text import parse_text

FORMATS = {
    "mks": ("%(asctime)s %(levelname)s %(name)s: %(message)s", "{ts} {level} {logger}: {msg}"),
    "flask": ("[%(asctime)s] %(levelname)s in %(module)s: %(message)s", "[{ts}] {level} in {logger}: {msg}"),
    "dashed": ("%(asctime)s - %(name)s - %(levelname)s - %(message)s", "{ts} - {logger} - {level} - {msg}"),
    "gunicorn app": ("%(asctime)s [%(process)d] [%(levelname)s] %(message)s", "{ts} [{pid}] [{level}] {msg}"),
    "brace": ("{asctime} {levelname} {name}: {message}", "{ts} {level} {logger}: {msg}"),
}
MESSAGES = ["boom", "", "two  spaces and a tab\there", "ends with a space ", "a: colon: inside", "日本語のメッセージ",
            "Invalid username or password: username=admin ip=198.51.100.7", "- dashes - inside -", "[x] in y: z",
            'quotes "inside" and \\"escaped\\" ones"', "x" * 5000]


def lines_for(template: str) -> list[str]:
    out = []
    for i, msg in enumerate(MESSAGES):
        level = ("INFO", "ERROR", "WARNING", "CRITICAL", "DEBUG")[i % 5]
        out.append(template.format(ts=f"2026-11-18 14:05:{i:02d},{i * 37 % 1000:03d}", level=level,
                                   logger=f"app.mod{i}", pid=100 + i, msg=msg))
        if i % 3 == 0:
            out.append("Traceback (most recent call last):\n  File \"a.py\", line 1, in f\nKeyError: 'k'")
    return out


@pytest.mark.parametrize("name", list(FORMATS))
@pytest.mark.parametrize("chunk_size", [None, 150])
def test_cut_reads_what_the_regex_reads(name, chunk_size):
    fmt, template = FORMATS[name]
    text = "\n".join(lines_for(template)) + "\n"
    rf = record_format("app", fmt)
    cut = rf.extra["header_cut"]
    assert cut is not None, name
    # the cut is taken: every first line of the file is one its pattern vouches for
    assert all(re.match(cut.pattern, line) for line in text.splitlines() if line[:4] in ("2026", "[202")), name
    uncut = replace(rf, extra={k: v for k, v in rf.extra.items() if k != "header_cut"})
    got = parse_text(text, "app", rf, chunk_size=chunk_size)
    want = parse_text(text, "app", uncut, chunk_size=chunk_size)
    assert_frame_equal(got, want)
    assert got["partial"].sum() == 0 and got["level"].null_count() == 0


@pytest.mark.parametrize("name", list(FORMATS))
def test_the_c_cut_reads_what_the_polars_cut_reads(name, monkeypatch):
    """The header's fields are cut in C (mkslog/native/linecut.c, its whole line one part) where it
    is built; polars' splitn answers otherwise: the same frame, quotes in a message or not."""
    from mkslog.formats import split, views

    fmt, template = FORMATS[name]
    text = "\n".join(lines_for(template)) + "\n"
    rf = record_format("app", fmt)
    calls = []
    native = split.native_cut

    def counted(*args):
        calls.append(len(args[0]))
        return native(*args)

    monkeypatch.setattr("mkslog.formats.pywords.native_cut", counted)
    fast = parse_text(text, "app", rf)
    assert calls and sum(calls) == fast["orphan"].not_().sum()  # every first line went through the C cut
    monkeypatch.setenv(views.DISABLE_ENV, "1")
    slow = parse_text(text, "app", rf)
    assert_frame_equal(fast, slow)
    assert fast.filter(fast["message"].str.contains('"', literal=True)).height == 1


@pytest.mark.parametrize("line", [
    "2026-11-18 14:05:00,123 Level 5 app: numeric level",  # a level with a space
    "2026-11-18T14:05:00.5+09:00 INFO app: another asctime layout",
    "2026-11-18 14:05:00,123 INFO app:x: a colon in the logger",
    "2026-11-18 14:05:00,123  INFO app: two spaces",
    "2026-11-18 14:05:00,123 INFO app:no space after the colon",
    "2026-11-18 14:05:00,123 AUDIT app: an unknown level",
    "2026-11-18 14:05:00,123",
    "2026-11-18 14:05:00,123 INFO +0900: a logger the asctime regex could not take",
])
def test_a_chunk_with_a_line_the_cut_cannot_vouch_for_reads_alike(line):
    rf = record_format("app", "mks")
    uncut = replace(rf, extra={k: v for k, v in rf.extra.items() if k != "header_cut"})
    text = "2026-11-18 14:04:59,999 INFO app: before\n" + line + "\n2026-11-18 14:05:01,000 ERROR app: after\n"
    assert_frame_equal(parse_text(text, "app", rf), parse_text(text, "app", uncut))


@pytest.mark.parametrize("fmt", [
    "%(asctime)s %(levelname)-8s %(name)s: %(message)s",  # padded: the spaces vary
    "%(asctime)s %(levelname).4s %(name)s: %(message)s",  # truncated
    "%(asctime)s.%(msecs)03d %(levelname)s %(message)s",  # two fields in one word
    "%(levelname)s %(threadName)s: %(message)s",  # free text
    "%(asctime)s %(levelname)s|%(message)s",  # the message shares the level's word
    "%(message)s %(levelname)s",  # the message is not last
])
def test_formats_the_cut_does_not_apply_to(fmt):
    assert header_cut(compile_logging(fmt), LEVEL_NAMES) is None


@pytest.mark.parametrize(("fmt", "applies"), [
    ("%(asctime)s %(name)s %(message)s", True),  # the logger narrowed: it may not begin like an offset
    ("%(asctime)s %(lineno)d %(message)s", True),
    ("%(asctime)s - %(name)s - %(message)s", True),
    ("%(asctime)s %(message)s", False),  # a message may begin with +0900
    ("%(asctime)sZ %(levelname)s %(message)s", False),
    ("%(asctime)s +%(levelname)s %(message)s", False),
])
def test_what_follows_an_asctime_cannot_be_read_as_its_offset(fmt, applies):
    # the flexible asctime regex takes " +0900", "+09:00" or "Z" after the time when it can: the
    # cut must read the same timestamp, logger and message as the regex, whatever follows
    rf = record_format("app", fmt)
    assert (rf.extra["header_cut"] is not None) is applies
    uncut = replace(rf, extra={k: v for k, v in rf.extra.items() if k != "header_cut"})
    text = "".join(f"2026-11-18 14:05:0{i},123 {word} rest {i}\n" for i, word in
                   enumerate(["+0900", "-0130", "Zeta", "+09:00", "app", "- app -", "12", "-12"]))
    for size in (None, 30):  # 30 bytes: each line a chunk of its own, cut whenever it can be
        assert_frame_equal(parse_text(text, "app", rf, chunk_size=size), parse_text(text, "app", uncut, chunk_size=size))


def test_a_datefmt_keeps_the_regex():
    assert header_cut(compile_logging("%(asctime)s %(levelname)s %(message)s", "%d/%m/%Y %H:%M"), LEVEL_NAMES) is None
