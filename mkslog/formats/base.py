"""A compiled log format: an ordered list of literals and typed fields, turned into one regex.

Every syntax (nginx ``$var``, gunicorn ``%(x)s``, Python ``logging``) compiles to a
:class:`LogFormat`; the parser only ever sees this class.

>>> from mkslog.formats import compile_format
>>> fmt = compile_format("$remote_addr [$status]")
>>> fmt.pattern()
'^(?P<g0>[^ ]*) \\\\[(?P<g1>[0-9]{1,3}|-)\\\\]$'
>>> fmt.columns
['remote_addr', 'status']
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from functools import cached_property

import polars as pl

from ..errors import FormatError
from .fields import COLUMN_DTYPES, TYPES, parts_column

_META = set("\\.+*?()|[]{}^$")
#: Columns that hold the forwarded-for chain a proxy passed on (nginx ``$http_x_forwarded_for``,
#: ``$http_x_real_ip``, gunicorn ``%({x-forwarded-for}i)s``), in order of preference.
FORWARDED_COLUMNS = ("x_forwarded_for", "http_x_forwarded_for", "http_x_real_ip", "x_real_ip")
#: Field types whose fragment can swallow the literal after them: a short extraction regex could
#: end inside the field, so they are always captured with the full pattern.
_AMBIGUOUS = {"addr_lenient"}


def first_address(column: str | pl.Expr) -> pl.Expr:
    """The first address of a forwarded-for chain (``"203.0.113.7, 10.0.0.1"`` -> ``203.0.113.7``);
    null for ``-``, empty or ``unknown``.

    >>> pl.select(first_address(pl.lit(" 203.0.113.7, 10.0.0.1"))).item()
    '203.0.113.7'
    """
    c = pl.col(column) if isinstance(column, str) else column
    first = c.str.extract(r"^[ \t]*([^ ,\t]+)", 1)
    return pl.when(first.is_in(["-", "unknown"])).then(None).otherwise(first)


def escape(literal: str) -> str:
    """Escape regex metacharacters in a way both Python ``re`` and Rust ``regex`` accept
    (``re.escape`` also escapes spaces and letters-adjacent characters Rust rejects)."""
    return "".join("\\" + ch if ch in _META else ch for ch in literal)


def class_escape(ch: str) -> str:
    return "\\" + ch if ch in "\\]^-[" else ch


@dataclass(frozen=True)
class Field:
    """One variable of a format: where its text goes (``column``) and how it is typed."""

    var: str
    column: str
    type: str


@dataclass(frozen=True)
class LogFormat:
    """A format compiled to pieces: ``str`` literals and :class:`Field` values, in line order."""

    name: str
    syntax: str
    source: str
    pieces: tuple[str | Field, ...]
    kind: str = "access"
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @cached_property
    def fields(self) -> list[Field]:
        return [p for p in self.pieces if isinstance(p, Field)]

    def literals_around(self, index: int) -> tuple[str, str]:
        """The literal text just before and just after piece ``index`` ("" at an end or next to a field).

        >>> from mkslog.formats import compile_format
        >>> compile_format('$remote_addr "$request"').literals_around(2)
        (' "', '"')
        """
        before = self.pieces[index - 1] if index > 0 else ""
        after = self.pieces[index + 1] if index + 1 < len(self.pieces) else ""
        return (before if isinstance(before, str) else "", after if isinstance(after, str) else "")

    def _fragment(self, index: int) -> str:
        piece = self.pieces[index]
        assert isinstance(piece, Field)
        ftype = TYPES[piece.type]
        before, after = self.literals_around(index)
        if before.endswith('"') and after.startswith('"'):
            return ftype.quoted
        if ftype.fragment is not None:
            return ftype.fragment
        if after:  # a plain token runs up to the next literal character
            return f"[^{class_escape(after[0])}]*"
        return ".*"

    def fragment(self, index: int) -> str:
        """The regex fragment of the field ``pieces[index]``, as the line pattern uses it."""
        return self._fragment(index)

    def pattern(self, capture: Collection[str] | None = None, *, upto: int | None = None) -> str:
        """The line regex. ``capture``: the variables to capture (default all); the others become
        non-capturing groups, which is cheaper. ``upto``: only the first ``upto`` pieces,
        unanchored at the end (used to find where a line breaks)."""
        out = ["^"]
        pieces = self.pieces if upto is None else self.pieces[:upto]
        for i, piece in enumerate(pieces):
            if isinstance(piece, str):
                out.append(escape(piece))
                continue
            number = self.fields.index(piece)
            frag = self._fragment(i)
            if capture is None or piece.var in capture:
                out.append(f"(?P<g{number}>{frag})")
            else:
                out.append(f"(?:{frag})")
        if upto is None:
            out.append("$")
        return "".join(out)

    @cached_property
    def regex(self) -> re.Pattern:
        """The full pattern compiled by Python ``re`` (for tests and diagnostics)."""
        return re.compile(self.pattern())

    @cached_property
    def client_field(self) -> Field | None:
        """The forwarded-for field that stands in for ``remote_addr`` when the format has none
        (gunicorn behind nginx logging ``%({x-forwarded-for}i)s`` where ``%(h)s`` would stand):
        its first address becomes ``remote_addr``, so the client is never a column of nulls."""
        if any(f.column == "remote_addr" for f in self.fields):
            return None
        by_column = {f.column: f for f in self.fields}
        return next((by_column[c] for c in FORWARDED_COLUMNS if c in by_column), None)

    def output_columns(self, f: Field) -> dict[str, pl.DataType]:
        """The typed columns one field produces (``$request`` makes method, path, query, ...)."""
        ftype = TYPES[f.type]
        cols: dict[str, pl.DataType] = {}
        own = COLUMN_DTYPES[f.type]
        if own is not None:
            cols[f.column] = own
        cols.update(ftype.outputs)
        if f == self.client_field:
            cols["remote_addr"] = pl.String
        return cols

    @cached_property
    def schema(self) -> dict[str, pl.DataType]:
        out: dict[str, pl.DataType] = {}
        for f in self.fields:
            for name, dtype in self.output_columns(f).items():
                out.setdefault(name, dtype)
        return out

    @property
    def columns(self) -> list[str]:
        return list(self.schema)

    def fields_for(self, columns: Iterable[str] | None) -> list[Field]:
        """The fields needed to produce ``columns`` (all fields for ``None``)."""
        if columns is None:
            return list(self.fields)
        wanted = set(columns)
        return [f for f in self.fields if wanted & set(self.output_columns(f))]

    def prepared(self, fields: Iterable[Field]) -> list[pl.Expr]:
        """Temporary columns (named ``__...``) that :meth:`converters` of ``fields`` read: add
        them to the frame first, in their own step.

        >>> from mkslog.formats import compile_format
        >>> fmt = compile_format("combined")
        >>> [e.meta.output_name() for e in fmt.prepared(fmt.fields_for(["path"]))]
        ['__parts_g3']
        """
        exprs: list[pl.Expr] = []
        for f in fields:
            prepare = TYPES[f.type].prepare
            if prepare is not None:
                exprs.extend(prepare(f"g{self.fields.index(f)}"))
        return exprs

    def prepare_eagerly(self, frame: pl.DataFrame, fields: Iterable[Field]) -> tuple[pl.DataFrame, list[Field]]:
        """``frame`` (holding the raw ``g<n>`` columns) with the temporary columns of :meth:`prepared`
        that C computes (``FieldType.prepare_native``: the request line's parts), and the fields
        whose columns are still to be prepared by :meth:`prepared`.

        >>> from mkslog.formats import compile_format
        >>> fmt = compile_format("combined")
        >>> frame, pending = fmt.prepare_eagerly(pl.DataFrame({"g3": ["GET / HTTP/1.1"]}), fmt.fields_for(["path"]))
        >>> frame.columns, pending
        (['g3', '__parts_g3'], [])
        """
        pending, columns = [], []
        for f in fields:
            native, raw = TYPES[f.type].prepare_native, f"g{self.fields.index(f)}"
            made = native(frame.get_column(raw), parts_column(raw)) if native and raw in frame.columns else None
            if made is None:
                pending.append(f)
            else:
                columns.append(made)
        return (frame.with_columns(columns) if columns else frame), pending

    def converters(self, fields: Iterable[Field]) -> list[pl.Expr]:
        """Expressions typing the captured groups ``g<n>`` of ``fields``; first producer of a
        column wins (e.g. ``%(r)s`` before ``%(U)s`` for ``path``)."""
        exprs: list[pl.Expr] = []
        seen: set[str] = set()
        for f in fields:
            raw = f"g{self.fields.index(f)}"
            for expr in TYPES[f.type].convert(raw, f.column):
                name = expr.meta.output_name()
                if name not in seen:
                    seen.add(name)
                    exprs.append(expr)
            if f == self.client_field and "remote_addr" not in seen:
                seen.add("remote_addr")
                exprs.append(first_address(raw).alias("remote_addr"))
        return exprs

    def lenient(self) -> LogFormat | None:
        """A variant that accepts more (proxy chains in the address), or None when there is none.
        It is tried only on the lines this format rejects, so the fast strict pattern does the bulk."""
        swap = {"addr": "addr_lenient"}
        if not any(f.type in swap for f in self.fields):
            return None
        pieces = tuple(Field(p.var, p.column, swap.get(p.type, p.type)) if isinstance(p, Field) else p
                       for p in self.pieces)
        return LogFormat(self.name, self.syntax, self.source, pieces, self.kind)

    def extraction_pattern(self, capture: Collection[str]) -> tuple[str, bool]:
        """A regex that captures ``capture`` cheaply, and whether lines must be validated first
        with the full pattern. When the captured fields all sit in the first half of the line,
        the regex stops after the last of them: captures cost per character scanned."""
        indices = [i for i, p in enumerate(self.pieces) if isinstance(p, Field) and p.var in capture]
        last = max(indices)
        # `10.0.0.2, 127.0.0.1 - - [` : a lenient address would end at the second ` -` in a short
        # regex; only the whole line tells where it really ends
        ambiguous = any(isinstance(p, Field) and p.type in _AMBIGUOUS for p in self.pieces[: last + 1])
        if len(capture) < len(self.fields) and last < len(self.pieces) // 2 and not ambiguous:
            return self.pattern(capture, upto=last + 2), True
        return self.pattern(capture), False

    def dates_need_converting(self) -> bool:
        """Whether a line's timestamp must be converted just to know it names a real date, when the
        query itself does not need ``ts``: not when the format has none or its regex matches only
        real dates (``$time_local``, leap years included).

        >>> from mkslog.formats import compile_format
        >>> [compile_format(f).dates_need_converting() for f in ("combined", "$remote_addr $status", "$msec $status")]
        [False, False, True]
        """
        producer = next((f for f in self.fields if "ts" in self.output_columns(f)), None)
        return producer is not None and not TYPES[producer.type].exact_dates

    def time_fields(self) -> list[Field]:
        return [f for f in self.fields if f.type.startswith("time_")]


def unique_column(column: str, var: str, taken: set[str]) -> str:
    """``column``, or a name made from ``var`` when another variable already produces it."""
    if column not in taken:
        return column
    alt = re.sub(r"\W+", "_", var).strip("_").lower()
    if alt in taken:
        raise FormatError(f"variables {var!r} and another both produce column {alt!r}; remove one")
    return alt


def check_duplicates(vars_: list[str], source: str) -> None:
    seen: set[str] = set()
    dups = [v for v in vars_ if v in seen or seen.add(v)]
    if dups:
        raise FormatError(
            f"duplicate variable(s) {', '.join(sorted(set(dups)))} in format {source!r}: each may appear once"
        )
