"""Fields taken by cutting a line at its quotes, not by one capturing regex over the whole line.

A capturing regex costs per character it walks, and the quoted user agent and referer are half of
an access line: over a 24 MiB chunk of ``timed`` lines one regex capturing every field takes about
160 ms of CPU, cutting the lines at ``"`` and capturing in the short unquoted parts about a third
of that. The cut is exact only for a *plain* line, one whose values hold no ``"`` (and whose quoted
values no backslash escape): then its quotes are exactly the format's own, and the parts between
them line up with the format. :attr:`SplitPlan.pattern` is the format's full pattern with every
value narrowed that way; a line that matches it is valid and plain. A valid line that is not plain
(``\\"`` inside a user agent, a ``"`` in ``$remote_user``) takes the full capturing regex instead:
the same answer, slower.

>>> from mkslog.formats import compile_format
>>> plan = split_plan(compile_format("combined"))
>>> plan.quotes, [len(s.fields) for s in plan.segments]
(6, [3, 1, 2, 1, 0, 1, 0])
>>> import polars as pl
>>> line = '1.2.3.4 - - [10/Oct/2026:13:55:36 +0900] "GET / HTTP/1.1" 200 5 "-" "curl/8"'
>>> fmt = compile_format("combined")
>>> df = plan.take(pl.DataFrame({"line": [line]}), fmt.fields_for(["ts", "status", "user_agent"]))
>>> df.select("g2", "g4", "g7").row(0)
('10/Oct/2026:13:55:36 +0900', '200', 'curl/8')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

import polars as pl

from .base import Field, LogFormat, class_escape, escape
from .fields import TYPES
from .views import column_of_views, native_wanted, string_views

try:
    from ..native import linecut
except ImportError:  # built at install time; without a C compiler polars cuts the lines
    linecut = None

#: The column holding a line's parts between quotes while fields are taken from them.
PARTS = "__parts"


@dataclass(frozen=True)
class Word:
    """Where a field sits among the words of its part: the first word, how many spaces its value
    holds, and the literal text before and after it in those words."""

    start: int
    spaces: int
    prefix: str
    suffix: str


@dataclass(frozen=True)
class Words:
    """A part cut at its spaces: ``splits`` spaces, the last word the rest when ``rest``."""

    splits: int
    rest: bool
    fields: dict[Field, Word]

    @property
    def first_word_only(self) -> Field | None:
        """The field, when the words give one field that is the whole first word (top-ips'
        address), else None."""
        if len(self.fields) != 1:
            return None
        field, at = next(iter(self.fields.items()))
        return field if at == Word(0, 0, "", "") and self.splits >= 1 else None

    def cut(self, text: pl.Expr) -> pl.Expr:
        return text.str.splitn(" ", self.splits + 1) if self.rest else text.str.split_exact(" ", self.splits)

    def cut_specs(self, part: int, fields: list[Field]) -> tuple[tuple[int, int, int, bytes, bytes], ...]:
        """Where each of ``fields`` lies among these words of line part ``part``, for the C cut
        (:func:`native_cut`): the part, its first and last word (last -2: the rest of the part)
        and the literal prefix and suffix around it."""
        out = []
        for field in fields:
            at = self.fields[field]
            last = at.start + at.spaces
            out.append((part, at.start, -2 if self.rest and last == self.splits else last, at.prefix.encode(),
                        at.suffix.encode()))
        return tuple(out)

    def value(self, words: pl.Expr, field: Field) -> pl.Expr:
        at = self.fields[field]
        names = [f"field_{i}" for i in range(at.start, at.start + at.spaces + 1)]
        value = (words.struct.field(names[0]) if len(names) == 1
                 else pl.concat_str([words.struct.field(n) for n in names], separator=" "))
        if at.prefix:
            value = value.str.strip_prefix(at.prefix)
        if at.suffix:
            value = value.str.strip_suffix(at.suffix)
        return value


def first_word(text: pl.Expr) -> pl.Expr:
    """The bytes of ``text`` before its first space, as a string (null without a space).

    A split at ``" "`` walks Rust's two-way string searcher per line; this finds the space with
    memchr and keeps the bytes before it (6 ms per 24 MiB of access lines against 16). Bytes, not
    characters: ``str.find`` counts bytes, ``str.slice`` characters; the bytes before an ASCII space
    are whole UTF-8 characters.

    >>> pl.select(first_word(pl.lit("日本 x y")), first_word(pl.lit("none")).alias("b")).row(0)
    ('日本', None)
    """
    return text.cast(pl.Binary).bin.head(text.str.find(" ", literal=True)).cast(pl.String)


def first_words(lines: pl.Series) -> pl.Series | None:
    """:func:`first_word` of every line by the C loop (``first_words`` in ``mkslog/native/linecut.c``:
    a memchr per line, 5x faster than polars' find and slice), as a column of its own buffers;
    None where it does not apply (the extension not built, lines with nulls).

    >>> words = first_words(pl.Series(["1.2.3.4 - x", "2001:db8::1234:5678:9abc - y", "none"]))
    >>> words.to_list() if words is not None else ['1.2.3.4', '2001:db8::1234:5678:9abc', None]
    ['1.2.3.4', '2001:db8::1234:5678:9abc', None]
    """
    arrow = string_views(lines) if linecut is not None and native_wanted() else None
    if arrow is None:
        return None
    buffers = arrow.buffers()
    views, data, validity = linecut.first_words(buffers[1], tuple(buffers[2:]), arrow.offset, len(arrow))
    return column_of_views(lines.name, views, [data], validity)


def native_cut(lines: pl.Series, quotes: int, cuts: tuple[tuple[int, int, int, bytes, bytes], ...],
               names: list[str]) -> list[pl.Series] | None:
    """The fields ``cuts`` describes (:meth:`SplitPlan.cuts`, :meth:`Words.cut_specs`) cut from
    ``lines`` by the C loop, as columns ``names``, each in buffers of its own; None where it does
    not apply (the extension not built, lines with nulls). Every line must be plain: exactly
    ``quotes`` quotes (0: the whole line is one part and its quotes are not looked at).

    >>> cut = native_cut(pl.Series(["2026-11-18 14:05:00,123 ERROR app.api: boom now"]), 0,
    ...                  ((0, 2, 2, b"", b""), (0, 3, 3, b"", b":"), (0, 4, -2, b"", b"")), ["level", "logger", "rest"])
    >>> [c.item() for c in cut] if cut is not None else ["ERROR", "app.api", "boom now"]
    ['ERROR', 'app.api', 'boom now']
    """
    arrow = string_views(lines) if linecut is not None and native_wanted() else None
    if arrow is None:
        return None
    buffers = arrow.buffers()
    cut = linecut.cut_views(buffers[1], tuple(buffers[2:]), arrow.offset, len(arrow), quotes, cuts)
    return [column_of_views(name, views, [data]) for name, (views, data) in zip(names, cut, strict=True)]


def spaces_in(field: Field, capture: str) -> int | None:
    """How many spaces every value of ``field`` holds, None when that varies."""
    ftype = TYPES[field.type]
    if capture == "[^ ]*" or (ftype.alphabet is not None and not re.fullmatch(ftype.alphabet, " ")):
        return 0
    return ftype.fixed_spaces


@dataclass(frozen=True)
class Segment:
    """The text of a line between two of its quotes (or an end): literals without quotes and the
    fields in it, each as (field, fragment that captures it in a validated part)."""

    index: int
    pieces: tuple[str | tuple[Field, str], ...]

    @property
    def fields(self) -> list[Field]:
        return [p[0] for p in self.pieces if isinstance(p, tuple)]

    def pattern(self, capture: set[str], numbers: dict[Field, int]) -> str:
        out = ["^"]
        for piece in self.pieces:
            if isinstance(piece, str):
                out.append(escape(piece))
            elif piece[0].var in capture:
                out.append(f"(?P<g{numbers[piece[0]]}>{piece[1]})")
            else:
                out.append(f"(?:{piece[1]})")
        return "".join(out) + "$"

    def words(self) -> Words | None:
        """The part as words between spaces, when every field in it holds a known number of
        spaces (none, or a time's one) and no two fields share a word; None otherwise. The last
        field may hold any number (it takes the rest of the part)."""
        layout: dict[Field, Word] = {}
        word, pending, last, rest = 0, "", None, False
        for i, piece in enumerate(self.pieces):
            if isinstance(piece, str):
                for ch in piece:
                    if ch == " ":
                        if last is not None:
                            layout[last] = replace(layout[last], suffix=pending)
                            last = None
                        word, pending = word + 1, ""
                    else:
                        pending += ch
                continue
            field, capture = piece
            if last is not None:
                return None  # two fields in one word: only their fragments tell where one ends
            spaces = spaces_in(field, capture)
            if spaces is None:
                if i != len(self.pieces) - 1:
                    return None
                rest, spaces = True, 0
            layout[field] = Word(word, spaces, pending, "")
            word, pending, last = word + spaces, "", field
        if last is not None:
            layout[last] = replace(layout[last], suffix=pending)
        return Words(word, rest, layout)

    @property
    def whole_field(self) -> Field | None:
        """The field that is this whole part (a quoted value), else None."""
        return self.pieces[0][0] if len(self.pieces) == 1 and isinstance(self.pieces[0], tuple) else None


@dataclass(frozen=True)
class SplitPlan:
    """How a format's fields are taken from its plain lines (see the module)."""

    quotes: int
    pattern: str
    segments: tuple[Segment, ...]
    numbers: dict[Field, int]

    def take(self, lines: pl.DataFrame | pl.LazyFrame, fields: list[Field]) -> pl.DataFrame | pl.LazyFrame:
        """``lines`` (all matching :attr:`pattern`) with the raw text of ``fields`` as columns
        ``g<n>`` (their number in the format). Each cut is computed once and read by every field
        in it: polars would compute a repeated split once per use."""
        wanted = {f.var for f in fields}
        frame = lines.with_columns(pl.col("line").str.split_exact('"', self.quotes).alias(PARTS))
        cuts, values, temporary = [], [], [PARTS]
        for seg in self.segments:
            names = [f for f in seg.fields if f.var in wanted]
            if not names:
                continue
            text = pl.col(PARTS).struct.field(f"field_{seg.index}")
            if seg.whole_field is not None:
                values.append(text.alias(self.group(seg.whole_field)))
                continue
            words = seg.words()
            if words is not None:  # a split at spaces is cheaper than captures, even short ones
                column = f"{PARTS}{seg.index}"
                cuts.append(words.cut(text).alias(column))
                temporary.append(column)
                values.extend(words.value(pl.col(column), f).alias(self.group(f)) for f in names)
                continue
            regex = seg.pattern(wanted, self.numbers)
            if len(names) == 1:
                values.append(text.str.extract(regex, 1).alias(self.group(names[0])))
            else:
                groups = text.str.extract_groups(regex)
                values.extend(groups.struct.field(self.group(f)).alias(self.group(f)) for f in names)
        if cuts:
            frame = frame.with_columns(cuts)
        return frame.with_columns(values).drop(temporary)

    def cuts(self, fields: list[Field]) -> tuple[tuple[int, int, int, bytes, bytes], ...] | None:
        """Where each of ``fields`` lies in a plain line, for the C cut (``mkslog/native/linecut.c``):
        its part, its first and last word (-1: the whole part; last -2: the rest of the part) and
        the literal prefix and suffix around it; None when a field is only found by a regex.

        >>> from mkslog.formats import compile_format
        >>> fmt = compile_format("combined")
        >>> split_plan(fmt).cuts(fmt.fields_for(["ts", "status", "user_agent"]))
        ((0, 3, 4, b'[', b']'), (2, 1, 1, b'', b''), (5, -1, -1, b'', b''))
        """
        out = []
        for field in fields:
            segment = next(s for s in self.segments if field in s.fields)
            if segment.whole_field == field:
                out.append((segment.index, -1, -1, b"", b""))
                continue
            words = segment.words()
            if words is None:
                return None
            out.extend(words.cut_specs(segment.index, [field]))
        return tuple(out)

    def take_native(self, lines: pl.DataFrame, fields: list[Field]) -> pl.DataFrame | None:
        """:meth:`take` by the C cut: each field a column of its own (its values copied out of the
        lines once, no split structs; 3x faster over a chunk of ``timed`` lines). None where it does
        not apply (a field found by a regex, the extension not built, lines with nulls)."""
        cuts = self.cuts(fields) if linecut is not None and native_wanted() else None
        columns = native_cut(lines.get_column("line"), self.quotes, cuts, [self.group(f) for f in fields]) if cuts else None
        return None if columns is None else lines.with_columns(columns)

    def leading_words(self, fields: list[Field]) -> Words | None:
        """How ``fields`` are cut from a *valid* line (plain or not) at its first spaces, when all
        of them sit in the words of the line's first part before its last word; else None.
        top-ips takes the client address so: a split at the first space costs less than a regex."""
        words = self.segments[0].words() if self.segments else None
        if words is None or any(f not in words.fields for f in fields):
            return None
        last = max(words.fields[f].start + words.fields[f].spaces for f in fields)
        if last >= words.splits:  # the part's last word runs on past its closing quote
            return None
        return Words(last + 1, False, {f: words.fields[f] for f in fields})

    def group(self, field: Field) -> str:
        return f"g{self.numbers[field]}"


def plain_fragment(fmt: LogFormat, index: int) -> str | None:
    """The fragment of field ``fmt.pieces[index]`` narrowed to values without ``"``; None when its
    type has no such form (the plan then does not apply to the format)."""
    piece = fmt.pieces[index]
    assert isinstance(piece, Field)
    ftype = TYPES[piece.type]
    before, after = fmt.literals_around(index)
    if before.endswith('"') and after.startswith('"'):
        return r'[^"\\]*'
    if ftype.fragment is None:
        return f'[^{class_escape(after[0])}"]*' if after and after[0] != '"' else '[^"]*'
    return ftype.plain


def capture_fragment(fmt: LogFormat, index: int, plain: str) -> str:
    """How field ``fmt.pieces[index]`` is captured in a part already validated: up to the first
    character of the literal after it when no value can hold that character (its type's
    alphabet), the rest of the part when a quote follows, else its plain fragment (a capture
    through a time's alternations costs five times ``[^]]*``)."""
    piece = fmt.pieces[index]
    assert isinstance(piece, Field)
    after = fmt.pieces[index + 1] if index + 1 < len(fmt.pieces) else ""
    if not isinstance(after, str):
        return plain  # two fields side by side: only the fragments tell where one ends
    if after == "" or after.startswith('"'):
        return ".*"
    ftype = TYPES[piece.type]
    stop = after[0]
    if ftype.fragment is None or (ftype.alphabet is not None and not re.fullmatch(ftype.alphabet, stop)):
        return f"[^{class_escape(stop)}]*"
    return plain


@lru_cache(maxsize=256)
def split_plan(fmt: LogFormat) -> SplitPlan | None:
    """The split plan of ``fmt``, or None when it has no quotes to cut at or a field type that
    cannot be narrowed (then the capturing regex does all lines)."""
    quotes = sum(p.count('"') for p in fmt.pieces if isinstance(p, str))
    if not quotes:
        return None
    numbers = {f: i for i, f in enumerate(fmt.fields)}
    segments: list[list] = [[]]
    regex = ["^"]
    for i, piece in enumerate(fmt.pieces):
        if isinstance(piece, str):
            regex.append(escape(piece))
            first, *rest = piece.split('"')
            if first:
                segments[-1].append(first)
            for part in rest:
                segments.append([part] if part else [])
            continue
        frag = plain_fragment(fmt, i)
        if frag is None:
            return None
        regex.append(f"(?:{frag})")
        segments[-1].append((piece, capture_fragment(fmt, i, frag)))
    regex.append("$")
    return SplitPlan(quotes, "".join(regex), tuple(Segment(i, tuple(s)) for i, s in enumerate(segments)), numbers)
