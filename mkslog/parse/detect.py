"""Autodetection: try the known formats on a sample of a file's lines and keep those that fit.

>>> from mkslog.sources import Source
>>> import tempfile, os
>>> p = os.path.join(tempfile.mkdtemp(), "a.log")
>>> _ = open(p, "w").write('1.2.3.4 - - [10/Oct/2026:13:55:36 +0900] "GET / HTTP/1.1" 200 5 "-" "curl"\\n')
>>> [f.name for f in detect_formats(Source(p))]
['combined']
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import polars as pl

from ..errors import FormatError
from ..formats import ACCESS_FORMATS, LogFormat, compile_format
from ..formats.base import Field
from ..formats.nginx import compile_nginx
from ..sources import Source
from .lines import split_lines

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
    extended = with_extra_fields(formats, lines)
    if extended is not None:
        return [extended]
    raise FormatError(_no_fit_message(source, formats, lines[0]))


# one extra field: a quoted string (nginx's \" and \xNN escapes inside) or a token
_TOKEN = r'"(?:[^"\\]|\\.)*"|[^ "]+'
_TOKENS = rf"^(?:{_TOKEN})(?: (?:{_TOKEN}))*$"
_NUMBER = r"^-?[0-9]+(?:\.[0-9]+)?$"


def with_extra_fields(formats: list[LogFormat], lines: pl.Series) -> LogFormat | None:
    """A known nginx format with unnamed fields after it (``combined`` + ``$request_time``) or a
    token before it (``$host`` + ``combined``), as that format plus fields ``extra_1`` ...:
    strings, or Float64 when every sample value is a number. The format that covers the most
    sample lines wins (the more specific on a tie); its ``extra["hint"]`` says which
    ``--log-format`` names the fields. None when no such extension fits any line.

    >>> fmt = with_extra_fields([compile_format("combined")],
    ...     pl.Series(['1.2.3.4 - - [10/Oct/2026:13:55:36 +0900] "GET / HTTP/1.1" 200 5 "-" "curl" 0.012']))
    >>> fmt.name, fmt.schema["extra_1"]
    ('combined + 1 extra field', Float64)
    """
    best: tuple[int, LogFormat] | None = None
    for fmt in formats:
        if fmt.syntax != "nginx":  # a gunicorn format string cannot name a field in nginx syntax
            continue
        body = fmt.pattern(set())[1:-1]
        for where, regex in (("after", rf"^{body} (.+)$"), ("before", rf"^([^ ]+) {body}$")):
            rest = lines.str.extract(regex, 1)
            rest = rest.filter(rest.is_not_null() & rest.str.contains(_TOKENS))
            if rest.is_empty():
                continue
            tokens = rest.str.extract_all(_TOKEN)
            n = int(tokens.list.len().mode().min())
            tokens = tokens.filter(tokens.list.len() == n)
            if best is not None and len(tokens) <= best[0]:
                continue
            best = (len(tokens), _extend(fmt, tokens, n, where))
    return None if best is None else best[1]


def _extend(fmt: LogFormat, tokens: pl.Series, n: int, where: str) -> LogFormat:
    parts, numeric = [], set()
    for i in range(n):
        values = tokens.list.get(i)
        quoted = bool(values.str.starts_with('"').all())
        parts.append(f'"$extra_{i + 1}"' if quoted else f"$extra_{i + 1}")
        if not quoted and values.str.contains(_NUMBER).all():
            numeric.add(f"$extra_{i + 1}")
    extra = " ".join(parts)
    source = f"{fmt.source} {extra}" if where == "after" else f"{extra} {fmt.source}"
    plural = "s" if n > 1 else ""
    compiled = compile_nginx(source, name=f"{fmt.name} + {n} extra field{plural}")
    pieces = tuple(Field(p.var, p.column, "float") if isinstance(p, Field) and p.var in numeric else p
                   for p in compiled.pieces)
    example = " (e.g. $request_time for a time in seconds)" if numeric else ""
    hint = (f"detected {fmt.name} + {n} extra field{plural}; pass --log-format '{source}' to name "
            f"{'it' if n == 1 else 'them'} (replace $extra_N with the nginx variable{example})")
    return dataclasses.replace(compiled, pieces=pieces, extra={"hint": hint})


def _no_fit_message(source: Source, formats: list[LogFormat], first: str) -> str:
    from .access import diagnose

    # diagnose already picks the format that got furthest into the line and names where it broke
    reason = diagnose(formats, pl.Series([first])).item()
    shown = first if len(first) <= 300 else first[:300] + "..."
    return (
        f"no known format fits {source.name}; its first line is:\n  {shown}\n"
        f"closest: {reason}. Give the format with --format NAME, --log-format 'STRING' or --nginx-conf FILE"
    )
