"""A Python ``logging`` line's header cut at its spaces, not captured by one regex.

Capturing ``2026-11-18 14:05:00,123 ERROR app.api: boom`` into asctime, level and logger costs
about 60 ms of CPU per 100k lines; checking the same header with a regex that captures nothing
and cutting the line at its first four spaces costs 25. The cut is exact for a line whose header
matches :attr:`HeaderCut.pattern`: the format's own header regex with every field narrowed to a
fixed number of spaces (an asctime in Python's default layout holds one, a level name or a
logger none), so its spaces are exactly the format's. A chunk where any first line does not
match (another asctime layout, ``Level 5``, a partial line) is captured by the regex instead.

>>> from mkslog.formats.pylogging import LEVEL_NAMES, compile_logging
>>> cut = header_cut(compile_logging("mks"), LEVEL_NAMES)
>>> cut.words.splits, [(f.column, w.start, w.spaces, w.suffix) for f, w in cut.words.fields.items()]
(4, [('ts', 0, 1, ''), ('level', 2, 0, ''), ('logger', 3, 0, ':')])
>>> import polars as pl
>>> cut.take(pl.DataFrame({"line": ["2026-11-18 14:05:00,123 ERROR app.api: boom now"]})).row(0)
('2026-11-18 14:05:00,123 ERROR app.api: boom now', '2026-11-18 14:05:00,123', 'ERROR', 'app.api', 'boom now')
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import polars as pl

from .asctime import DEFAULT_SHAPE
from .base import Field, LogFormat, escape
from .split import Word, Words, native_cut


@dataclass(frozen=True)
class HeaderCut:
    """How the fields of a first line are cut from it: ``pattern`` (no captures, no colour codes)
    vouches for a line; ``words`` says which words of it hold which field; the message is the
    rest of the line after them (group ``rest``)."""

    pattern: str
    words: Words
    groups: dict[Field, str]
    rest: str

    def take(self, lines: pl.DataFrame) -> pl.DataFrame:
        """``lines`` (all matching :attr:`pattern`) with the raw text of every field as ``g<n>``:
        cut by the C loop (:func:`~mkslog.formats.split.native_cut`; polars' ``splitn`` and the
        struct fields cost twice as much), else by polars."""
        specs = (*self.words.cut_specs(0, list(self.groups)), (0, self.words.splits, -2, b"", b""))
        columns = native_cut(lines.get_column("line"), 0, specs, [*self.groups.values(), self.rest])
        if columns is not None:
            return lines.with_columns(columns)
        cut = self.words.cut(pl.col("line"))
        values = [self.words.value(pl.col("__words"), f).alias(group) for f, group in self.groups.items()]
        values.append(pl.col("__words").struct.field(f"field_{self.words.splits}").alias(self.rest))
        return lines.lazy().with_columns(cut.alias("__words")).with_columns(values).drop("__words").collect()


def header_cut(fmt: LogFormat, level_names: tuple[str, ...]) -> HeaderCut | None:
    """The cut of ``fmt``'s first lines, or None when its header has a field of no fixed width in
    spaces (a padded or truncated value, free text, a datefmt), two fields in one word, or does
    not end in a space before the message."""
    pieces, fields = fmt.pieces, fmt.fields
    last = pieces[-1] if pieces else None
    if not isinstance(last, Field) or last.type != "message":
        return None
    layout: dict[Field, Word] = {}
    regex, word, pending, open_field, guard = ["^"], 0, "", None, False
    for index, piece in enumerate(pieces[:-1]):
        if isinstance(piece, str):
            regex.append(escape(piece))
            for ch in piece:
                if ch != " ":
                    pending += ch
                    continue
                if open_field is not None:
                    layout[open_field] = replace(layout[open_field], suffix=pending)
                    open_field = None
                word, pending = word + 1, ""
            continue
        narrowed = _narrowed(fmt, index, level_names)
        if narrowed is None or open_field is not None:
            return None
        fragment, spaces = narrowed
        if guard:  # right after an asctime and a space: a value must not begin like an offset
            if (fragment := _not_an_offset(fragment, piece.type)) is None:
                return None
            guard = False
        if piece.type == "asctime":
            after = pieces[index + 1] if index + 1 < len(pieces) - 1 else None
            closed = _after_asctime(after if isinstance(after, str) else None)
            if closed is None:
                return None
            guard = not closed
        regex.append(f"(?:{fragment})")
        layout[piece] = Word(word, spaces, pending, "")
        word, pending, open_field = word + spaces, "", piece
    if open_field is not None or pending or guard:  # the message shares a word with the header, or
        return None  # follows an asctime and a space (it may begin like an offset)
    return HeaderCut("".join(regex), Words(word, True, layout), {f: f"g{fields.index(f)}" for f in layout},
                     f"g{fields.index(last)}")


def _after_asctime(literal: str | None) -> bool | None:
    """Whether the format's flexible asctime regex (``...,123`` then an optional `` +0900``,
    ``+09:00`` or ``Z``) cannot run on into ``literal``, the text after a default-shaped asctime:
    True; False when that holds only if the next field does not begin with a sign (``literal`` is
    one space); None when it may run on (the cut would then read another asctime than the regex).

    >>> _after_asctime(" "), _after_asctime(" - "), _after_asctime("] "), _after_asctime(" +"), _after_asctime("Z")
    (False, True, True, None, None)
    """
    if not literal or literal[0] == "Z" or literal[0].isdigit():
        return None
    for start in (0, 1) if literal[0] == " " else (0,):
        rest = literal[start:]
        if rest and rest[0] in "+-" and (len(rest) == 1 or rest[1].isdigit()):
            return None
    return literal != " "


def _not_an_offset(fragment: str, ftype: str) -> str | None:
    """``fragment`` narrowed to values that do not begin with ``+``, ``-`` or ``Z`` (so an asctime
    before them cannot take them for its offset), or None when it cannot be narrowed so."""
    if ftype == "level":
        return fragment  # level names begin with a letter other than Z
    if ftype in ("int", "float") and fragment.startswith("-?"):
        return fragment[2:]
    if ftype == "uint":
        return fragment
    if ftype == "token" and fragment.startswith("[^") and fragment.endswith("]+"):
        inner = fragment[2:-2]
        return f"[^{inner}+\\-Z][^{inner}]*"
    return None


def _narrowed(fmt: LogFormat, index: int, level_names: tuple[str, ...]) -> tuple[str, int] | None:
    """(fragment, spaces in every value) of the field ``pieces[index]`` narrowed to values of a
    fixed number of spaces, or None."""
    field = fmt.pieces[index]
    assert isinstance(field, Field)
    spec = fmt.extra["specs"].get(field.var)
    if spec is not None and (spec.padded or spec.truncate is not None):
        return None
    if field.type == "asctime":
        return (DEFAULT_SHAPE, 1) if fmt.extra["datefmt"].flexible else None
    if field.type == "level":
        return "(?:" + "|".join(level_names) + ")", 0
    if field.type in ("token", "int", "uint", "float"):
        return fmt.fragment(index), 0  # no space in any value: a token stops at one, numbers hold none
    return None


__all__ = ["HeaderCut", "header_cut"]
