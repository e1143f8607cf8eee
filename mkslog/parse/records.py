"""The logs besides the access logs, as records: nginx and gunicorn error logs, the application
log, and the health, metrics and backup logs. Multi-line records (Python tracebacks, nginx FastCGI
stderr dumps, gunicorn config dumps) stay whole.

Kinds and their columns (every frame ends with ``source`` (format name), ``file``, ``line_no``):

- ``app`` (a Python ``logging`` format, :mod:`mkslog.formats.pylogging`): ``ts``, ``utc_offset``
  (with an asctime that may carry one), ``level``,
  ``logger``, ``message`` always, then the format's further attributes (``module``, ``func``,
  ``lineno``, ``pid``, ``thread``, ``thread_name``, ``filename``, ``pathname`` ...), then the
  multi-line columns.
- ``nginx-error``: ``ts``, ``level`` (upper-cased: ``ERROR``, ``WARN``, ``CRIT`` ...), ``pid``,
  ``tid``, ``cid`` (Int64, null without ``*cid``), ``message``, ``client``, ``server``,
  ``request``, ``upstream``, ``host``, ``referrer`` (null when absent or empty; taken from the
  last line when a multi-line message pushed them there), then the multi-line columns.
- ``gunicorn-error``: ``ts``, ``utc_offset`` (Int16 minutes), ``level``, ``pid``, ``message``,
  ``event`` (``worker_timeout``, ``worker_boot``, ``worker_exit``, ``start``, ``listening``,
  ``shutdown``, ``signal``, ``exception`` (also ``Error handling request``), ``other``),
  ``worker_pid`` (of the worker_* events), then the multi-line columns.
- multi-line columns: ``detail`` (the continuation lines joined with ``\\n``, null if none),
  ``exc_type`` and ``exc_message`` (the ``Type: message`` line that ends the last
  ``Traceback (most recent call last):`` block, so the last of chained exceptions), ``orphan``
  (Boolean), ``partial`` (Boolean: the first line starts a record, with the format's timestamp,
  but misses a later field; it keeps the fields it has), ``n_lines`` (Int64, lines spanned).
- ``health``: ``ts``, ``ok`` (Boolean), ``status`` (``OK``/``ERROR``), ``message``, ``reason``
  (the text in the trailing parentheses), ``status_code`` (UInt16), ``elapsed_ms`` (Float64).
- ``metrics``: ``ts``, ``cpu``, ``memory``, ``disk`` (Float64 percent).
- ``backup``: ``ts``, ``level`` (``ERROR`` for ``ERROR: ...`` messages, else ``INFO``),
  ``message``, ``backup_kind`` (daily, weekly, monthly, manual), ``event`` (``start``, ``data``,
  ``config``, ``database``, ``completed``, ``failed``, ``verified``, ``verify_failed``,
  ``removed``, ``restored``, ``other``), ``path``, ``target`` (of a restore), ``size_bytes``
  (Int64; ``(12M)``-style sizes count in powers of 1024), ``reason`` (of a failure).

``ts`` is always ``Datetime("us", "UTC")``. Timestamps without an offset (``asctime``, the nginx
error log, health, metrics, backup) are local times of the *source timezone*: the ``source_tz``
argument, else ``source_timezone`` in mkslog.toml (default: the machine's zone). In a DST fold the
earlier instant is taken; a time inside a DST gap becomes null. gunicorn's stamps carry their
offset.

How records are formed, vectorised: every line is tested against the format's record-start regex
(``str.contains``); a cumulative sum of that flag numbers the records; the continuation lines are
grouped by record number (``group_by(maintain_order=True)``) and joined onto the first lines. The
last record of a chunk may continue in the next one, so it is carried over and completed there.
Lines before the first record of a file (a log that rotated mid-traceback) are never dropped:
they become a record of their own with ``orphan = True``, ``message`` its first line and
``level`` null. A record of more than :data:`MAX_RECORD_LINES` lines is cut there (memory stays
bounded); its rest continues as an orphan record.

Multi-line kinds have no rejects: every line starts a record or continues one. For the
single-line kinds (health, metrics, backup) a line that does not match is a reject with a reason.
Either way ``parsed + rejected == lines``. Lines are parsed as written: colour codes (``ESC[37m``)
before the leading fields of an app line are skipped, escapes in the text are kept. When a file
gives far fewer record starts than lines that begin with a timestamp, or an orphan record covers
most of it, :attr:`ParseStats.warnings <mkslog.parse.access.ParseStats.warnings>` says so.

>>> import tempfile, os
>>> p = os.path.join(tempfile.mkdtemp(), "app.log")
>>> _ = open(p, "w").write("2026-11-18 14:05:00,123 ERROR app.api: boom\\nTraceback (most recent call last):\\n"
...                        '  File "a.py", line 1, in f\\nKeyError: \\'x\\'\\n')
>>> df = read_records(p, "app", "mks", source_tz="Asia/Tokyo")
>>> df.select("ts", "level", "exc_type", "n_lines").row(0)
(datetime.datetime(2026, 11, 18, 5, 5, 0, 123000, tzinfo=zoneinfo.ZoneInfo(key='UTC')), 'ERROR', 'KeyError', 4)
"""

from __future__ import annotations

import os
import re
import zoneinfo
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import TypeVar

import polars as pl

from ..config import Config, load_config
from ..errors import ConfigError, FormatError, LogFileError
from ..formats.fixed import FIXED, RecordFormat
from ..formats.infer import infer_logging_format
from ..formats.pylogging import NAMED as LOGGING_NAMED
from ..formats.pylogging import PyLogFormat, compile_logging
from ..iosource import lazy_frame
from ..sources import DEFAULT_CHUNK, Chunk, ChunkReader, Source, expand
from .access import REJECT_SCHEMA, TAIL_SCHEMA, ParseStats
from .lines import split_lines

#: The record kinds this module reads (``access`` is read by :mod:`mkslog.frame`).
KINDS = ("nginx-error", "gunicorn-error", "app", "health", "metrics", "backup")
ALL_KINDS = ("access", *KINDS)
#: Columns of the multi-line kinds, after the format's own columns.
MULTILINE_SCHEMA: dict[str, pl.DataType] = {
    "detail": pl.String, "exc_type": pl.String, "exc_message": pl.String, "orphan": pl.Boolean,
    "partial": pl.Boolean, "n_lines": pl.Int64,
}
MAX_RECORD_LINES = 100_000
TRACEBACK = "Traceback (most recent call last):"
# A traceback block: its header, its indented frame lines, then its first unindented line, which
# is the exception ("Type: message" or a bare "Type"). Text after the block ("Call stack:",
# "Arguments: (462, 1)" of a --- Logging error --- dump) is not the exception.
_TB_BLOCK = r"Traceback \(most recent call last\):\n(?:[ \t][^\n]*\n)*[^\n]*"
_EXC_LINE = r"([A-Za-z_][A-Za-z0-9_.]*)(?:: (.*))?$"
#: A line that begins with a timestamp, in any common layout (after colour codes): counted per
#: file to warn when far fewer lines start records (a format or datefmt that does not fit).
TS_PREFIX = r"^(?:\x1b\[[0-9;]*m)*\[?[0-9]{4}[-/][0-9]{2}[-/][0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}"

PathsLike = str | os.PathLike | Iterable[str | os.PathLike] | None
T = TypeVar("T")


# --------------------------------------------------------------------------------------------
# formats and schemas


def record_format(kind: str, format: str | PyLogFormat | RecordFormat | None = None,
                  datefmt: str | None = None) -> RecordFormat:
    """The :class:`RecordFormat` of ``kind``; for ``app``, of the given logging format (named or a
    format string, default ``mks``)."""
    if isinstance(format, RecordFormat):
        return format
    if format is not None and not isinstance(format, str | PyLogFormat):
        raise FormatError(f"a {type(format).__name__} ({getattr(format, 'name', '?')}) is not a format of "
                          f"{kind} logs: give a logging format string or a named format")
    if kind == "app":
        if isinstance(format, PyLogFormat):
            return format.record_format()
        return compile_logging(format or "mks", datefmt=datefmt or None).record_format()
    if kind not in FIXED:
        raise FormatError(f"unknown log kind {kind!r}: use one of {', '.join(ALL_KINDS)}")
    if format not in (None, "", kind):
        raise FormatError(
            f"the {kind} log has a fixed layout ({FIXED[kind].expect}); format= applies to the access "
            "and app kinds only"
        )
    return FIXED[kind]


def schema_of(formats: Iterable[RecordFormat]) -> dict[str, pl.DataType]:
    """The frame schema of records of ``formats`` (one kind): their columns, the multi-line
    columns for multi-line kinds, then source/file/line_no."""
    formats = list(formats)
    schema: dict[str, pl.DataType] = {}
    for rf in formats:
        for name, dtype in rf.schema.items():
            schema.setdefault(name, dtype)
    if any(rf.multiline for rf in formats):
        schema.update(MULTILINE_SCHEMA)
    schema.update(TAIL_SCHEMA)
    return schema


def kind_schema(kind: str, format: str | None = None, datefmt: str | None = None) -> dict[str, pl.DataType]:
    """The schema of one kind (for ``app``: of the given or the ``mks`` format).

    >>> list(kind_schema("metrics"))
    ['ts', 'cpu', 'memory', 'disk', 'source', 'file', 'line_no']
    """
    return schema_of([record_format(kind, format, datefmt)])


# --------------------------------------------------------------------------------------------
# parsing


def _lines(chunk: Chunk) -> tuple[pl.DataFrame, int]:
    series, invalid = split_lines(chunk.data)  # as written: escapes are kept (presenters make them inert)
    frame = pl.DataFrame({"line": series}).with_columns(
        (pl.int_range(pl.len(), dtype=pl.Int64) + chunk.first_line).alias("line_no")
    )
    return frame.select("line_no", "line"), invalid


def _typed(frame: pl.DataFrame, rf: RecordFormat, source_tz: str, extra: list[pl.Expr]) -> pl.DataFrame:
    """The typed columns of ``rf`` from the lines in ``frame`` (nulls where a line does not match),
    plus the ``extra`` expressions over ``frame``'s own columns and ``__ok`` (the line matched)."""
    if rf.rest is None:
        matched = frame.with_columns(pl.col("line").str.extract_groups(rf.pattern).alias("__m")).unnest("__m")
        first = min(re.compile(rf.pattern).groupindex.items(), key=lambda kv: kv[1])[0]
        ok = pl.col(first).is_not_null()
    else:  # the pattern covers the line up to its last field, which is the rest of the line
        pattern = "^(?P<__pre>" + rf.pattern.removeprefix("^") + ")"
        matched = frame.with_columns(pl.col("line").str.extract_groups(pattern).alias("__m")).unnest("__m")
        pre = pl.col("__pre")
        matched = matched.with_columns(
            pl.when(pre.is_not_null()).then(pl.col("line").str.slice(pre.str.len_chars())).alias(rf.rest)
        )
        ok = pre.is_not_null()
    matched = matched.with_columns(ok.alias("__ok"))
    if rf.partial is not None:
        matched = _fill_partial(matched, rf.partial)
    return matched.select(*rf.convert(source_tz), *extra, "__ok")


def _fill_partial(matched: pl.DataFrame, regex: str) -> pl.DataFrame:
    """Fill the columns of lines that did not match (``__ok`` false) from the groups of
    ``regex``; only those lines are searched (they are few)."""
    names = list(re.compile(regex).groupindex)
    matched = matched.with_columns(pl.lit(None, pl.String).alias(n) for n in names if n not in matched.columns)
    bad = matched.with_row_index("__i").filter(~pl.col("__ok")).select("__i", "line")
    if bad.is_empty():
        return matched
    filled = bad.select("__i", pl.col("line").str.extract_groups(regex).alias("__f")).unnest("__f")
    return matched.with_row_index("__i").update(filled, on="__i").sort("__i").drop("__i")


def _multiline_records(frame: pl.DataFrame, rf: RecordFormat, source_tz: str) -> pl.DataFrame:
    """Records from lines (line_no, line, start) whose first line starts a record (or is an orphan)."""
    head = pl.col("start") | (pl.int_range(pl.len()) == 0)
    flagged = frame.with_columns(head.alias("__head")).with_columns(pl.col("__head").cum_sum().alias("__rid"))
    heads = flagged.filter(pl.col("__head")).select("__rid", "line_no", "line", (~pl.col("start")).alias("orphan"))
    conts = flagged.filter(~pl.col("__head"))
    if len(conts):
        agg = conts.group_by("__rid", maintain_order=True).agg(
            pl.col("line").str.join("\n").alias("detail"),
            pl.len().cast(pl.Int64).alias("__n"),
            pl.col("line").last().alias("__last"),
        )
        recs = heads.join(agg, on="__rid", how="left", maintain_order="left")
    else:
        recs = heads.with_columns(pl.lit(None, pl.String).alias("detail"), pl.lit(None, pl.Int64).alias("__n"),
                                  pl.lit(None, pl.String).alias("__last"))
    typed = _typed(recs, rf, source_tz, [pl.col("line_no"), pl.col("line").alias("__line"), pl.col("orphan"),
                                         pl.col("detail"), pl.col("__n"), pl.col("__last")])
    fixes: list[pl.Expr] = [pl.coalesce(pl.col("message"), pl.col("__line")).alias("message")]
    if rf.tail:
        tail = pl.col("__last").str.extract_groups(rf.tail)
        for name in re.compile(rf.tail).groupindex:
            value = tail.struct.field(name)
            value = pl.when(value.is_in(["", "-"])).then(None).otherwise(value)
            fixes.append(pl.coalesce(pl.col(name), value).alias(name))
    # the traceback may begin on the first line (logger.exception's message is often the header);
    # prepend the header then, rather than copying every first line into the searched text
    header = pl.col("__line").str.contains(TRACEBACK, literal=True)
    text = pl.concat_str(pl.when(header).then(pl.lit(TRACEBACK)), pl.col("detail"), separator="\n",
                         ignore_nulls=True)
    # the last block of chained tracebacks; its exception line, not text after the block
    block_end = text.str.extract_all(_TB_BLOCK).list.last().str.extract(r"([^\n]*)$")
    exc = block_end.str.extract_groups(rf"^{_EXC_LINE}")
    typed = typed.with_columns(fixes).with_columns(
        exc.struct.field("1").alias("exc_type"),
        exc.struct.field("2").alias("exc_message"),
        (~pl.col("orphan") & ~pl.col("__ok")).alias("partial"),
        (pl.col("__n").fill_null(0) + 1).alias("n_lines"),
    )
    return typed


def _conform(frame: pl.DataFrame, schema: dict, name: str, file: str) -> pl.DataFrame:
    exprs = []
    for col, dtype in schema.items():
        if col == "file":
            exprs.append(pl.lit(file, pl.String).alias("file"))
        elif col == "source":
            exprs.append(pl.lit(name, pl.String).alias("source"))
        elif col in frame.columns:
            exprs.append(pl.col(col).cast(dtype))
        else:
            exprs.append(pl.lit(None, dtype).alias(col))
    return frame.select(exprs)


def _finish(frame: pl.DataFrame, *, schema: dict, rf: RecordFormat, file: str, columns: list[str] | None,
            predicate: pl.Expr | None) -> pl.DataFrame:
    out = _conform(frame, schema, rf.name, file)
    if predicate is not None:
        out = out.filter(predicate)
    if columns is not None:
        out = out.select(columns)
    return out


def _ahead(pool: ThreadPoolExecutor, tasks: Iterable[Callable[[], T]], depth: int) -> Iterator[T]:
    """Results of ``tasks`` in order, with up to ``depth`` of them running ahead in ``pool``."""
    pending: deque[Future] = deque()
    for task in tasks:
        pending.append(pool.submit(task))
        while len(pending) > depth:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _starts(chunk: Chunk, rf: RecordFormat) -> tuple[pl.DataFrame, int, int, pl.DataFrame]:
    """The chunk's lines with their ``start`` flag, and the lines that begin with a timestamp
    yet start no record (line_no, line; for the warning of :func:`_check_starts`)."""
    lines, invalid = _lines(chunk)
    flagged = lines.with_columns(pl.col("line").str.contains(rf.start).alias("start"))
    missed = flagged.filter(~pl.col("start") & pl.col("line").str.contains(TS_PREFIX)).select("line_no", "line")
    return flagged, invalid, len(chunk.data), missed


def _check_starts(stats: ParseStats, name: str, rf: RecordFormat, *, lines: int, starts: int,
                  missed: int, first_missed: tuple[int, str] | None, orphan_lines: int) -> None:
    """Warn when the format evidently does not fit: far fewer record starts than lines that
    begin with a timestamp, or one orphan record covering most of the file. Both would
    otherwise give plausible-looking frames (few huge records, null timestamps)."""
    hint = ("give the format (format=/--log-format) and its datefmt" if rf.kind == "app"
            else "check that the file is a " + rf.kind + " log (kind=/--kind)")
    if missed > 3 and starts < missed:
        line_no, text = first_missed or (0, "")
        stats.warn(name, f"{missed} lines begin with a timestamp but start no record of format '{rf.name}' "
                         f"({starts} do); they are joined onto the record above. First, line {line_no}: "
                         f"{text[:200]!r}; {hint}")
    if orphan_lines > 3 and orphan_lines * 2 > lines:
        stats.warn(name, f"{orphan_lines} of {lines} lines come before any line that starts a record of "
                         f"format '{rf.name}' (one orphan record); {hint}")


def _multiline_tasks(chunks: Iterable[Chunk], name: str, rf: RecordFormat, stats: ParseStats,
                     pool: ThreadPoolExecutor, depth: int, *, source_tz: str, max_record_lines: int,
                     finish: Callable[[pl.DataFrame], pl.DataFrame]) -> Iterator[Callable[[], pl.DataFrame]]:
    """Tasks building the records of one file's ``chunks``, in order. Record starts are found
    ahead in the pool; here only the boundaries are cut: a chunk's last record waits for the next."""
    carry: pl.DataFrame | None = None
    empty_rejects = pl.DataFrame(schema=REJECT_SCHEMA)

    def build(frame: pl.DataFrame) -> Callable[[], pl.DataFrame]:
        return lambda: finish(_multiline_records(frame, rf, source_tz))

    counts = {"lines": 0, "starts": 0, "missed": 0, "orphan_lines": 0}
    first_missed: tuple[int, str] | None = None
    for lines, invalid, nbytes, missed in _ahead(pool, (partial(_starts, c, rf) for c in chunks), depth):
        stats.add(name, lines=len(lines), parsed=len(lines), invalid_utf8=invalid, nbytes=nbytes,
                  rejects=empty_rejects)
        n_starts = int(lines.get_column("start").sum())
        if counts["starts"] == 0:  # still before the first record: these lines are the orphan record
            first = lines.get_column("start").arg_true()
            counts["orphan_lines"] += int(first[0]) if len(first) else len(lines)
        counts["lines"] += len(lines)
        counts["starts"] += n_starts
        counts["missed"] += len(missed)
        if first_missed is None and len(missed):
            first_missed = missed.row(0)
        frame = pl.concat([carry, lines]) if carry is not None else lines
        starts = frame.get_column("start").arg_true()
        last = int(starts[-1]) if len(starts) else 0
        if len(frame) - last > max_record_lines:
            last = len(frame)  # cut an endless record; the rest continues as an orphan record
        if last > 0:
            yield build(frame.slice(0, last))
        carry = frame.slice(last) if last < len(frame) else None
    if carry is not None and len(carry):
        yield build(carry)
    _check_starts(stats, name, rf, first_missed=first_missed, **counts)


def _single_chunk(chunk: Chunk, rf: RecordFormat, stats: ParseStats, name: str, source_tz: str) -> pl.DataFrame:
    lines, invalid = _lines(chunk)
    typed = _typed(lines, rf, source_tz, [pl.col("line_no"), pl.col("line").alias("__line")])
    ok = pl.col("__ok") & pl.col("ts").is_not_null()
    good, bad = typed.filter(ok), typed.filter(~ok)
    line = pl.col("__line")
    reason = (
        pl.when(line == "").then(pl.lit("empty line"))
        .when(~line.str.contains(rf.start)).then(pl.lit(f"not a {rf.kind} line: expected {rf.expect}"))
        .when(~pl.col("__ok")).then(pl.lit(f"malformed {rf.kind} line: expected {rf.expect}"))
        .otherwise(pl.lit(f"invalid timestamp (no such time in {source_tz})"))
    )
    rejects = bad.select(pl.lit(name, pl.String).alias("file"), "line_no", line.alias("line"), reason.alias("reason"))
    stats.add(name, lines=len(lines), parsed=len(good), invalid_utf8=invalid, nbytes=len(chunk.data),
              rejects=rejects)
    return good


def _single_tasks(chunks: Iterable[Chunk], name: str, rf: RecordFormat, stats: ParseStats, *, source_tz: str,
                  finish: Callable[[pl.DataFrame], pl.DataFrame]) -> Iterator[Callable[[], pl.DataFrame]]:
    for chunk in chunks:
        yield lambda chunk=chunk: finish(_single_chunk(chunk, rf, stats, name, source_tz))


def parse_record_batches(plan: list[tuple[Source | tuple[str, Iterable[Chunk]], RecordFormat]],
                         stats: ParseStats | None = None, *,
                         source_tz: str = "UTC", chunk_size: int = DEFAULT_CHUNK,
                         columns: Iterable[str] | None = None, predicate: pl.Expr | None = None,
                         max_record_lines: int = MAX_RECORD_LINES, workers: int = 2) -> Iterator[pl.DataFrame]:
    """Typed record batches of each (source, format), in file and line order. Up to ``workers``
    chunks are worked on at once (polars releases the GIL). A source may also be given as
    (name, chunks)."""
    stats = stats if stats is not None else ParseStats()
    schema = schema_of(rf for _, rf in plan)
    cols = None if columns is None else [c for c in schema if c in set(columns)]
    depth = max(1, workers)

    def tasks(pool: ThreadPoolExecutor) -> Iterator[Callable[[], pl.DataFrame]]:
        for source, rf in plan:
            if isinstance(source, Source):
                name, reader = source.name, ChunkReader(source, chunk_size=chunk_size)
                chunks: Iterable[Chunk] = reader
            else:
                (name, chunks), reader = source, None
            stats.reset(name)
            stats.file(name, rf.name)
            if rf.extra.get("warning"):
                stats.warn(name, rf.extra["warning"])
            finish = partial(_finish, schema=schema, rf=rf, file=name, columns=cols, predicate=predicate)
            if rf.multiline:
                yield from _multiline_tasks(chunks, name, rf, stats, pool, depth, source_tz=source_tz,
                                            max_record_lines=max_record_lines, finish=finish)
            else:
                yield from _single_tasks(chunks, name, rf, stats, source_tz=source_tz, finish=finish)
            if reader is not None and reader.error:
                stats.file(name).error = reader.error

    # one pool for both stages: finding record starts (ahead) and building records
    with ThreadPoolExecutor(max_workers=depth) as pool:
        yield from _ahead(pool, tasks(pool), depth)


# --------------------------------------------------------------------------------------------
# detection


def _sample(source: Source) -> pl.Series:
    from .detect import sample_lines

    return sample_lines(source)


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
    lines = _sample(source)
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
_KIND_ORDER = ("health", "metrics", "gunicorn-error", "nginx-error", "access", "app", "backup")


def kind_scores(source: Source, lines: pl.Series | None = None) -> dict[str, float]:
    """For each kind, the fraction of sample lines (default: the first of ``source``) that start
    a record of it."""
    from .detect import detect_formats

    lines = _sample(source) if lines is None else lines
    scores = {kind: _fraction(lines, FIXED[kind].start) for kind in FIXED}
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
    """Which kind of log ``source`` is (one of :data:`ALL_KINDS`), from a sample of its lines.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "m.log")
    >>> _ = open(p, "w").write("2026-11-18 14:05:00,CPU:12.5,Memory:40.1,Disk:63\\n")
    >>> detect_kind(p)
    'metrics'
    """
    if not isinstance(source, Source):
        source = Source(os.fspath(source))
    lines = _sample(source)
    if lines.is_empty():
        raise FormatError(f"{source.name} has no lines to tell its kind from: give kind= "
                          f"(one of {', '.join(ALL_KINDS)})")
    scores = kind_scores(source, lines)
    best = max(_KIND_ORDER, key=lambda k: (scores[k], -_KIND_ORDER.index(k)))
    if scores[best] == 0 and _fraction(lines, _ACCESS_HINT) >= 0.5:
        return "access"  # an access log in a custom format: frame.scan says which format came closest
    if scores[best] == 0:
        first = lines[0][:300]
        raise FormatError(
            f"cannot tell what kind of log {source.name} is; its first line is:\n  {first}\n"
            f"give kind= (one of {', '.join(ALL_KINDS)})"
        )
    return best


# --------------------------------------------------------------------------------------------
# scan / read


def _config(config) -> Config:
    return config if isinstance(config, Config) else load_config(config)


def check_timezone(tz: str) -> str:
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"unknown timezone {tz!r}: give an IANA name such as Asia/Tokyo or UTC") from None
    return tz


def resolve_records(paths: PathsLike, kind: str | None, format=None, datefmt: str | None = None,
                    config=None) -> tuple[str, list[tuple[Source, RecordFormat]]]:
    """The kind and, per source, its record format. ``paths=None`` reads the configured paths,
    format and datefmt of ``kind`` (``[logs.<kind with _>]`` in mkslog.toml). ``kind=None``
    detects it (all files must be of one kind). Returns kind ``access`` with an empty plan when
    the files are access logs."""
    if kind is not None and kind not in ALL_KINDS:
        raise FormatError(f"unknown log kind {kind!r}: use one of {', '.join(ALL_KINDS)}")
    if paths is None:
        if kind is None:
            raise FormatError("give kind= (or paths) to read configured logs: there is one set of paths per kind")
        cfg = _config(config)
        key = kind.replace("-", "_")
        format = format or cfg.get(f"logs.{key}.format") or None
        datefmt = datefmt or cfg.get(f"logs.{key}.datefmt") or None
        try:
            sources = expand(cfg.log_paths(key))
        except LogFileError as exc:
            raise LogFileError(
                f"{exc} - these are the configured {kind} log paths; pass log files as arguments "
                f"or set [logs.{key}] paths in mkslog.toml (see `mkslog config`)"
            ) from None
    else:
        sources = expand(paths)
    if kind is None:
        found = {s.name: detect_kind(s) for s in sources}
        kinds = sorted(set(found.values()))
        if len(kinds) > 1:
            detail = ", ".join(f"{name}: {k}" for name, k in found.items())
            raise FormatError(f"the files hold different kinds of log ({detail}); read each kind separately")
        kind = kinds[0]
    if kind == "access":
        return kind, []
    if kind == "app" and format is None:
        return kind, [(s, detect_app_format(s, datefmt).record_format()) for s in sources]
    rf = record_format(kind, format, datefmt)
    return kind, [(s, rf) for s in sources]


def scan_records(
    paths: PathsLike = None,
    kind: str | None = None,
    format: str | PyLogFormat | RecordFormat | None = None,
    *,
    datefmt: str | None = None,
    source_tz: str | None = None,
    stats: ParseStats | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    config=None,
    tz: str | None = None,
) -> pl.LazyFrame:
    """A LazyFrame of the records of ``kind`` logs (see the module docstring for each schema).

    ``format``: for ``app``, a named logging format (``mks``, ``flask``, ``dashed``, ``logging``)
    or a logging format string (with ``datefmt``); None autodetects among the named ones. The
    other kinds have fixed layouts. ``kind=None`` detects the kind (access logs are handed to
    :func:`mkslog.frame.scan`). ``source_tz``: timezone of timestamps without offset (default:
    ``source_timezone`` of the config). ``tz`` converts ``ts`` for display.
    """
    kind, plan = resolve_records(paths, kind, format, datefmt, config)
    if kind == "access":
        from ..frame import scan

        return scan(paths, None if isinstance(format, RecordFormat | PyLogFormat) else format, kind="access",
                    config=config, stats=stats, chunk_size=chunk_size, tz=tz)
    if source_tz is None:
        source_tz = _config(config).get("source_timezone") or "UTC"
    check_timezone(source_tz)
    schema = schema_of(rf for _, rf in plan)
    stats = stats if stats is not None else ParseStats()

    def batches(columns, predicate) -> Iterator[pl.DataFrame]:
        return parse_record_batches(plan, stats, source_tz=source_tz, chunk_size=chunk_size,
                                    columns=columns, predicate=predicate)

    return lazy_frame(batches, schema, name=f"mkslog-{kind}", detail=", ".join(s.name for s, _ in plan[:3]),
                      tz=check_timezone(tz) if tz else None)


def read_records(paths: PathsLike = None, kind: str | None = None, format=None, **kwargs) -> pl.DataFrame:
    """Like :func:`scan_records`, collected."""
    return scan_records(paths, kind, format, **kwargs).collect(engine="streaming")


def parse_text(text: str | bytes, kind: str, format=None, *, datefmt: str | None = None, source_tz: str = "UTC",
               stats: ParseStats | None = None, name: str = "<text>", chunk_size: int | None = None,
               max_record_lines: int = MAX_RECORD_LINES) -> pl.DataFrame:
    """Records of ``kind`` from log text in memory (tests, notebooks, snippets), through the same
    code as files; ``chunk_size`` splits the text into chunks at line ends like the file reader.

    >>> parse_text("2026-11-18 14:05:00,CPU:12.5,Memory:40.1,Disk:63\\n", "metrics").select("cpu", "disk").row(0)
    (12.5, 63.0)
    """
    data = text.encode("utf-8") if isinstance(text, str) else text
    rf = record_format(kind, format, datefmt)
    batches = parse_record_batches([((name, _split(data, chunk_size)), rf)], stats, source_tz=check_timezone(source_tz),
                                   max_record_lines=max_record_lines)
    frames = list(batches)
    return pl.concat(frames) if frames else pl.DataFrame(schema=schema_of([rf]))


def _split(data: bytes, chunk_size: int | None) -> Iterator[Chunk]:
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


__all__ = ["KINDS", "ALL_KINDS", "scan_records", "read_records", "parse_text", "detect_kind", "detect_app_format",
           "kind_schema", "record_format", "parse_record_batches"]
