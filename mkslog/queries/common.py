"""Building blocks of the queries: time windows pushed into the scan, endpoint folding, status classes.

>>> import polars as pl
>>> pl.select(fold_path(pl.lit("/api/v1/knowledge/123/attachments/550e8400-e29b-41d4-a716-446655440000"))).item()
'/api/v1/knowledge/{id}/attachments/{uuid}'
"""

from __future__ import annotations

from functools import partial

import polars as pl

from ..errors import QueryError
from ..frame import reads_text
from .pathfolding import fold_paths, native_folding

#: The login endpoint whose 401s count as failed logins (``queries.login_path`` in mkslog.toml).
LOGIN_PATH = "/api/v1/auth/login"

_UUID = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
_ID = r"/[0-9]+(\.[A-Za-z0-9]{1,8})?(/|$)"
_HASH = r"/[0-9A-Fa-f]{16,}(\.[A-Za-z0-9]{1,8})?(/|$)"

NO_TIMING = (
    "these logs have no timing field ($request_time is missing or empty), so there is no latency to "
    "report. Add $request_time to the nginx log_format (the 'timed' format: combined + "
    "\" $request_time $upstream_response_time\") or %(D)s to gunicorn's access_log_format, and give "
    "that format with --format/--log-format or [logs.access] format in mkslog.toml"
)


def fold_path(path: pl.Expr | str = "path") -> pl.Expr:
    """Fold the variable parts of a URL path: uuids -> ``{uuid}``, numeric segments -> ``{id}``
    (keeping an extension: ``/items/60.json`` -> ``/items/{id}.json``), hex runs of 16 or more ->
    ``{hash}``. By C where the extension is built (:mod:`mkslog.queries.pathfolding`: 2M paths
    0.15-0.2 s on one core, the regex passes 1.1 s on two), else by :func:`regex_fold`.

    >>> import polars as pl
    >>> pl.select(fold_path(pl.lit("/a/1/2/b/0123456789abcdef0123.js"))).item()
    '/a/{id}/{id}/b/{hash}.js'
    """
    column = pl.col(path) if isinstance(path, str) else path
    if not native_folding():
        return regex_fold(column)
    return column.map_batches(partial(fold_paths, by_regex=regex_fold), return_dtype=pl.String, is_elementwise=True)


def regex_fold(path: pl.Expr) -> pl.Expr:
    """:func:`fold_path` by four ``str.replace_all`` passes (about 1 s of CPU per million paths).

    >>> import polars as pl
    >>> pl.select(regex_fold(pl.lit("/a/1/2/b/0123456789abcdef0123.js"))).item()
    '/a/{id}/{id}/b/{hash}.js'
    """
    folded = path.str.replace_all(_UUID, "{uuid}")
    # a match consumes the "/" after the segment, so a second pass catches runs like /1/2/3
    for pattern, name in ((_ID, "{id}"), (_ID, "{id}"), (_HASH, "{hash}")):
        folded = folded.str.replace_all(pattern, f"/{name}" + "${1}${2}")
    return folded


def endpoint(raw: bool = False, lf: pl.LazyFrame | None = None) -> pl.Expr:
    """The ``endpoint`` column: the path, folded unless ``raw``. A frame ``lf`` that already holds
    its folded ``endpoint`` (the report's period frames fold each path once, when they are
    parsed: every query of a report groups by endpoint, and folding is most of such a query) is
    read as it is.

    >>> lf = pl.LazyFrame({"path": ["/k/1"], "endpoint": ["/k/{id}"]})
    >>> lf.select(endpoint(lf=lf)).collect().item(), pl.LazyFrame({"path": ["/k/1"]}).select(endpoint()).collect().item()
    ('/k/{id}', '/k/{id}')
    """
    if raw:
        return pl.col("path").alias("endpoint")
    if lf is not None and lf.collect_schema().get("endpoint") == pl.String:
        return pl.col("endpoint")
    return fold_path("path").alias("endpoint")


def status_class() -> pl.Expr:
    """``2xx``, ``3xx`` ... from ``status``."""
    return ((pl.col("status") // 100).cast(pl.String) + "xx").alias("class")


def collect(lf: pl.LazyFrame) -> pl.DataFrame:
    """Collect with polars' streaming engine (bounded memory over any input size)."""
    return lf.collect(engine="streaming")


def require_columns(lf: pl.LazyFrame, *names: str, what: str = "this query") -> None:
    """A QueryError naming the missing columns (e.g. a non-access log given to an access query)."""
    schema = lf.collect_schema()
    missing = [n for n in names if n not in schema]
    if missing:
        raise QueryError(f"{what} needs the column(s) {', '.join(missing)}, which these logs lack "
                         "(is this the right kind of log? access queries need an access log)")


def require_timing(lf: pl.LazyFrame) -> None:
    """QueryError :data:`NO_TIMING` when the frame has no ``request_time`` column."""
    if "request_time" not in lf.collect_schema():
        raise QueryError(NO_TIMING)


def micros(column: str | pl.Expr = "request_time") -> pl.Expr:
    """A time in seconds as whole microseconds, Float64: exact up to 2**53 us (285 years) and, past
    that, the nearest float instead of an integer overflow (a logged ``9999999999999.000`` s is shown
    as what it is, not a crash).

    >>> pl.select(micros(pl.lit(0.0123))).item(), pl.select(micros(pl.lit(1e13))).item()
    (12300.0, 1e+19)
    """
    return (pl.col(column) if isinstance(column, str) else column).mul(1_000_000).round()


def share(count: str, total: pl.Expr | None = None) -> pl.Expr:
    """``share``: ``count / total`` (total defaults to the column sum) as Float64."""
    return (pl.col(count) / (total if total is not None else pl.col(count).sum())).cast(pl.Float64).alias("share")


def seconds(value) -> float:
    """A threshold given as seconds, a ``timedelta`` or a duration string (``'1s'``, ``'500ms'``)."""
    from ..timespec import parse_duration

    return parse_duration(value).total_seconds()


#: The tagged frame column of :func:`fan_out` that names the part a row belongs to.
PART = "__part"
#: How a partial aggregate is merged across batches.
MERGE = {"sum": lambda c: pl.col(c).sum(), "min": lambda c: pl.col(c).min(), "max": lambda c: pl.col(c).max()}


def fan_out(
    lf: pl.LazyFrame,
    parts: dict[str, tuple[list[pl.Expr], dict[str, tuple[pl.Expr, str]]]],
) -> dict[str, pl.DataFrame]:
    """Several group-by aggregations in ONE streaming pass over ``lf`` (polars would scan the
    source once per query otherwise). ``parts`` maps a name to ``(keys, {column: (expr, merge)})``
    where ``merge`` is ``sum``, ``min`` or ``max``: each batch is aggregated by polars inside its
    streaming engine (``map_batches``), every part's partial rows travel in one tagged frame, and
    one streaming ``group_by`` merges them, so memory is bounded by the number of groups, not by
    the input. It runs as one query plan: the engine reads no faster than the aggregation consumes
    (``collect_batches`` queued every batch a slow consumer had not taken yet: +400 MB at 10M lines).

    That one pass is for a frame that parses text as it reads (:func:`mkslog.frame.reads_text`).
    A frame over Parquet or memory (the report's period frames, the store) is read again cheaply,
    column by column: each part is then its own streaming query, run by polars alone (the summary
    of a 10M-row period: 0.85 s and 132 MiB against 1.3 s and 428 MiB in one pass, whose Python
    step the Parquet decoders outrun).

    >>> lf = pl.LazyFrame({"k": ["a", "b", "a"], "v": [1, 2, 3]})
    >>> out = fan_out(lf, {"by_k": ([pl.col("k")], {"n": (pl.len(), "sum")}),
    ...                    "all": ([], {"top": (pl.col("v").max(), "max")})})
    >>> out["by_k"].sort("k")["n"].to_list(), out["all"].item()
    ([2, 1], 3)
    """
    names = {name: [k.meta.output_name() for k in keys] for name, (keys, _) in parts.items()}

    def partial(frame: pl.DataFrame | pl.LazyFrame, name: str) -> pl.DataFrame | pl.LazyFrame:
        keys, aggs = parts[name]
        exprs = [expr.alias(col) for col, (expr, _) in aggs.items()]
        return frame.group_by(keys).agg(exprs) if keys else frame.select(exprs)

    if not reads_text(lf):
        return {name: collect(partial(lf, name)) for name in parts}

    # each part's columns, prefixed with its name in the tagged frame (parts may share column names)
    empty = pl.DataFrame(schema=lf.collect_schema())
    shapes = {name: partial(empty, name).schema for name in parts}
    tagged_schema = {PART: pl.String} | {f"{name}.{col}": dtype for name, shape in shapes.items()
                                         for col, dtype in shape.items()}

    def tag(frame: pl.DataFrame, name: str) -> pl.DataFrame:
        own = {f"{name}.{col}": col for col in shapes[name]}
        return frame.select(pl.lit(name, pl.String).alias(PART), *(
            pl.col(own[col]).alias(col) if col in own else pl.lit(None, dtype).alias(col)
            for col, dtype in tagged_schema.items() if col != PART))

    def partials(batch: pl.DataFrame) -> pl.DataFrame:
        return pl.concat([tag(partial(batch, name), name) for name in parts])

    merge_keys = [PART, *(f"{name}.{key}" for name, keys in names.items() for key in keys)]
    merged = collect(
        lf.map_batches(partials, schema=tagged_schema, streamable=True)
        .group_by(merge_keys)
        .agg(MERGE[how](f"{name}.{col}").alias(f"{name}.{col}")
             for name, (_, aggs) in parts.items() for col, (_, how) in aggs.items())
    )
    out = {}
    for name, (_, aggs) in parts.items():
        own = merged.filter(pl.col(PART) == name)
        cols = [*names[name], *aggs]
        frame = own.select(pl.col(f"{name}.{col}").alias(col) for col in cols).cast(shapes[name])
        if not names[name] and not frame.height:  # no batch at all: the aggregates of an empty frame
            frame = partial(empty, name)
        out[name] = frame
    return out
