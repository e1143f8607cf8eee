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
pipeline (:mod:`mkslog.parse.pipeline`) hands over chunks of whole records, so each chunk is
parsed on its own.
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
>>> from mkslog.parse.pipeline import parse_file
>>> df = parse_file(p, "app", "mks", source_tz="Asia/Tokyo")
>>> df.select("ts", "level", "exc_type", "n_lines").row(0)
(datetime.datetime(2026, 11, 18, 5, 5, 0, 123000, tzinfo=zoneinfo.ZoneInfo(key='UTC')), 'ERROR', 'KeyError', 4)
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import polars as pl

from ..errors import FormatError
from ..formats.fixed import RecordFormat
from ..formats.journal import RECORD_FORMATS as FIXED
from ..formats.linematch import contains
from ..formats.pylogging import PyLogFormat, compile_logging
from ..kinds import KINDS
from ..lineblocks import has_byte
from ..sources import Chunk
from .lines import numbered_lines
from .prefilter import holds_any, text_filters
from .starts import colourless_format, count_starts, header_cut_of, record_starts
from .stats import REJECT_SCHEMA, TAIL_SCHEMA, ParseStats
from .tracebacks import with_exception_columns

#: Columns of the multi-line kinds, after the format's own columns.
MULTILINE_SCHEMA: dict[str, pl.DataType] = {
    "detail": pl.String, "exc_type": pl.String, "exc_message": pl.String, "orphan": pl.Boolean,
    "partial": pl.Boolean, "n_lines": pl.Int64,
}
MAX_RECORD_LINES = 100_000



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
        raise FormatError(f"unknown log kind {kind!r}: use one of {', '.join(KINDS)}")
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


def _typed(frame: pl.DataFrame, rf: RecordFormat, source_tz: str, extra: list[pl.Expr],
           columns: list[str] | None = None) -> pl.DataFrame:
    """The typed columns of ``rf`` from the lines in ``frame`` (nulls where a line does not match),
    plus the ``extra`` expressions over ``frame``'s own columns and ``__ok`` (the line matched).
    ``columns``: convert only these (and what records need: ts, message, tail fields); None: all."""
    cut = header_cut_of(rf)
    vouched = frame.get_column("__vouched") if "__vouched" in frame.columns else None
    if cut is not None and (vouched.all() if vouched is not None else contains(frame.get_column("line"), cut.pattern).all()):
        # every first line's header vouched for: cut at its spaces, not captured (a third of the cost)
        matched, ok = cut.take(frame), pl.lit(True)
    elif rf.rest is None:
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
    if rf.partial is not None:  # also gives a cut chunk the (null) columns of partial lines
        matched = _fill_partial(matched, rf.partial)
    converters = rf.specialize(matched, source_tz) if rf.specialize is not None else None
    if converters is None:
        converters = rf.convert(source_tz)
    if columns is not None:
        keep = set(columns) | {"ts", "message"} | (set(re.compile(rf.tail).groupindex) if rf.tail else set())
        converters = [e for e in converters if e.meta.output_name() in keep]
    # lazily, for common-subexpression elimination across a converter's outputs (ts and utc_offset)
    return matched.lazy().select(*converters, *extra, "__ok").collect()


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


#: The columns that need a record's continuation lines; a query that reads none of them (``errors``
#: counts ts and level) is answered from the first lines alone, without gluing the rest on.
NEEDS_CONTINUATION = frozenset({"detail", "exc_type", "exc_message", "n_lines"})


def _multiline_records(frame: pl.DataFrame, rf: RecordFormat, source_tz: str,
                       columns: list[str] | None = None, predicate: pl.Expr | None = None) -> pl.DataFrame:
    """Records from lines (line_no, line, start) whose first line starts a record (or is an orphan).
    ``columns``: the columns asked for (None: all); the continuation lines are glued on only when
    one of them needs it. ``predicate``: the query's filter (still applied after); records whose
    first line cannot pass it (:mod:`mkslog.parse.prefilter`) are dropped before any parsing."""
    head = pl.col("start") | (pl.int_range(pl.len()) == 0)
    flagged = frame.with_columns(head.alias("__head")).with_columns(pl.col("__head").cum_sum().alias("__rid"))
    searches = text_filters(predicate, rf.vocabulary, rf.verbatim)
    keep = pl.col("__head")
    for words in searches:
        keep = keep & holds_any(pl.col("line"), words)
    vouched = ["__vouched"] if "__vouched" in flagged.columns else []
    heads = flagged.filter(keep).select("__rid", "line_no", "line", (~pl.col("start")).alias("orphan"), *vouched)
    conts = flagged.filter(~pl.col("__head"))
    if searches:  # the first lines that may pass are few: not every first line is copied
        conts = conts.filter(pl.col("__rid").is_in(heads.get_column("__rid").implode()))
    tail_columns = set(re.compile(rf.tail).groupindex) if rf.tail else set()
    glue = columns is None or bool(set(columns) & (NEEDS_CONTINUATION | tail_columns))
    if len(conts) and glue:
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
                                         pl.col("detail"), pl.col("__n"), pl.col("__last")], columns)
    wanted = None if columns is None else set(columns)
    fixes: list[pl.Expr] = [pl.coalesce(pl.col("message"), pl.col("__line")).alias("message")]
    if rf.tail:
        tail = pl.col("__last").str.extract_groups(rf.tail)
        for name in re.compile(rf.tail).groupindex:
            value = tail.struct.field(name)
            value = pl.when(value.is_in(["", "-"])).then(None).otherwise(value)
            fixes.append(pl.coalesce(pl.col(name), value).alias(name))
    derived = [(~pl.col("orphan") & ~pl.col("__ok")).alias("partial"),
               (pl.col("__n").fill_null(0) + 1).alias("n_lines")]
    typed = typed.with_columns(fixes).with_columns(derived)
    if wanted is None or wanted & {"exc_type", "exc_message"}:  # searched only when asked for
        typed = with_exception_columns(typed, "__line", "detail")
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


def _single_chunk(chunk: Chunk, rf: RecordFormat, stats: ParseStats, name: str, source_tz: str) -> pl.DataFrame:
    nbytes = chunk.size
    lines, invalid = numbered_lines(chunk)
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
    stats.add(name, lines=len(lines), parsed=len(good), invalid_utf8=invalid, nbytes=nbytes,
              rejects=rejects)
    return good


def _stray_lines(flagged: pl.DataFrame, rf: RecordFormat, file: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A multi-line format with a ``continuation`` regex (in ``extra``: the journal's indented lines)
    continues a record only with lines that match it; any other line that starts no record is a
    reject, not glued onto the entry above. Returns the kept lines and the rejects."""
    continuation = rf.extra.get("continuation")
    if continuation is None:
        return flagged, pl.DataFrame(schema=REJECT_SCHEMA)
    stray = ~pl.col("start") & ~pl.col("line").str.contains(continuation)
    reason = pl.when(pl.col("line") == "").then(pl.lit("empty line")).otherwise(
        pl.lit(f"not a {rf.kind} line: expected {rf.expect}"))
    rejects = flagged.filter(stray).select(pl.lit(file, pl.String).alias("file"), "line_no", "line",
                                           reason.alias("reason"))
    return flagged.filter(~stray), rejects.cast(REJECT_SCHEMA)


def parse_record_chunk(chunk: Chunk, rf: RecordFormat, file: str, stats: ParseStats, *, source_tz: str,
                       schema: dict | None = None, columns: list[str] | None = None,
                       predicate: pl.Expr | None = None) -> pl.DataFrame:
    """The records of one chunk of whole records (see :class:`mkslog.parse.pipeline.WholeRecords`):
    typed rows of ``schema`` (default: ``rf``'s), counts and rejects into ``stats``.

    >>> from mkslog.formats.fixed import FIXED
    >>> st = ParseStats()
    >>> df = parse_record_chunk(Chunk(b"2026-11-18 14:05:00,CPU:12.5,Memory:40.1,Disk:63\\n", 1, 0),
    ...                         FIXED["metrics"], "m.log", st, source_tz="UTC")
    >>> df.select("cpu", "disk").row(0), st.total.parsed
    ((12.5, 63.0), 1)
    """
    schema = schema or schema_of([rf])
    if not any(has_byte(part, 0x1B) for part in (chunk.head, chunk.data, chunk.tail)):
        rf = colourless_format(rf)  # no colour code can be skipped: the regexes walk faster without
    if rf.multiline:
        nbytes = chunk.size
        flagged, invalid = record_starts(chunk, rf)
        flagged, rejects = _stray_lines(flagged, rf, file)
        stats.add(file, lines=len(flagged) + len(rejects), parsed=len(flagged), invalid_utf8=invalid, nbytes=nbytes,
                  rejects=rejects)
        count_starts(flagged, chunk, stats, file)
        if flagged.is_empty():
            return pl.DataFrame(schema={c: schema[c] for c in (columns or schema)})
        # the filter's columns too (polars asks for them, a direct call may not)
        wanted = None if columns is None else [*columns, *(predicate.meta.root_names() if predicate is not None else [])]
        frame = _multiline_records(flagged, rf, source_tz, wanted, predicate)
    else:
        frame = _single_chunk(chunk, rf, stats, file, source_tz)
    return _finish(frame, schema=schema, rf=rf, file=file, columns=columns, predicate=predicate)


__all__ = ["MAX_RECORD_LINES", "MULTILINE_SCHEMA", "kind_schema", "parse_record_chunk", "record_format", "schema_of"]
