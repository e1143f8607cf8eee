"""Field types: for each, a regex fragment and the polars expressions that type the captured text.

A log format is data (after lars): a format compiler maps each variable to a column name and one
of the types below; this table maps each type to its regex fragment (ASCII, no backreferences or
lookaround, so that both Python ``re`` and Rust ``regex`` accept it) and to a converter.

Fragments avoid ambiguous ``.*`` and ``\\S+`` runs: each one stops at the character that can end
it, which keeps the regex engine on its fast paths.

>>> TYPES["int"].fragment
'-?[0-9]+|-'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from .clocktimes import clf_clock
from .requestparts import request_parts

# A value in double quotes: anything but a quote or backslash, or a backslash escape (\" or \xNN).
QUOTED = r'(?:[^"\\]|\\.)*'
# One upstream value, then more after ", " (retries) or " : " (internal redirects).
LIST_ITEM = r"[^ ,]+"
LIST = rf"{LIST_ITEM}(?:(?:, | : ){LIST_ITEM})*"
NUMBER = r"[0-9]+(?:\.[0-9]+)?"
# ``10/Oct/2026:13:55:36 +0900`` with only real dates, hours, minutes and seconds: an impossible stamp
# (31/Apr, 29/Feb/2027, hour 25, minute 61) is a reject with the field where it broke, in every
# projection, and a query that does not need ``ts`` converts no timestamp to know its line is valid.
# Day 31 only in the months that have it, 30 not in February, 29/Feb only in leap years: a year whose
# last two digits are a multiple of 4 other than 00, or a century whose first two digits are one
# (2000, 0000: the proleptic Gregorian calendar of polars and the C reader).
_LEAP_YEAR = r"(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)"
_DATE = (r"(?:(?:(?:0[1-9]|1[0-9]|2[0-8])/(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
         r"|(?:29|30)/(?:Jan|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)|31/(?:Jan|Mar|May|Jul|Aug|Oct|Dec))/[0-9]{4}"
         rf"|29/Feb/{_LEAP_YEAR})")
CLF_TIME = rf"{_DATE}:(?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60) [+-][0-9]{{4}}"

Converter = Callable[[str, str], list[pl.Expr]]


def _raw(col: str) -> pl.Expr:
    return pl.col(col)


def _nullable(col: str) -> pl.Expr:
    """The captured text, with the server's "no value" markers ``-`` and empty turned into null."""
    c = pl.col(col)
    return pl.when(c.is_in(["-", ""])).then(None).otherwise(c)


def as_string(raw: str, out: str) -> list[pl.Expr]:
    return [_nullable(raw).alias(out)]


def as_uint(dtype: pl.DataType) -> Converter:
    def convert(raw: str, out: str) -> list[pl.Expr]:
        return [_raw(raw).cast(dtype, strict=False).alias(out)]

    return convert


def as_seconds(scale: float) -> Converter:
    """A duration in some unit (1e-6 for microseconds) as Float64 seconds."""

    def convert(raw: str, out: str) -> list[pl.Expr]:
        value = _raw(raw).cast(pl.Float64, strict=False)
        return [(value * scale if scale != 1 else value).alias(out)]

    return convert


def as_seconds_sum(raw: str, out: str) -> list[pl.Expr]:
    """``0.012, 0.340`` or ``0.1 : 0.2`` (nginx's upstream lists) summed; ``-`` items count as 0,
    an all-``-`` value is null."""
    c = _raw(raw)
    simple = c.cast(pl.Float64, strict=False)
    parts = c.str.replace_all(" : ", ", ", literal=True).str.split(", ").list.eval(
        pl.element().cast(pl.Float64, strict=False)
    )
    summed = pl.when(parts.list.drop_nulls().list.len() > 0).then(parts.list.sum())
    return [pl.when(c.str.contains(",| : ")).then(summed).otherwise(simple).alias(out)]


def _offset_minutes(text: pl.Expr, iso: bool = False) -> pl.Expr:
    """``+0900`` (or with ``iso``: ``+09:00`` / ``Z``) as signed minutes east of UTC: one integer
    cast, then arithmetic."""
    hhmm = (text.str.replace(":", "", literal=True) if iso else text).cast(pl.Int32, strict=False)
    minutes = (hhmm.abs() // 100) * 60 + hhmm.abs() % 100
    signed = pl.when(hhmm < 0).then(-minutes).otherwise(minutes)
    return pl.when(text == "Z").then(0).otherwise(signed) if iso else signed


def _to_utc(naive: pl.Expr, offset_min: pl.Expr) -> pl.Expr:
    # integer arithmetic on the microseconds: cheaper than a per-row pl.duration
    micros = naive.dt.cast_time_unit("us").cast(pl.Int64) - offset_min.cast(pl.Int64) * 60_000_000
    return micros.cast(pl.Datetime("us", "UTC"))


def _clf_time(text: pl.Expr, out: str) -> list[pl.Expr]:
    """``10/Oct/2026:13:55:36 +0900`` (fixed width) to a UTC instant plus the logged offset.

    The local part takes polars' strptime fast path and the offset one integer cast: together
    about 2x faster than strptime with ``%z`` and 4x faster than slicing every part."""
    naive = text.str.slice(0, 20).str.strptime(pl.Datetime("us"), "%d/%b/%Y:%H:%M:%S", strict=False, cache=False)
    offset = _offset_minutes(text.str.slice(21, 5))
    return [_to_utc(naive, offset).alias(out), offset.cast(pl.Int16).alias("utc_offset")]


def time_local(raw: str, out: str) -> list[pl.Expr]:
    """nginx's ``$time_local``: ``10/Oct/2026:13:55:36 +0900``, from its prepared parts
    (:func:`clf_parts`, or C: :func:`mkslog.formats.clocktimes.clf_clock`)."""
    parts = pl.col(parts_column(raw))
    return [parts.struct.field("ts").alias(out), parts.struct.field("offset").alias("utc_offset")]


def clf_parts(raw: str) -> list[pl.Expr]:
    """A ``FieldType.prepare`` for ``$time_local``: the UTC instant and the offset as a struct
    (fields ``ts``, ``offset``), which :func:`time_local` reads; C makes the same struct."""
    ts, offset = _clf_time(_raw(raw), "ts")
    return [pl.struct(ts, offset.alias("offset")).alias(parts_column(raw))]


def time_bracketed(raw: str, out: str) -> list[pl.Expr]:
    """gunicorn's ``%(t)s``: ``[10/Oct/2026:13:55:36 +0900]``."""
    return _clf_time(_raw(raw).str.slice(1, 26), out)


def time_iso8601(raw: str, out: str) -> list[pl.Expr]:
    """``2026-10-10T13:55:36+09:00`` to a UTC instant plus the logged offset."""
    c = _raw(raw)
    naive = c.str.slice(0, 19).str.strptime(pl.Datetime("us"), "%Y-%m-%dT%H:%M:%S", strict=False, cache=False)
    offset = _offset_minutes(c.str.slice(19), iso=True)
    return [_to_utc(naive, offset).alias(out), offset.cast(pl.Int16).alias("utc_offset")]


def time_msec(raw: str, out: str) -> list[pl.Expr]:
    """``1700000000.123`` (seconds since the epoch) to a UTC instant."""
    micros = (_raw(raw).cast(pl.Float64, strict=False) * 1_000_000).round(0).cast(pl.Int64)
    return [pl.from_epoch(micros, time_unit="us").dt.replace_time_zone("UTC").alias(out)]


# The request line: method, target split at the first "?", protocol. Anything else (TLS bytes, "-",
# a bare word) leaves these null and keeps the raw text in `request`.
REQUEST_LINE = r"^([A-Za-z]+) ([^ ?]*)(?:\?([^ ]*))?(?: (HTTP/[0-9.]+))?$"


def parts_column(raw: str) -> str:
    """The temporary column holding the captured parts of group ``raw`` (see ``FieldType.prepare``)."""
    return f"__parts_{raw}"


def captured_parts(regex: str) -> Callable[[str], list[pl.Expr]]:
    """A ``FieldType.prepare``: the groups of ``regex`` over a field, captured once into
    :func:`parts_column` for every column read from them."""
    return lambda raw: [_raw(raw).str.extract_groups(regex).alias(parts_column(raw))]


def request_line(raw: str, out: str) -> list[pl.Expr]:
    c = _raw(raw)
    parts = pl.col(parts_column(raw))
    method = parts.struct.field("1")
    return [
        method.alias("method"),
        parts.struct.field("2").alias("path"),
        parts.struct.field("3").alias("query"),
        parts.struct.field("4").alias("protocol"),
        pl.when(method.is_null()).then(c).alias("request"),
    ]


TARGET = r"^([^?]*)(?:\?(.*))?$"


def target(raw: str, out: str) -> list[pl.Expr]:
    """``$request_uri`` / gunicorn's target: path and query split at the first ``?``."""
    parts = pl.col(parts_column(raw))
    return [parts.struct.field("1").alias("path"), parts.struct.field("2").alias("query")]


@dataclass(frozen=True)
class FieldType:
    """How one kind of value is matched and typed.

    ``fragment`` is used outside quotes, ``quoted`` inside ``"..."`` in the format string;
    ``None`` for ``fragment`` means "a token up to the next literal character".
    """

    fragment: str | None
    convert: Converter
    outputs: dict[str, pl.DataType]
    quoted: str = QUOTED
    #: For a time type: whether every value the fragment matches names a date and time that exist
    #: (``CLF_TIME``), so a line that matches is valid without converting its timestamp. False: the
    #: fragment checks no ranges, a query that does not need ``ts`` still converts every value.
    exact_dates: bool = False
    #: The fragment narrowed to values without ``"`` (for cutting plain lines at their quotes,
    #: :mod:`mkslog.formats.split`); ``"same"``: the fragment itself never matches a quote; None:
    #: no such form.
    plain: str | None = "same"
    #: A regex character class of every character a value of the type can hold (None: any). A
    #: value followed by a literal whose first character is outside it ends at that character, so
    #: in a validated line it is captured by a cheap ``[^X]*`` instead of its fragment.
    alphabet: str | None = None
    #: How many spaces every value holds when that is fixed (a CLF time: one), for cutting a part
    #: of a line at its spaces; None: it varies (or see ``alphabet``).
    fixed_spaces: int | None = None
    #: Temporary columns computed before ``convert`` runs (``prepare(raw)``): parts several
    #: output columns read. polars' common-subexpression elimination does not share a capture
    #: between the request line's five columns (the request regex ran two to three times: a
    #: full parse's chunk 20-26 ms for it, 10.5 ms computed once).
    prepare: Callable[[str], list[pl.Expr]] | None = None
    #: ``prepare``'s column computed by C from an eager column of raw values (``(values, name)`` to
    #: the column, or None where C cannot answer): :mod:`mkslog.formats.requestparts`.
    prepare_native: Callable[[pl.Series, str], pl.Series | None] | None = None

    def __post_init__(self) -> None:
        if self.plain == "same":
            object.__setattr__(self, "plain", self.fragment)


TS = pl.Datetime("us", "UTC")

TYPES: dict[str, FieldType] = {
    "str": FieldType(None, as_string, {}),
    # one token, fast; the lenient variant also takes proxy chains ("a, b c") and is tried only on
    # the lines the strict pattern rejects
    "addr": FieldType(None, as_string, {}),
    "addr_lenient": FieldType(r'(?:"[^"]*" )?[^ ",\[]+(?:,? [^ ",\[]+)*', as_string, {}, plain=None),
    "list": FieldType(LIST, as_string, {}, plain=LIST.replace("[^ ,]", '[^ ,"]')),
    "int": FieldType(r"-?[0-9]+|-", as_uint(pl.Int64), {}, alphabet="[0-9-]"),
    "uint": FieldType(r"[0-9]+|-", as_uint(pl.UInt64), {}, alphabet="[0-9-]"),
    "status": FieldType(r"[0-9]{1,3}|-", as_uint(pl.UInt16), {}, alphabet="[0-9-]"),
    "seconds": FieldType(rf"{NUMBER}|-", as_seconds(1.0), {}, alphabet="[0-9.-]"),
    # a number nothing names (an unnamed extra field whose sample values were all numbers)
    "float": FieldType(rf"-?{NUMBER}|-", as_seconds(1.0), {}, alphabet="[0-9.-]"),
    "millis": FieldType(rf"{NUMBER}|-", as_seconds(1e-3), {}, alphabet="[0-9.-]"),
    "micros": FieldType(r"[0-9]+|-", as_seconds(1e-6), {}, alphabet="[0-9-]"),
    "seconds_list": FieldType(rf"(?:{NUMBER}|-)(?:(?:, | : )(?:{NUMBER}|-))*", as_seconds_sum, {}, alphabet="[0-9.,: -]"),
    "time_local": FieldType(
        CLF_TIME, time_local,
        {"utc_offset": pl.Int16}, exact_dates=True, alphabet="[0-9A-Za-z/: +-]", fixed_spaces=1,
        prepare=clf_parts, prepare_native=clf_clock,
    ),
    "time_bracketed": FieldType(
        rf"\[{CLF_TIME}\]", time_bracketed,
        {"utc_offset": pl.Int16}, exact_dates=True, alphabet=r"[0-9A-Za-z/: +\[\]-]", fixed_spaces=1,
    ),
    "time_iso8601": FieldType(
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:[+-][0-9]{2}:?[0-9]{2}|Z)", time_iso8601,
        {"utc_offset": pl.Int16}, alphabet="[0-9T:Z+-]",
    ),
    "time_msec": FieldType(r"[0-9]+\.[0-9]+", time_msec, {}, alphabet="[0-9.]"),
    "request": FieldType(
        r"[^ ]*", request_line,
        {"method": pl.String, "path": pl.String, "query": pl.String, "protocol": pl.String, "request": pl.String},
        plain=r'[^ "]*', alphabet='[^ "]', prepare=captured_parts(REQUEST_LINE), prepare_native=request_parts,
    ),
    "target": FieldType(r"[^ ]*", target, {"path": pl.String, "query": pl.String}, plain=r'[^ "]*',
                        alphabet='[^ "]', prepare=captured_parts(TARGET)),
}

#: The polars dtype of a column produced by each type (for the field's own column name).
COLUMN_DTYPES: dict[str, pl.DataType | None] = {
    "str": pl.String, "addr": pl.String, "addr_lenient": pl.String, "list": pl.String, "int": pl.Int64, "uint": pl.UInt64,
    "status": pl.UInt16, "seconds": pl.Float64, "float": pl.Float64, "millis": pl.Float64, "micros": pl.Float64,
    "seconds_list": pl.Float64, "time_local": TS, "time_bracketed": TS, "time_iso8601": TS,
    "time_msec": TS, "request": None, "target": None,
}
