"""Chunks of lines + formats -> typed polars frames, rejected lines, and statistics.

Each chunk is parsed with one regex per format, run by polars' Rust engine
(``str.extract_groups``); only the groups the query needs are captured. A line that the first
format rejects is tried with the next one (a file may mix ``combined`` and ``main`` lines), and a
line no format matches becomes a reject with its file, line number, raw text and the field where
it broke. ``parsed + rejected == lines`` for every file, always.

>>> from mkslog.formats import compile_format
>>> from mkslog.sources import Chunk
>>> stats = ParseStats()
>>> ok = parse_chunk(Chunk(b'1.2.3.4 - - [10/Oct/2026:13:55:36 +0900] "GET / HTTP/1.1" 200 5\\nnope\\n', 1, 0),
...                  [compile_format("common")], "x.log", stats)
>>> ok.get_column("remote_addr").to_list(), stats.total.parsed, stats.total.rejected
(['1.2.3.4'], 1, 1)
>>> stats.rejects().get_column("reason").item()
"does not match format 'common': breaks at $remote_addr"
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import polars as pl

from ..formats import LogFormat
from ..formats.linematch import contains
from ..formats.split import SplitPlan, Words, first_word, first_words, split_plan
from ..sources import Chunk
from .lines import split_chunk
from .stats import REJECT_SCHEMA, TAIL_SCHEMA, ParseStats

#: An access line longer than this is a counted reject before any check or cut sees it: nginx's own
#: request and header buffers are kilobytes, and polars' string kernels over one 30 MB line held
#: 0.5-1.7 GB (``summary`` of two such lines peaked at 1.7 GB).
MAX_LINE_BYTES = 1 << 20
#: How many characters of such a line its reject keeps.
KEPT_CHARS = 4096

#: Columns every access frame has, whatever its format (null where the format lacks them).
ACCESS_SCHEMA: dict[str, pl.DataType] = {
    "ts": pl.Datetime("us", "UTC"),
    "utc_offset": pl.Int16,
    "remote_addr": pl.String,
    "remote_user": pl.String,
    "method": pl.String,
    "path": pl.String,
    "query": pl.String,
    "protocol": pl.String,
    "request": pl.String,
    "status": pl.UInt16,
    "bytes_sent": pl.UInt64,
    "referer": pl.String,
    "user_agent": pl.String,
    "request_time": pl.Float64,
    "upstream_response_time": pl.Float64,
}
def frame_schema(formats: Sequence[LogFormat]) -> dict[str, pl.DataType]:
    """The access columns, then any further columns of the formats, then source/file/line_no."""
    schema = dict(ACCESS_SCHEMA)
    for fmt in formats:
        for name, dtype in fmt.schema.items():
            schema.setdefault(name, dtype)
    schema.update(TAIL_SCHEMA)
    return schema


#: (typed rows, lines the format does not match, lines whose date does not exist or None), with line_no
Matched = tuple[pl.DataFrame, pl.DataFrame, "pl.DataFrame | None"]


def _match_format(lines: pl.DataFrame, fmt: LogFormat, needed: set[str] | None, first_line: int) -> Matched:
    """Split ``lines`` into (typed rows of ``fmt``, rows it does not match, rows whose date does not
    exist), all with ``line_no``.

    A line whose timestamp fits the layout but names no real date (29/Feb/2027) is a reject in
    every projection, so top-ips and a full parse count the same lines: the regex of ``$time_local``
    matches only real dates, other layouts' timestamps are converted even when the query does not
    need ``ts`` (converting every timestamp just to check it costs as much as the rest of top-ips)."""
    if needed is not None and "ts" not in needed and fmt.dates_need_converting():
        needed = needed | {"ts"}
    return _match_plain(lines, fmt, needed, first_line)


def _split_rows(lines: pl.DataFrame, flags: pl.Series, first_line: int, when_true: Callable[[pl.DataFrame], Matched],
                when_false: Callable[[pl.DataFrame], Matched]) -> Matched:
    """The lines where ``flags`` holds matched one way, the others another, put back in line order
    (the columns of ``when_false``'s rows)."""
    if "line_no" not in lines.columns:  # numbered before the split: positions change after it
        lines = lines.with_columns((pl.int_range(pl.len(), dtype=pl.Int64) + first_line).alias("line_no"))
    yes, yes_rest, yes_bad = when_true(lines.filter(flags))
    no, no_rest, no_bad = when_false(lines.filter(~flags))
    matched = pl.concat([no, yes.select(no.columns)]).sort("line_no")
    rest = pl.concat([no_rest, yes_rest]).sort("line_no")
    bad = [b for b in (no_bad, yes_bad) if b is not None]
    return matched, rest, pl.concat(bad).sort("line_no") if bad else None


def _match_plain(lines: pl.DataFrame, fmt: LogFormat, needed: set[str] | None, first_line: int) -> Matched:
    """:func:`_match_rows`, with the plain lines cut at their quotes when the fields needed lie
    beyond the start of the line (:mod:`mkslog.formats.split`): one capturing regex over whole
    lines costs three times as much. The others (escaped quotes, rejects) take the regex."""
    fields = fmt.fields_for(needed)
    plan = split_plan(fmt) if fields else None
    if plan is None or fmt.extraction_pattern({f.var for f in fields})[1]:  # a short prefix regex is cheaper
        return _match_rows(lines, fmt, needed, first_line)
    plain = contains(lines.get_column("line"), plan.pattern)
    if plain.all():
        return _match_rows(lines, fmt, needed, first_line, plan=plan)
    return _split_rows(lines, plain, first_line, lambda part: _match_rows(part, fmt, needed, first_line, plan=plan),
                       lambda part: _match_rows(part, fmt, needed, first_line))


def _match_rows(lines: pl.DataFrame, fmt: LogFormat, needed: set[str] | None, first_line: int, *,
                plan: SplitPlan | None = None) -> Matched:
    """:func:`_match_format` for the fields of ``needed``, timestamps converted when ``ts`` is in it.
    With ``plan``, every line is known to be plain and valid (its fields are cut from its parts).

    ``lines`` holds ``line`` and, for a fallback format, ``line_no``. The line numbers are added
    after the regex and the converters have run: a frame whose columns are chunked differently
    is evaluated on one thread, while the split lines alone keep polars on every core."""
    fields = fmt.fields_for(needed)
    capture = {f.var for f in fields}
    # one lazy plan per chunk: each collect costs about 0.2 ms, which at 8 MiB chunks is 8 % of
    # top-ips; and polars' common-subexpression elimination shares a converter's work between its
    # outputs (the request line's split feeds method, path, query and protocol)
    lazy = lines.lazy()
    if not capture:
        typed = _checked(lines, fmt).with_columns(pl.col("__valid").alias("__ok")).collect()
        outputs: list[str] = []
    else:
        first = f"g{fmt.fields.index(fields[0])}"
        ok = pl.col(first).is_not_null()
        pending = fields  # whose temporary columns are still to be prepared by expressions
        if plan is not None:
            taken = plan.take_native(lines, fields)
            if taken is not None:
                taken, pending = fmt.prepare_eagerly(taken, fields)
            lazy = taken.lazy() if taken is not None else plan.take(lazy, fields)
            ok = pl.lit(True)
        elif (leading := _leading_words(fmt, fields)) is not None:
            lazy, valid = _checked(lines, fmt), pl.col("__valid")
            if leading.first_word_only is not None:  # top-ips: no split at all
                words = first_words(lines.get_column("line"))
                word = first_word(pl.col("line")) if words is None else pl.lit(words)
                lazy = lazy.with_columns(pl.when(valid).then(word).alias(first))
            else:
                lazy = lazy.with_columns(leading.cut(pl.col("line")).alias("__w")).with_columns(
                    pl.when("__valid").then(leading.value(pl.col("__w"), f)).alias(f"g{fmt.fields.index(f)}")
                    for f in fields
                ).drop("__w")
        else:
            pattern, validate = fmt.extraction_pattern(capture)
            if len(fields) == 1:  # one group: a plain string result, cheaper than a struct
                extract = pl.col("line").str.extract(pattern, 1)
            else:
                extract = pl.col("line").str.extract_groups(pattern)
            if validate:  # the cheap no-capture match decides; the short regex only extracts
                lazy, extract = _checked(lines, fmt), pl.when(pl.col("__valid")).then(extract)
            lazy = (lazy.with_columns(extract.alias(first)) if len(fields) == 1
                    else lazy.with_columns(extract.alias("__m")).unnest("__m"))
        converters = fmt.converters(fields)
        typed = lazy.with_columns(ok.alias("__ok"), *fmt.prepared(pending)).with_columns(*converters).collect()
        outputs = [e.meta.output_name() for e in converters]
    if "line_no" not in typed.columns:
        typed = typed.with_columns((pl.int_range(pl.len(), dtype=pl.Int64) + first_line).alias("line_no"))
    if "ts" in outputs:  # the layout fits but no such date exists (29/Feb of a non-leap year): a reject
        impossible = typed.filter(pl.col("__ok") & pl.col("ts").is_null()).select(
            "line_no", "line", pl.lit(f"invalid timestamp: no such date or time (format '{fmt.name}')").alias("reason"))
        typed = typed.with_columns(pl.col("__ok") & pl.col("ts").is_not_null())
    else:
        impossible = None
    if typed.get_column("__ok").all():  # the usual case: no filter, which would copy every column
        return typed.select("line_no", *outputs), typed.clear().select("line_no", "line"), impossible
    matched = typed.filter("__ok").select("line_no", *outputs)
    unmatched = typed.filter(~pl.col("__ok"))
    if impossible is not None and len(impossible):
        unmatched = unmatched.join(impossible.select("line_no"), on="line_no", how="anti")
    return matched, unmatched.select("line_no", "line"), impossible


def _checked(lines: pl.DataFrame, fmt: LogFormat) -> pl.LazyFrame:
    """``lines`` with ``__valid``: whether each matches the whole format, by the C loop where it can
    (:mod:`mkslog.formats.linematch`: twice as fast as polars' regex, which answers otherwise)."""
    return lines.with_columns(contains(lines.get_column("line"), fmt.pattern(set())).alias("__valid")).lazy()


def _leading_words(fmt: LogFormat, fields: list) -> Words | None:
    """The words that give ``fields`` when they lead the line (top-ips' address), else None."""
    plan = split_plan(fmt)
    if plan is None or not fmt.extraction_pattern({f.var for f in fields})[1]:
        return None
    return plan.leading_words(fields)


def _depth(fmt: LogFormat) -> pl.Expr:
    """How many of ``fmt``'s fields a line matches from the start, each together with the literal
    that follows it: a field counts only when the text after it agrees too (``200`` of a status
    ``2000`` does not)."""
    ends = [i + 2 for i, p in enumerate(fmt.pieces) if not isinstance(p, str)]
    if not ends:
        return pl.lit(0, pl.Int32)
    return pl.sum_horizontal(
        [pl.col("line").str.contains(fmt.pattern(set(), upto=end)).cast(pl.Int32) for end in ends]
    )


def _where(fmt: LogFormat, depth: pl.Expr) -> pl.Expr:
    names = [f"at {f.var}" for f in fmt.fields]
    if fmt.fields:  # every field matched, yet the whole pattern did not: more text follows
        names.append(f"after {fmt.fields[-1].var} (extra text at the end)")
    where = depth.replace_strict(dict(enumerate(names)), default="?", return_dtype=pl.String)
    return pl.lit(f"does not match format '{fmt.name}': breaks ") + where


def diagnose(fmt: LogFormat | Sequence[LogFormat], lines: pl.Series) -> pl.Series:
    """For rejected lines: a reason naming the format that got furthest and the field where it
    broke, e.g. ``does not match format 'combined': breaks at $status``."""
    formats = [fmt] if isinstance(fmt, LogFormat) else list(fmt)
    frame = pl.DataFrame({"line": lines})
    depths = [_depth(f) for f in formats]
    reason = _where(formats[-1], depths[-1])
    best = depths[-1]
    for f, d in zip(reversed(formats[:-1]), reversed(depths[:-1]), strict=True):
        # earlier formats win ties: they are the file's main format
        reason = pl.when(d >= best).then(_where(f, d)).otherwise(reason)
        best = pl.max_horizontal(d, best)
    reason = pl.when(pl.col("line") == "").then(pl.lit("empty line")).otherwise(reason)
    return frame.select(reason.alias("reason")).to_series()


def parse_chunk(
    chunk: Chunk,
    formats: Sequence[LogFormat],
    file: str,
    stats: ParseStats,
    *,
    columns: set[str] | None = None,
    predicate: pl.Expr | None = None,
    schema: dict[str, pl.DataType] | None = None,
) -> pl.DataFrame:
    """Parse one chunk: typed rows of the full ``schema`` (or only ``columns``), rejects and counts
    into ``stats``."""
    nbytes = chunk.size
    series, invalid, first_line = split_chunk(chunk)
    lines = pl.DataFrame({"line": series})
    schema = schema or frame_schema(formats)
    needed = None if columns is None else set(columns) - set(TAIL_SCHEMA)
    parts: list[pl.DataFrame] = []
    early_rejects: list[pl.DataFrame] = []  # too long, or no such date
    remaining = lines
    if len(series) and series.str.len_bytes().max() > MAX_LINE_BYTES:  # (the lengths sit in the views)
        remaining, too_long = _too_long(lines, first_line)
        early_rejects.append(too_long)
    for fmt in formats:
        if remaining.is_empty():
            break
        matched, remaining, impossible = _match_format(remaining, fmt, needed, first_line)
        if impossible is not None and len(impossible):
            early_rejects.append(impossible)
        if len(matched):
            parts.append(matched.with_columns(pl.lit(fmt.name).alias("source")))
    out_cols = list(schema) if columns is None else [c for c in schema if c in columns]
    # several formats matched: put the rows back in line order, even when line_no is not wanted
    order = len(parts) > 1 and "line_no" not in out_cols
    cols = [*out_cols, "line_no"] if order else out_cols
    typed = [_conform(p, schema, cols, file) for p in parts]
    result = pl.concat(typed) if len(typed) > 1 else (typed[0] if typed else _empty(schema, out_cols))
    if len(parts) > 1:
        result = result.sort("line_no")
        result = result.drop("line_no") if order else result
    rejects = remaining.select(
        pl.lit(file).alias("file"), "line_no", "line", diagnose(formats, remaining["line"]).alias("reason")
    ) if len(remaining) else pl.DataFrame(schema=REJECT_SCHEMA)
    if early_rejects:
        dated = pl.concat(early_rejects).select(pl.lit(file).alias("file"), "line_no", "line", "reason")
        rejects = pl.concat([rejects, dated]).sort("line_no")
    stats.add(file, lines=len(lines), parsed=len(lines) - len(rejects), invalid_utf8=invalid,
              nbytes=nbytes, rejects=rejects)
    if predicate is not None:
        result = result.filter(predicate)
    return result


def _too_long(lines: pl.DataFrame, first_line: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The lines up to :data:`MAX_LINE_BYTES` (numbered), and the longer ones as rejects whose
    kept text is their first :data:`KEPT_CHARS` characters (a kept reject is copied: whole 30 MB
    lines would pile up in the statistics)."""
    numbered = lines.with_columns((pl.int_range(pl.len(), dtype=pl.Int64) + first_line).alias("line_no"))
    size = pl.col("line").str.len_bytes()
    rejects = numbered.filter(size > MAX_LINE_BYTES).select(
        "line_no", pl.col("line").str.head(KEPT_CHARS),
        pl.format("line longer than 1 MiB ({} bytes): not an access line; its first {} characters are kept",
                  size, pl.lit(KEPT_CHARS)).alias("reason"))
    return numbered.filter(size <= MAX_LINE_BYTES), rejects


def _conform(part: pl.DataFrame, schema: dict, out_cols: list[str], file: str) -> pl.DataFrame:
    exprs = []
    for name in out_cols:
        if name == "file":
            exprs.append(pl.repeat(file, pl.len(), dtype=pl.String).alias("file"))
        elif name in part.columns:
            exprs.append(pl.col(name).cast(schema[name]))
        else:  # a column the format lacks: one null per row (a bare literal would make one row)
            exprs.append(pl.repeat(None, pl.len(), dtype=schema[name]).alias(name))
    return part.select(exprs)


def _empty(schema: dict, out_cols: list[str]) -> pl.DataFrame:
    return pl.DataFrame(schema={c: schema[c] for c in out_cols})
