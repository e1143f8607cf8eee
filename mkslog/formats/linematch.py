"""Which lines a format's anchored regex matches: polars' ``str.contains``, faster.

The byte DFA of :mod:`mkslog.formats.bytedfa` runs in C (``mkslog/native/linedfa.c``, built when
the package is installed) over the string views polars holds, without copying them and without
the GIL. Where the pattern leaves the DFA's subset, the lines hold nulls, or the extension was
not built (no C compiler at install time), polars' regex answers: the same values, slower.

>>> import polars as pl
>>> lines = pl.Series("line", ["200 ok", "20x no", "404 fine and long enough to leave the view"])
>>> contains(lines, "^[0-9]{3} ").to_list()
[True, False, True]
>>> contains(lines, "^(?i)x").to_list()  # outside the DFA's subset: polars' regex
[False, False, False]
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from functools import lru_cache

import polars as pl
import pyarrow as pa

from .bytedfa import ByteDFA, compile_dfa
from .views import native_wanted, string_views

try:
    from ..native import linedfa
except ImportError:  # built at install time; without a C compiler the regex answers
    linedfa = None


def native_available() -> bool:
    """Whether the C loop is built and not switched off (:data:`mkslog.formats.views.DISABLE_ENV`)."""
    return linedfa is not None and native_wanted()


@dataclass(frozen=True)
class Tables:
    """A :class:`ByteDFA` laid out for the C loop: the dead state, then the special states (those
    that jump, or accept a prefix), then the rest; each target stored as its row's offset."""

    classes: bytes
    next: bytes
    n_classes: int
    start: int
    special: int
    accept: bytes
    accel: bytes
    whole: bool


@lru_cache(maxsize=256)
def tables(dfa: ByteDFA) -> Tables:
    """The C loop's layout of ``dfa``.

    >>> t = tables(compile_dfa('^[^ "]* x$'))
    >>> t.special // t.n_classes, t.start // t.n_classes  # dead, the address's loop; then the start
    (2, 2)
    """
    width, states = dfa.n_classes, range(dfa.n_states)
    special = [s for s in states if s and (dfa.accel[4 * s] != 255 or (not dfa.whole and dfa.accept[s]))]
    order = [0, *special, *(s for s in states if s and s not in special)]
    where = {old: new for new, old in enumerate(order)}
    rows = array("I", (where[dfa.next[old * width + c]] * width for old in order for c in range(width)))
    return Tables(dfa.classes, rows.tobytes(), width, where[1] * width, (1 + len(special)) * width,
                  bytes(dfa.accept[s] for s in order), b"".join(dfa.accel[4 * s : 4 * s + 4] for s in order),
                  dfa.whole)


def dfa_for(pattern: str) -> ByteDFA | None:
    """The byte DFA the C loop runs for ``pattern``, None where polars' regex must answer."""
    return compile_dfa(pattern) if native_available() else None


def contains(lines: pl.Series, pattern: str) -> pl.Series:
    """``lines.str.contains(pattern)`` as a Boolean Series of the same name."""
    dfa = dfa_for(pattern)
    arrow = string_views(lines) if dfa is not None else None
    if arrow is None:
        return lines.str.contains(pattern)
    buffers = arrow.buffers()
    t = tables(dfa)
    bitmap, _ = linedfa.match_views(buffers[1], tuple(buffers[2:]), arrow.offset, len(arrow), t.classes, t.next,
                                    t.n_classes, t.start, t.special, t.accept, t.accel, t.whole)
    flags = pa.Array.from_buffers(pa.bool_(), len(arrow), [None, pa.py_buffer(bitmap)])
    return pl.Series(lines.name, flags)

