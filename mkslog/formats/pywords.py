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
from .split import Word, Words


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
        """``lines`` (all matching :attr:`pattern`) with the raw text of every field as ``g<n>``."""
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
    regex, word, pending, open_field = ["^"], 0, "", None
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
        regex.append(f"(?:{fragment})")
        layout[piece] = Word(word, spaces, pending, "")
        word, pending, open_field = word + spaces, "", piece
    if open_field is not None or pending:  # the message shares a word with the header
        return None
    return HeaderCut("".join(regex), Words(word, True, layout), {f: f"g{fields.index(f)}" for f in layout},
                     f"g{fields.index(last)}")


def _narrowed(fmt: LogFormat, index: int, level_names: tuple[str, ...]) -> tuple[str, int] | None:
    """(fragment, spaces in every value) of the field ``pieces[index]`` narrowed to values of a
    fixed number of spaces, or None."""
    field = fmt.pieces[index]
    assert isinstance(field, Field)
    spec = fmt.extra["specs"].get(field.var)
    if spec is not None and (spec.padded or spec.truncate is not None):
        return None
    if field.type == "asctime":
        return (DEFAULT_SHAPE[1:-1], 1) if fmt.extra["datefmt"].flexible else None
    if field.type == "level":
        return "(?:" + "|".join(level_names) + ")", 0
    if field.type in ("token", "int", "uint", "float"):
        fragment = fmt.fragment(index)
        return (fragment, 0) if " " not in fragment.replace("[^ ", "") else None
    return None


__all__ = ["HeaderCut", "header_cut"]
