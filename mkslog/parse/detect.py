"""Autodetection from a sample of a file's lines: the access formats that fit, the Python logging
format of an app log (named, else inferred), and the kind of a log.

>>> from mkslog.sources import Source
>>> import tempfile, os
>>> p = os.path.join(tempfile.mkdtemp(), "a.log")
>>> _ = open(p, "w").write('1.2.3.4 - - [10/Oct/2026:13:55:36 +0900] "GET / HTTP/1.1" 200 5 "-" "curl"\\n')
>>> [f.name for f in detect_formats(Source(p))]
['combined']
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable

import polars as pl

from ..errors import FormatError
from ..formats import ACCESS_FORMATS, LogFormat, compile_format
from ..formats.base import Field
from ..formats.infer import infer_logging_format
from ..formats.journal import RECORD_FORMATS
from ..formats.nginx import compile_nginx
from ..formats.pylogging import NAMED as LOGGING_NAMED
from ..formats.pylogging import PyLogFormat, compile_logging
from ..kinds import KINDS
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


def _fraction(lines: pl.Series, regex: str) -> float:
    return float(lines.str.contains(regex).mean() or 0.0) if len(lines) else 0.0


def _inferred(lines: pl.Series, datefmt: str | None = None) -> tuple[PyLogFormat | None, float]:
    """The format inferred from the sample lines (:mod:`mkslog.formats.infer`) and the fraction
    of them it fits; (None, 0) when none can be inferred."""
    source = infer_logging_format(lines.head(200).to_list())
    if source is None:
        return None, 0.0
    try:
        fmt = compile_logging(source, datefmt=datefmt, name="inferred")
    except FormatError:  # e.g. the datefmt given does not agree with the timestamps seen
        return None, 0.0
    return fmt, _fraction(lines, fmt.header_pattern())


def detect_app_format(source: Source, datefmt: str | None = None) -> PyLogFormat:
    """The named logging format (:data:`mkslog.formats.pylogging.NAMED`) that fits the most
    sample lines. When none fits half of them, a format inferred from the lines (named
    ``inferred``; its record format carries a warning that says so) if it fits more. Raises
    FormatError when nothing fits any line."""
    lines = sample_lines(source)
    if lines.is_empty():  # nothing to tell from: the system's own format
        return compile_logging("mks", datefmt=datefmt)
    best, best_score = None, 0.0
    for name in LOGGING_NAMED:
        fmt = compile_logging(name, datefmt=datefmt)
        score = _fraction(lines, fmt.header_pattern())
        if score > best_score:
            best, best_score = fmt, score
    if best_score < 0.5:
        guess, score = _inferred(lines, datefmt)
        if guess is not None and score > best_score:
            best, best_score = guess, score
    if best is None:
        first = lines[0] if len(lines) else ""
        raise FormatError(
            f"no named logging format fits {source.name} (tried {', '.join(LOGGING_NAMED)}); its first line is:\n"
            f"  {first[:300]}\ngive the format string, e.g. format='%(asctime)s %(levelname)s %(name)s: %(message)s'"
        )
    return best


# A web server's [10/Oct/2026:13:55:36 +0900] "... in any layout.
_ACCESS_HINT = r'\[[0-9]{2}/[A-Za-z]{3}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}\] "'

#: On equal scores the earlier, more specific kind wins (a health line is also a backup line).
_KIND_ORDER = ("health", "metrics", "gunicorn-error", "nginx-error", "access", "app", "backup", "journal")


def kind_scores(source: Source, lines: pl.Series | None = None) -> dict[str, float]:
    """For each kind, the fraction of sample lines (default: the first of ``source``) that start
    a record of it."""
    lines = sample_lines(source) if lines is None else lines
    scores = {kind: _fraction(lines, RECORD_FORMATS[kind].start) for kind in RECORD_FORMATS}
    scores["app"] = max(_fraction(lines, compile_logging(n).header_pattern()) for n in LOGGING_NAMED)
    if scores["app"] < 0.5:
        scores["app"] = max(scores["app"], _inferred(lines)[1])
    try:
        access = detect_formats(source)
        hit = pl.Series([False] * len(lines), dtype=pl.Boolean)
        for fmt in access:
            hit = hit | lines.str.contains(fmt.pattern(set()))
        scores["access"] = float(hit.mean() or 0.0) if len(lines) else 0.0
    except FormatError:
        scores["access"] = 0.0
    return scores


def detect_kind(source: Source | str | os.PathLike) -> str:
    """Which kind of log ``source`` is (one of :data:`mkslog.kinds.KINDS`), from a sample of its lines.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "m.log")
    >>> _ = open(p, "w").write("2026-11-18 14:05:00,CPU:12.5,Memory:40.1,Disk:63\\n")
    >>> detect_kind(p)
    'metrics'
    """
    if not isinstance(source, Source):
        source = Source(os.fspath(source))
    lines = sample_lines(source)
    if lines.is_empty():
        raise FormatError(f"{source.name} has no lines to tell its kind from: give kind= "
                          f"(one of {', '.join(KINDS)})")
    scores = kind_scores(source, lines)
    best = max(_KIND_ORDER, key=lambda k: (scores[k], -_KIND_ORDER.index(k)))
    if scores[best] == 0 and _fraction(lines, _ACCESS_HINT) >= 0.5:
        return "access"  # an access log in a custom format: frame.scan says which format came closest
    if scores[best] == 0:
        first = lines[0][:300]
        raise FormatError(
            f"cannot tell what kind of log {source.name} is; its first line is:\n  {first}\n"
            f"give kind= (one of {', '.join(KINDS)})"
        )
    return best
