"""The compiler of line layouts (:class:`mkslog.linelayout.Layout`, the data) to the record
parser's :class:`~mkslog.formats.record.RecordFormat`.

Each field type maps to a regex fragment and a converter (:data:`FIELD_TYPES`; the converters of
:mod:`mkslog.formats.fields` where one fits, which take ``(raw, out)``); each derivation rule to a
polars expression over the typed columns (:data:`RULES`). From the table come:

- ``start``: the pieces up to the first free-text field (or through ``start_through``), no captures;
- ``pattern``: every piece, a named group per field; a last ``rest`` field is sliced off, not
  captured (``RecordFormat.rest``), because a capture costs per character;
- ``tail``: for ``tail_from``, the optional fields again, tried on a record's last line;
- ``convert(source_tz)``: the fields' converters, then the derivations, in column order;
- ``schema``: the columns with their dtypes, computed from the types: never written a second time.

>>> from mkslog.linelayout import Field, Layout
>>> rf = compile_layout(Layout("m", "demo", (Field("ts", "local_time:%Y-%m-%d %H:%M:%S"), ",CPU:",
...                                         Field("cpu", "percent")), start_through="ts"))
>>> rf.start, rf.pattern
('^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2},CPU:', '^(?P<ts>[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}),CPU: ?(?P<cpu>-?[0-9]+(?:\\\\.[0-9]+)?)%?$')
>>> rf.schema
{'ts': Datetime(time_unit='us', time_zone='UTC'), 'cpu': Float64}
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import polars as pl

from ..errors import FormatError
from ..linelayout import FIELD_TYPES as TYPE_NAMES
from ..linelayout import RULES as RULE_NAMES
from ..linelayout import Derive, Field, Layout, LayoutError, Maybe, Piece
from .base import escape
from .datefmt import compile_datefmt
from .fields import QUOTED, as_seconds, as_string, as_uint
from .record import TS, RecordFormat, parse_local

#: A decimal as the manual's scripts and hand-written lines give it: ``12``, ``-1``, ``12.5``.
NUMBER = r"-?[0-9]+(?:\.[0-9]+)?"
#: ``journalctl -o short-iso``: ``2026-11-18T14:05:00+0900``, also with a fraction or ``Z``.
ISO_TIME = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:[+-][0-9]{4}|Z)"
#: Human sizes as ``ls -lh`` / ``du -h`` print them, at the end of a message: powers of 1024.
SIZE = r"\((?P<num>[0-9]+(?:\.[0-9]+)?) ?(?P<unit>bytes|B|[KMGTP](?:i?B)?)?\)$"
UNITS = {"": 1, "bytes": 1, "B": 1, **{u: 1024 ** (i + 1) for i, u in enumerate("KMGTP")}}
DTYPES: dict[str, pl.DataType] = {"str": pl.String, "bool": pl.Boolean, "int8": pl.Int8, "int64": pl.Int64,
                                  "uint16": pl.UInt16, "float64": pl.Float64}

#: A converter of a layout field: (group column, output column, the type's argument, source zone).
LayoutConverter = Callable[[str, str, str, str], list[pl.Expr]]


@dataclass(frozen=True)
class LayoutType:
    """One field type: its regex fragment (from the type's argument), the dtype of the field's
    column, the converter, the other columns it makes, and regex around the capture that is not
    part of the value (``percent``: an optional space before, ``%`` after)."""

    fragment: Callable[[str], str]
    dtype: pl.DataType
    convert: LayoutConverter
    outputs: dict[str, pl.DataType] = field(default_factory=dict)
    around: tuple[str, str] = ("", "")


def _plain(convert: Callable[[str, str], list[pl.Expr]]) -> LayoutConverter:
    """A converter of :mod:`mkslog.formats.fields` (``(raw, out)``), as a layout converter."""
    return lambda raw, out, arg, source_tz: convert(raw, out)


def _as_is(raw: str, out: str, arg: str, source_tz: str) -> list[pl.Expr]:
    return [pl.col(raw).alias(out)]


def _upper(raw: str, out: str, arg: str, source_tz: str) -> list[pl.Expr]:
    return [pl.col(raw).str.to_uppercase().alias(out)]


def _local_time(raw: str, out: str, arg: str, source_tz: str) -> list[pl.Expr]:
    return [parse_local(pl.col(raw), compile_datefmt(arg).chrono, source_tz).alias(out)]


def _offset_fragment(arg: str) -> str:
    # the offset as strftime's %z writes it, +0900: datefmt also takes +09:00 (logging's forms)
    return compile_datefmt(arg).fragment.replace(compile_datefmt("%z").fragment, "[+-][0-9]{4}")


def _offset_time(raw: str, out: str, arg: str, source_tz: str) -> list[pl.Expr]:
    """A time that ends in its offset (``source_tz`` is not needed), and the offset in minutes east."""
    text = pl.col(raw)
    aware = text.str.strptime(pl.Datetime("us"), compile_datefmt(arg).chrono, strict=False)
    hhmm = text.str.slice(-5).cast(pl.Int32, strict=False)  # one integer cast of +0900
    minutes = (hhmm.abs() // 100) * 60 + hhmm.abs() % 100
    offset = pl.when(hhmm < 0).then(-minutes).otherwise(minutes)
    return [aware.dt.convert_time_zone("UTC").alias(out), offset.cast(pl.Int16).alias("utc_offset")]


def _iso_time(raw: str, out: str, arg: str, source_tz: str) -> list[pl.Expr]:
    iso = pl.col(raw).str.replace(r"Z$", "+0000")
    return [pl.coalesce(iso.str.strptime(TS, "%Y-%m-%dT%H:%M:%S%.f%z", strict=False),
                        iso.str.strptime(TS, "%Y-%m-%dT%H:%M:%S%z", strict=False)).alias(out)]


def _class_escape(text: str) -> str:
    return "".join("\\" + ch if ch in "\\]^-[" else ch for ch in text)


FIELD_TYPES: dict[str, LayoutType] = {
    "local_time": LayoutType(lambda a: compile_datefmt(a).fragment, TS, _local_time),
    "offset_time": LayoutType(_offset_fragment, TS, _offset_time, {"utc_offset": pl.Int16}),
    "iso_time": LayoutType(lambda a: ISO_TIME, TS, _iso_time),
    "int": LayoutType(lambda a: "[0-9]+", pl.Int64, _plain(as_uint(pl.Int64))),
    "number": LayoutType(lambda a: NUMBER, pl.Float64, _plain(as_seconds(1.0))),
    "percent": LayoutType(lambda a: NUMBER, pl.Float64, _plain(as_seconds(1.0)), around=(" ?", "%?")),
    "level_word": LayoutType(lambda a: "[a-z]+" if a == "lower" else "[A-Za-z]+", pl.String, _upper),
    "caps": LayoutType(lambda a: "[A-Z]+", pl.String, _as_is),
    "token": LayoutType(lambda a: r"\S+", pl.String, _as_is),
    "program": LayoutType(lambda a: r"[^\s\[:]+", pl.String, _as_is),
    "until": LayoutType(lambda a: f"[^{_class_escape(a)}]*", pl.String, _plain(as_string)),
    "quoted": LayoutType(lambda a: QUOTED, pl.String, _plain(as_string)),
    "text": LayoutType(lambda a: ".*?", pl.String, _as_is),
    "rest": LayoutType(lambda a: ".*", pl.String, _as_is),
}
assert set(FIELD_TYPES) == set(TYPE_NAMES), "every field type of mkslog.linelayout needs a fragment and converter"


# --------------------------------------------------------------------------------------------
# derivation rules: (the column the rule reads, the parameters, every column so far) -> expression


def _equals(src: pl.Expr, p: Mapping, cols: dict[str, pl.Expr]) -> pl.Expr:
    return src == p["value"]


def _extract(src: pl.Expr, p: Mapping, cols: dict[str, pl.Expr]) -> pl.Expr:
    group = p["group"]
    value = src.str.extract(p["regex"], group) if isinstance(group, int) else (
        src.str.extract_groups(p["regex"]).struct.field(group))
    return value.replace(dict(p["replace"])) if "replace" in p else value


def _first_match(src: pl.Expr, p: Mapping, cols: dict[str, pl.Expr]) -> pl.Expr:
    """The name of the first (name, regex) of ``table`` whose regex the text matches, else ``default``."""
    value = pl.lit(p["default"])
    for name, regex in reversed(p["table"]):
        value = pl.when(src.str.contains(regex)).then(pl.lit(name)).otherwise(value)
    return value


def _match_group(src: pl.Expr, p: Mapping, cols: dict[str, pl.Expr]) -> pl.Expr:
    """Group ``group`` (or one of ``also``) of the first regex of ``table`` that has it and matches;
    ``lower``: lower-cased; ``choices``: null unless one of them; ``fallback``: a regex whose first
    group stands in where there is none."""
    value: pl.Expr = pl.lit(None, pl.String)
    for _name, regex in reversed(p["table"]):
        names = re.compile(regex).groupindex
        if p["group"] not in names:
            continue
        groups = src.str.extract_groups(regex)
        found = pl.coalesce(groups.struct.field(p["group"]), *[groups.struct.field(a) for a in p.get("also", ())
                                                               if a in names])
        if p.get("lower"):
            found = found.str.to_lowercase()
        value = pl.when(src.str.contains(regex)).then(found).otherwise(value)
    if "choices" in p:
        value = pl.when(value.is_in(list(p["choices"]))).then(value)
    if "fallback" in p:
        value = pl.coalesce(value, src.str.extract(p["fallback"], 1))
    return value


def _prefix_level(src: pl.Expr, p: Mapping, cols: dict[str, pl.Expr]) -> pl.Expr:
    """``ERROR`` for a text that starts ``ERROR:`` (each of ``words`` in turn), else ``default``."""
    value = pl.lit(p["default"])
    for word in reversed(p["words"]):
        value = pl.when(src.str.starts_with(f"{word}:")).then(pl.lit(word)).otherwise(value)
    return value


def _human_size(src: pl.Expr, p: Mapping, cols: dict[str, pl.Expr]) -> pl.Expr:
    """Bytes of a trailing ``(12345 bytes)`` / ``(1.5M)`` / ``(12 KiB)``."""
    size = src.str.extract_groups(SIZE)
    unit = size.struct.field("unit").fill_null("").str.replace(r"^([KMGTP])i?B$", "$1").replace_strict(
        UNITS, default=None, return_dtype=pl.Float64)
    return (size.struct.field("num").cast(pl.Float64, strict=False) * unit).round(0)


RULES: dict[str, Callable[[pl.Expr, Mapping, dict[str, pl.Expr]], pl.Expr]] = {
    "equals": _equals, "extract": _extract, "first_match": _first_match, "match_group": _match_group,
    "prefix_level": _prefix_level, "human_size": _human_size,
}
assert set(RULES) == set(RULE_NAMES), "every derivation rule of mkslog.linelayout needs an implementation"


def derive(d: Derive, cols: dict[str, pl.Expr]) -> pl.Expr:
    """The expression of derivation ``d`` over the typed columns ``cols`` (fields and earlier derivations)."""
    value = RULES[d.rule](cols[d.uses[0]], d.params, cols).cast(DTYPES[d.dtype], strict=False)
    if d.only_if is not None:
        column, values = d.only_if
        value = pl.when(cols[column].is_in(list(values))).then(value)
    return value.alias(d.name)


# --------------------------------------------------------------------------------------------
# regexes


def piece_regex(piece: Piece, capture: bool = True) -> str:
    """One piece as regex: a literal escaped, a field as its (named) group inside its literals."""
    if isinstance(piece, str):
        return escape(piece)
    if isinstance(piece, Maybe):
        return f"(?:{escape(piece.text)})?"
    ftype = FIELD_TYPES[piece.base]
    fragment = ftype.fragment(piece.arg)
    core = f"(?P<{piece.name}>{fragment})" if capture else fragment if "|" not in fragment else f"(?:{fragment})"
    body = f"{escape(piece.prefix)}{ftype.around[0]}{core}{ftype.around[1]}{escape(piece.suffix)}"
    return f"(?:{body})?" if piece.optional else body


def start_regex(layout: Layout) -> str:
    """The record-start regex: the pieces up to the first free-text field, or through
    ``start_through`` and the literals after it; no captures."""
    pieces = layout.pieces
    names = [p.name if isinstance(p, Field) else None for p in pieces]
    if layout.start_through is not None:
        end = names.index(layout.start_through) + 1
        while end < len(pieces) and isinstance(pieces[end], str):
            end += 1
    else:
        end = next((i for i, p in enumerate(pieces) if isinstance(p, Field) and p.base in ("text", "rest")),
                   len(pieces))
    return "^" + "".join(piece_regex(p, capture=False) for p in pieces[:end])


def line_regex(layout: Layout, slice_rest: bool = True) -> tuple[str, str | None]:
    """(the line regex, the field sliced off as the rest of the line or None)."""
    last = layout.pieces[-1]
    if slice_rest and isinstance(last, Field) and last.base == "rest" and not (last.optional or last.prefix):
        return "^" + "".join(piece_regex(p) for p in layout.pieces[:-1]), last.name
    return "^" + "".join(piece_regex(p) for p in layout.pieces) + "$", None


def tail_regex(layout: Layout) -> str | None:
    """The optional fields from ``tail_from`` on, for a record's last line: the first one required,
    at the line's start or after its separator (``, ``)."""
    if layout.tail_from is None:
        return None
    at = next(i for i, p in enumerate(layout.pieces) if isinstance(p, Field) and p.name == layout.tail_from)
    first = layout.pieces[at]
    assert isinstance(first, Field)
    sep = re.match(r"[^A-Za-z0-9]*", first.prefix).group()
    required = piece_regex(Field(first.name, first.type, prefix=first.prefix[len(sep):], suffix=first.suffix))
    return f"(?:^|{escape(sep)})" + required + "".join(piece_regex(p) for p in layout.pieces[at + 1:]) + "$"


# --------------------------------------------------------------------------------------------
# the compiled format


def layout_schema(layout: Layout) -> dict[str, pl.DataType]:
    """The columns of ``layout`` with their dtypes, from the field types and the derivations."""
    dtypes: dict[str, pl.DataType] = {}
    for f in layout.fields:
        ftype = FIELD_TYPES[f.base]
        dtypes[f.name] = ftype.dtype
        dtypes.update(ftype.outputs)
    dtypes.update({d.name: DTYPES[d.dtype] for d in layout.derived})
    return {c: dtypes[c] for c in layout.columns}


def layout_converters(layout: Layout, source_tz: str) -> dict[str, pl.Expr]:
    """Column -> expression from the group columns: the fields typed, then the derivations."""
    cols: dict[str, pl.Expr] = {}
    for f in layout.fields:
        for expr in FIELD_TYPES[f.base].convert(f.name, f.name, f.arg, source_tz):
            cols[expr.meta.output_name()] = expr
    for d in layout.derived:
        cols[d.name] = derive(d, cols)
    return {c: cols[c] for c in layout.columns}


def compile_layout(layout: Layout, *, slice_rest: bool = True) -> RecordFormat:
    """``layout`` as the record parser's format (see the module docstring); a LayoutError names
    the layout and the field when a fragment or a regex does not compile."""
    for f in layout.fields:
        try:
            FIELD_TYPES[f.base].fragment(f.arg)
        except FormatError as exc:  # a strftime layout that cannot be read back (%Z, %c)
            raise LayoutError(f"layout {layout.name}: field {f.name!r}: {exc}") from None
    pattern, rest = line_regex(layout, slice_rest)
    start, tail = start_regex(layout), tail_regex(layout)
    for regex in (start, pattern, tail):
        try:
            re.compile(regex or "")
        except re.error as exc:
            raise LayoutError(f"layout {layout.name}: its regex does not compile ({exc}): {regex}") from None

    def convert(source_tz: str) -> list[pl.Expr]:
        return list(layout_converters(layout, source_tz).values())

    return RecordFormat(name=layout.name, kind=layout.kind, start=start, pattern=pattern,
                        schema=layout_schema(layout), convert=convert, multiline=layout.multiline, tail=tail,
                        expect=layout.expect, rest=rest, extra={"layout": layout})


__all__ = ["FIELD_TYPES", "RULES", "LayoutType", "compile_layout", "derive", "layout_converters", "layout_schema",
           "line_regex", "piece_regex", "start_regex", "tail_regex"]
