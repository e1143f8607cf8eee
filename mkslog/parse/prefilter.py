"""Which records a query's filter can keep, read from the raw text before anything is parsed.

``errors`` keeps the records at ERROR or above: 2 % of an application log. Extracting and
converting every record's fields only to throw 98 % away costs most of the query. A record whose
``level`` is ``ERROR`` has ``ERROR`` written in its first line, so a line that holds none of the
levels the filter accepts cannot be kept: one substring search (:func:`holds_any`) drops it, and
only the rest is parsed and filtered exactly as before. The search is a necessary condition, never
a sufficient one: the exact filter still decides every row left.

A column's :class:`Vocabulary` says which values it can take (the format declares it: Python
logging's level names) and which text each value is written as. The filter is not read as code:
each of its top-level ``&`` parts that depends on that column alone is evaluated on every value of
the vocabulary and on null, and a value is a candidate when no part rejects it. A part that keeps
null (``level.is_null()``) or cannot be evaluated gives no restriction; a filter of ``|`` parts is
one part. Values outside the enumeration (``Level 5``, any number) are covered by ``open_needles``,
texts that are always searched for.

>>> import polars as pl
>>> from mkslog.formats.record import Vocabulary
>>> levels = Vocabulary("level", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"), ("Level ",))
>>> needles(pl.col("level").is_in(["ERROR", "CRITICAL"]) & (pl.col("ts").dt.hour() > 3), levels)
('ERROR', 'CRITICAL', 'Level ')
>>> needles(pl.col("level").is_null() | (pl.col("level") == "ERROR"), levels) is None
True

A column whose values are written in the first line as they are (a message, a logger name: the
format's ``verbatim`` columns) gives its own text search: a part ``message.str.contains("Invalid
username", literal=True)`` (or ``starts_with``, ``ends_with``, ``== "..."``) keeps only lines
holding that text. :func:`text_filters` gives every search a filter implies; a line must pass
each of them.

>>> text_filters(pl.col("message").str.contains("Invalid username", literal=True) & (pl.col("level") == "WARNING"),
...              levels, frozenset({"message"}))
(('WARNING', 'Level '), ('Invalid username',))
"""

from __future__ import annotations

import json

import polars as pl

from ..formats.base import escape
from ..formats.record import Vocabulary


def conjuncts(predicate: pl.Expr) -> list[pl.Expr]:
    """The parts of ``predicate`` joined by its top-level ``&`` (itself when it has none).

    >>> [str(p) for p in conjuncts((pl.col("a") > 1) & (pl.col("b") < 2) & pl.col("c"))]
    ['col("c")', '[(col("b")) < (dyn int: 2)]', '[(col("a")) > (dyn int: 1)]']
    """
    try:
        tree = json.loads(predicate.meta.serialize(format="json"))
    except Exception:  # a filter polars cannot serialise (a Python UDF): taken whole
        return [predicate]
    if not (isinstance(tree, dict) and tree.get("BinaryExpr", {}).get("op") == "And"):
        return [predicate]
    return [part for child in predicate.meta.pop() for part in conjuncts(child)]


def accepted(part: pl.Expr, vocabulary: Vocabulary) -> set[str] | None:
    """The names ``part`` (a filter over the vocabulary's column alone) can keep; None when it
    keeps null or cannot be evaluated on the names (then it restricts nothing)."""
    values = [*vocabulary.names, None]
    probe = pl.DataFrame({vocabulary.column: values}, schema={vocabulary.column: pl.String})
    keep = part.fill_null(False).alias("kept")
    try:
        kept = probe.select(keep).to_series()
        # a row's answer must not depend on the rows around it (a shift, a first occurrence):
        # the probe reversed, and each value twice, give the same answers. (polars pushes only
        # such filters into a scan; the parser applies them chunk by chunk in any case.)
        backwards = probe.reverse().select(keep).to_series().reverse()
        doubled = probe.select(pl.col(vocabulary.column).repeat_by(2).explode()).select(keep).to_series()
    except Exception:  # a filter of another type (a number compared with a string ...): no restriction
        return None
    if kept.dtype != pl.Boolean or len(kept) != len(probe) or kept[-1] or not kept.equals(backwards) \
            or not doubled.equals(kept.repeat_by(2).explode()):
        return None
    return {name for name, keep in zip(vocabulary.names, kept[:-1], strict=True) if keep}


def needles(predicate: pl.Expr | None, vocabulary: Vocabulary) -> tuple[str, ...] | None:
    """The texts at least one of which every first line kept by ``predicate`` holds, or None when
    the predicate does not restrict the vocabulary's column."""
    if predicate is None:
        return None
    names: set[str] | None = None
    for part in conjuncts(predicate):
        if set(part.meta.root_names()) != {vocabulary.column}:
            continue
        kept = accepted(part, vocabulary)
        if kept is not None:
            names = kept if names is None else names & kept
    if names is None:
        return None
    return tuple(n for n in vocabulary.names if n in names) + vocabulary.open_needles


def literal_needle(part: pl.Expr, verbatim: frozenset[str]) -> str | None:
    """The text every value kept by ``part`` holds, when ``part`` is a literal search in one of the
    ``verbatim`` columns (``contains(..., literal=True)``, ``starts_with``, ``ends_with``, ``==``);
    None for any other filter."""
    try:
        tree = json.loads(part.meta.serialize(format="json"))
    except Exception:
        return None
    if "BinaryExpr" in tree:
        node = tree["BinaryExpr"]
        sides = [node.get("left"), node.get("right")]
        if node.get("op") != "Eq":
            return None
    elif "Function" in tree:
        node = tree["Function"]
        sides = node.get("input") or []
        function = node.get("function", {}).get("StringExpr")
        literal = function in ("StartsWith", "EndsWith") or (
            isinstance(function, dict) and function.get("Contains", {}).get("literal") is True)
        if not literal or len(sides) != 2 or sides[0] != {"Column": sides[0].get("Column")}:
            return None
    else:
        return None
    columns = [side.get("Column") for side in sides if isinstance(side, dict) and "Column" in side]
    texts = [side["Literal"]["Scalar"]["String"] for side in sides if isinstance(side, dict)
             and isinstance(side.get("Literal"), dict) and isinstance(side["Literal"].get("Scalar"), dict)
             and isinstance(side["Literal"]["Scalar"].get("String"), str)]
    if len(columns) != 1 or len(texts) != 1 or columns[0] not in verbatim:
        return None
    return texts[0]


#: The longest text a literal search is read from the raw text for; a longer one (a pasted search)
#: restricts nothing and the exact filter alone decides. Searching for it costs more than parsing
#: saves: 100,000 characters take polars' substring searches seconds per chunk, whichever kind
#: (contains_any 33 s for two lines, a regex 5 s), and a regex of a million exceeds its size limit.
MAX_SEARCH_TEXT = 1000


def holds_any(text: pl.Expr, words: tuple[str, ...]) -> pl.Expr:
    """Whether ``text`` holds one of ``words`` (as written, not as patterns).

    One regex of the escaped words, not ``str.contains_any``: the regex's literal prefilter (SIMD)
    skips most of a line that holds none, where contains_any runs its automaton per row (16 MiB of
    app lines and the five level names: 5.5 ms against 11). The words are short
    (:data:`MAX_SEARCH_TEXT`).

    >>> lines = pl.Series(["a (b) c", "abc", "a.c"])
    >>> lines.to_frame("l").select(holds_any(pl.col("l"), ("(b)", "a.c"))).to_series().to_list()
    [True, False, True]
    """
    return text.str.contains("|".join(escape(w) for w in words))


def text_filters(predicate: pl.Expr | None, vocabulary: Vocabulary | None,
                 verbatim: frozenset[str] = frozenset()) -> tuple[tuple[str, ...], ...]:
    """The text searches ``predicate`` implies for a record's first line: each a tuple of texts
    of which the line must hold one; empty when it implies none. Worked out once per filter (the
    same one comes with every chunk of a read: probing and serialising it per chunk cost more than
    a small chunk's parse)."""
    if predicate is None:
        return ()
    try:
        key = (predicate.meta.serialize(), vocabulary, verbatim)
    except Exception:  # not serialisable (a Python function in it): worked out for each chunk
        return _text_filters(predicate, vocabulary, verbatim)
    if key not in _CACHE:
        if len(_CACHE) > 64:
            _CACHE.clear()
        _CACHE[key] = _text_filters(predicate, vocabulary, verbatim)
    return _CACHE[key]


_CACHE: dict[tuple, tuple[tuple[str, ...], ...]] = {}


def _text_filters(predicate: pl.Expr, vocabulary: Vocabulary | None,
                  verbatim: frozenset[str]) -> tuple[tuple[str, ...], ...]:
    found: list[tuple[str, ...]] = []
    if vocabulary is not None and (words := needles(predicate, vocabulary)) is not None:
        found.append(words)
    found.extend((text,) for part in conjuncts(predicate)
                 if (text := literal_needle(part, verbatim)) and len(text) <= MAX_SEARCH_TEXT)
    return tuple(found)


__all__ = ["MAX_SEARCH_TEXT", "accepted", "conjuncts", "holds_any", "literal_needle", "needles", "text_filters"]
