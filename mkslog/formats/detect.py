"""Autodetection: try the known formats on a sample of a file's lines and keep those that fit.

>>> from mkslog.sources import Source
>>> import tempfile, os
>>> p = os.path.join(tempfile.mkdtemp(), "a.log")
>>> _ = open(p, "w").write('1.2.3.4 - - [10/Oct/2026:13:55:36 +0900] "GET / HTTP/1.1" 200 5 "-" "curl"\\n')
>>> [f.name for f in detect_formats(Source(p))]
['combined']
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from ..errors import FormatError
from ..lines import split_lines
from ..sources import Source
from . import ACCESS_FORMATS, LogFormat, compile_format

SAMPLE_BYTES = 256 * 1024
SAMPLE_LINES = 2000


def sample_lines(source: Source, n: int = SAMPLE_LINES) -> pl.Series:
    """The first ``n`` lines of a source, decompressed; a pipe or standard input keeps them for
    the parse that follows (:meth:`Source.sample`)."""
    data, whole = source.sample(SAMPLE_BYTES)
    if not whole:  # the sample ends inside a line: leave that part out
        data = data[: data.rfind(b"\n") + 1] or data
    lines, _ = split_lines(data)
    return lines.head(n).filter(lines.head(n) != "")


def detect_formats(source: Source, candidates: Iterable[str | LogFormat] | None = None) -> list[LogFormat]:
    """The candidate formats that match some of the sample, best first.

    Raises :class:`FormatError` when none matches a line, quoting the first line and saying
    which format came closest and where it broke."""
    formats = [compile_format(c) for c in (candidates or ACCESS_FORMATS)]
    lines = sample_lines(source)
    if lines.is_empty():
        return formats[:1]
    frame = pl.DataFrame({"line": lines})
    hits = frame.select(
        [pl.col("line").str.contains(f.pattern(set())).alias(str(i)) for i, f in enumerate(formats)]
    )
    ranked = sorted(range(len(formats)), key=lambda i: -hits[str(i)].sum())
    # greedy cover: keep a format only if it matches sample lines the better ones do not
    covered = pl.Series([False] * len(lines))
    fitting: list[LogFormat] = []
    for i in ranked:
        new = hits[str(i)] & ~covered
        if new.any():
            fitting.append(formats[i])
            covered = covered | hits[str(i)]
    if fitting:
        return fitting
    raise FormatError(_no_fit_message(source, formats, lines[0]))


def _no_fit_message(source: Source, formats: list[LogFormat], first: str) -> str:
    from ..parse import diagnose

    # diagnose already picks the format that got furthest into the line and names where it broke
    reason = diagnose(formats, pl.Series([first])).item()
    shown = first if len(first) <= 300 else first[:300] + "..."
    return (
        f"no known format fits {source.name}; its first line is:\n  {shown}\n"
        f"closest: {reason}. Give the format with --format NAME, --log-format 'STRING' or --nginx-conf FILE"
    )
