"""Line layouts as data: the fixed-layout logs (nginx and gunicorn error logs, mkslog's own
health/metrics/backup lines, the journal's short-iso form) as a table of pieces, each a literal or
a typed :class:`Field`, plus the columns derived from those fields (:class:`Derive`).

One table serves both directions. :mod:`mkslog.formats.layout` compiles it to the record parser's
regexes and polars converters (each field type names a regex fragment and a converter there);
:meth:`Layout.format` writes a line from it, so a writer (health, backup, sample) and the reader
cannot drift apart. Standard library only: the cron jobs (:mod:`mkslog.health`, :mod:`mkslog.backup`)
write with it and never load polars.

A table that cannot work is refused when it is built, with the field named (:class:`LayoutError`):
an unknown type, a name given twice, a derivation that needs a field the layout lacks, two free-text
fields with nothing between them (no regex can tell where one ends).

>>> pair = Layout("pair", "demo", (Field("ts", "local_time:%Y-%m-%d %H:%M:%S"), " - ", Field("n", "int", write="d"),
...                                 Field("note", "rest", optional=True, prefix=" (", suffix=")")))
>>> pair.format(ts="2026-11-18 14:05:00", n=3), pair.format(ts="2026-11-18 14:05:00", n=3, note="late")
('2026-11-18 14:05:00 - 3', '2026-11-18 14:05:00 - 3 (late)')
>>> pair.columns, pair.expect
(('ts', 'n', 'note'), 'YYYY-mm-dd HH:MM:SS - n[ (note)]')
>>> Layout("bad", "demo", (Field("a", "text"), Field("b", "rest")))
Traceback (most recent call last):
...
mkslog.linelayout.LayoutError: layout bad: free-text fields 'a' and 'b' follow each other with nothing between them: put a literal between them (no regex can tell where 'a' ends)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from .errors import FormatError

#: The field types, by name, and what a reader of a reject message sees for them. A type written
#: ``name:arg`` takes an argument (a strftime layout, the character a value runs up to).
#: Their regex fragments and converters are in :data:`mkslog.formats.layout.FIELD_TYPES`.
FIELD_TYPES: dict[str, str] = {
    "local_time": "a wall-clock time without offset, in the strftime layout after the colon (source zone)",
    "offset_time": "a time ending in its UTC offset (%z, +0900), in the strftime layout after the colon",
    "iso_time": "an ISO 8601 time with offset or Z (journalctl -o short-iso)",
    "int": "digits, as Int64",
    "number": "a decimal number, as Float64",
    "percent": "a decimal number, as Float64, also written ' 12%'",
    "level_word": "a level word (error, WARNING), upper-cased; level_word:lower takes lower case only",
    "caps": "a word of capitals (OK, ERROR)",
    "token": "a run without spaces",
    "program": "a program name: up to a space, '[' or ':'",
    "until": "any text up to the character after the colon; '-' or empty is null",
    "quoted": "the text between double quotes, backslash escapes kept; '-' or empty is null",
    "text": "free text, as short as the rest of the line allows",
    "rest": "free text to the end of the line (or of its optional group)",
}
#: The types that take an argument (``until:,``), and those whose argument is optional.
NEEDS_ARG = frozenset({"local_time", "offset_time", "until"})
#: Free-text types: two of them side by side cannot be told apart.
FREE_TEXT = frozenset({"text", "rest"})
#: Columns a type produces besides the field's own.
EXTRA_OUTPUTS: dict[str, tuple[str, ...]] = {"offset_time": ("utc_offset",)}
#: The dtypes a derivation may declare, by name.
DTYPES = ("str", "bool", "int8", "int64", "uint16", "float64")
#: The derivation rules of :mod:`mkslog.formats.layout`, with the parameters each requires.
RULES: dict[str, tuple[str, ...]] = {
    "equals": ("value",), "extract": ("regex", "group"), "first_match": ("table", "default"),
    "match_group": ("table", "group"), "prefix_level": ("words", "default"), "human_size": (),
}
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_STRFTIME_WORDS = {"Y": "YYYY", "m": "mm", "d": "dd", "H": "HH", "M": "MM", "S": "SS", "z": "+zzzz", "b": "Mon"}


class LayoutError(FormatError):
    """A line layout does not compile; the message names the layout and the field."""


@dataclass(frozen=True)
class Field:
    """A value in the line: its column ``name`` and its ``type`` (a key of :data:`FIELD_TYPES`,
    ``until:,`` with an argument). ``optional``: the value and its ``prefix``/``suffix`` literals may be
    missing together (nginx's ``, client: ...``). ``write``: the format spec the writer uses (``.1f``)."""

    name: str
    type: str
    optional: bool = False
    prefix: str = ""
    suffix: str = ""
    write: str = ""

    @property
    def base(self) -> str:
        return self.type.partition(":")[0]

    @property
    def arg(self) -> str:
        return self.type.partition(":")[2]


@dataclass(frozen=True)
class Maybe:
    """A literal the line may lack (gunicorn's space before the message). Writers write it."""

    text: str


@dataclass(frozen=True)
class Derive:
    """A column that is not a field of the line but computed from fields (or earlier derivations):
    its ``name``, its ``dtype`` (one of :data:`DTYPES`), the ``rule`` that computes it (a key of
    :data:`RULES`), the columns it ``uses`` (the first is the one the rule reads), the rule's
    ``params``, and ``only_if``: (column, values): null unless that column holds one of them."""

    name: str
    dtype: str
    rule: str
    uses: tuple[str, ...]
    params: Mapping = field(default_factory=dict, compare=False, hash=False)
    only_if: tuple[str, tuple[str, ...]] | None = None


Piece = str | Maybe | Field


@dataclass(frozen=True)
class Layout:
    """A fixed line layout: ``pieces`` in line order, ``derived`` columns, and how records form.

    ``multiline``: lines that start no record continue the one above (else they are rejects).
    ``start_through``: the last field the record-start regex covers (with the literals after it);
    by default it stops before the first free-text field. ``tail_from``: the optional fields from this
    one to the end are also looked for on the last line of a multi-line record (nginx puts
    ``, client: ...`` after a multi-line FastCGI message). ``order``: the columns in this order
    (names only; each column once), else fields then derivations. ``expect``: the layout in words for
    reject reasons, else made from the pieces.
    """

    name: str
    kind: str
    pieces: tuple[Piece, ...]
    derived: tuple[Derive, ...] = ()
    multiline: bool = False
    start_through: str | None = None
    tail_from: str | None = None
    order: tuple[str, ...] | None = None
    expect_words: str | None = None

    def __post_init__(self) -> None:
        check_layout(self)

    @property
    def fields(self) -> list[Field]:
        return [p for p in self.pieces if isinstance(p, Field)]

    @property
    def columns(self) -> tuple[str, ...]:
        """The column names, in frame order."""
        natural = [c for f in self.fields for c in (f.name, *EXTRA_OUTPUTS.get(f.base, ()))]
        natural += [d.name for d in self.derived]
        return tuple(self.order or natural)

    @property
    def expect(self) -> str:
        """The layout in words (``YYYY-mm-dd HH:MM:SS - message``), as reject reasons name it."""
        if self.expect_words is not None:
            return self.expect_words
        out = []
        for p in self.pieces:
            if isinstance(p, str):
                out.append(p)
            elif isinstance(p, Maybe):
                out.append(p.text)
            else:
                value = p.name
                if p.base in ("local_time", "offset_time"):
                    value = re.sub(r"%(.)", lambda m: _STRFTIME_WORDS.get(m.group(1), m.group(0)), p.arg)
                value = f"{p.prefix}{value}{p.suffix}"
                out.append(f"[{value}]" if p.optional else value)
        return "".join(out)

    def format(self, **values: object) -> str:
        """The line of ``values`` (one per field; an optional field may be None or left out).

        >>> Layout("m", "demo", (Field("ts", "local_time:%H:%M"), ",CPU:", Field("cpu", "number", write=".1f"))
        ...        ).format(ts="14:05", cpu=12.54)
        '14:05,CPU:12.5'
        """
        unknown = set(values) - {f.name for f in self.fields}
        if unknown:
            raise LayoutError(f"layout {self.name}: no field {', '.join(sorted(unknown))}; its fields are "
                              f"{', '.join(f.name for f in self.fields)}")
        out = []
        for p in self.pieces:
            if isinstance(p, str):
                out.append(p)
            elif isinstance(p, Maybe):
                out.append(p.text)
            else:
                value = values.get(p.name)
                if value is None:
                    if not p.optional:
                        raise LayoutError(f"layout {self.name}: field {p.name!r} needs a value")
                    continue
                text = format(value, p.write)
                if "\n" in text or "\r" in text:  # a line break would split the record in two
                    raise LayoutError(f"layout {self.name}: the value of {p.name!r} has a line break; "
                                      "escape it first (mkslog.text.one_line)")
                out.append(f"{p.prefix}{text}{p.suffix}")
        return "".join(out)


def check_layout(layout: Layout) -> None:
    """Refuse a table that cannot work, naming the field (see the module docstring)."""
    where = f"layout {layout.name}"
    seen: set[str] = set()
    for p in layout.pieces:
        if not isinstance(p, str | Maybe | Field):
            raise LayoutError(f"{where}: piece {p!r} is neither a literal, a Maybe nor a Field")
        if not isinstance(p, Field):
            continue
        if not _NAME.match(p.name):
            raise LayoutError(f"{where}: field name {p.name!r} is no identifier: use letters, digits and _")
        if p.base not in FIELD_TYPES:
            raise LayoutError(f"{where}: field {p.name!r} has unknown type {p.type!r}: use one of "
                              f"{', '.join(FIELD_TYPES)}")
        if p.base in NEEDS_ARG and not p.arg:
            raise LayoutError(f"{where}: field {p.name!r} of type {p.base} needs an argument ({p.base}:...)")
        for name in (p.name, *EXTRA_OUTPUTS.get(p.base, ())):
            if name in seen:
                raise LayoutError(f"{where}: column {name!r} (field {p.name!r}) is given twice: rename one")
            seen.add(name)
    fields = [p for p in layout.pieces if isinstance(p, Field | str)]  # a Maybe separates nothing
    for a, b in zip(fields, fields[1:], strict=False):
        if (isinstance(a, Field) and isinstance(b, Field) and a.base in FREE_TEXT and b.base in FREE_TEXT
                and not a.suffix and not b.prefix):
            raise LayoutError(f"{where}: free-text fields {a.name!r} and {b.name!r} follow each other with nothing "
                              f"between them: put a literal between them (no regex can tell where {a.name!r} ends)")
    for d in layout.derived:
        _check_derivation(where, d, seen)
        seen.add(d.name)
    names = {f.name for f in layout.fields}
    for attr in ("start_through", "tail_from"):
        value = getattr(layout, attr)
        if value is not None and value not in names:
            raise LayoutError(f"{where}: {attr}={value!r} names no field; its fields are {', '.join(sorted(names))}")
    if layout.tail_from is not None:
        after = layout.fields[[f.name for f in layout.fields].index(layout.tail_from):]
        if not all(f.optional and f.prefix for f in after) or not isinstance(layout.pieces[-1], Field):
            raise LayoutError(f"{where}: the tail from {layout.tail_from!r} must be optional fields with a "
                              "prefix each, ending the line")
    if layout.order is not None and sorted(layout.order) != sorted(seen):
        raise LayoutError(f"{where}: order must name each column once: {', '.join(sorted(seen))} "
                          f"(it gives {', '.join(layout.order)})")


def _check_derivation(where: str, d: Derive, seen: set[str]) -> None:
    if d.name in seen:
        raise LayoutError(f"{where}: derivation {d.name!r} has the name of a column already given: rename it")
    if d.dtype not in DTYPES:
        raise LayoutError(f"{where}: derivation {d.name!r} has unknown dtype {d.dtype!r}: use one of {', '.join(DTYPES)}")
    if d.rule not in RULES:
        raise LayoutError(f"{where}: derivation {d.name!r} has unknown rule {d.rule!r}: use one of {', '.join(RULES)}")
    missing = [p for p in RULES[d.rule] if p not in d.params]
    if missing:
        raise LayoutError(f"{where}: derivation {d.name!r} (rule {d.rule}) needs parameter(s) {', '.join(missing)}")
    needs = [*d.uses, *([d.only_if[0]] if d.only_if else [])]
    if not d.uses:
        raise LayoutError(f"{where}: derivation {d.name!r} uses no column: name the field it is computed from")
    for name in needs:
        if name not in seen:
            raise LayoutError(f"{where}: derivation {d.name!r} needs field {name!r}, which the layout does not have "
                              "(or derives only after it): add the field or derive it first")


__all__ = ["DTYPES", "FIELD_TYPES", "FREE_TEXT", "RULES", "Derive", "Field", "Layout", "LayoutError", "Maybe", "Piece"]
