"""The tokens of a Python ``logging`` format string, in both styles (``%(name)-8s`` and
``{name:<8}``), and how each attribute was written (padded, truncated): what
:func:`mkslog.formats.pylogging.compile_logging` builds its pattern from.

>>> [t if isinstance(t, str) else t.group("attr") for t in tokens(PERCENT, "%(asctime)s - %(message)s")]
['asctime', ' - ', 'message']
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import FormatError

PERCENT = re.compile(r"%%|%\((?P<attr>[^)]*)\)(?P<flags>[-#0 +]*)(?P<width>[0-9]+)?(?:\.(?P<prec>[0-9]+))?(?P<conv>[diouxXeEfFgGcrsa])")
BRACE = re.compile(r"\{\{|\}\}|\{(?P<attr>[^{}:!]*)(?:![rsa])?(?::(?P<spec>[^{}]*))?\}")
_SPEC = re.compile(r"^(?:(?P<fill>.)?(?P<align>[<>=^]))?(?P<sign>[-+ ])?#?0?(?P<width>[0-9]+)?,?(?:\.(?P<prec>[0-9]+))?[a-zA-Z%]?$")


@dataclass(frozen=True)
class Spec:
    """How an attribute was written: padded (width given), truncated (precision on a string)."""

    padded: bool = False
    truncate: int | None = None


def tokens(token: re.Pattern, source: str) -> Iterable[str | re.Match]:
    pos = 0
    for m in token.finditer(source):
        if m.start() > pos:
            yield source[pos : m.start()]
        yield m
        pos = m.end()
    if pos < len(source):
        yield source[pos:]


def percent_spec(m: re.Match) -> Spec:
    width, prec, conv = m.group("width"), m.group("prec"), m.group("conv")
    zero = "0" in (m.group("flags") or "") and "-" not in (m.group("flags") or "")
    padded = bool(width) and int(width) > 1 and not zero
    truncate = int(prec) if prec is not None and conv in "sra" else None
    return Spec(padded=padded, truncate=truncate)


def brace_spec(spec: str, source: str) -> Spec:
    m = _SPEC.match(spec)
    if m is None:
        raise FormatError(f"cannot read the format spec {{:{spec}}} in {source!r}")
    width, prec = m.group("width"), m.group("prec")
    zero_fill = (m.group("fill") == "0") or (spec.lstrip("<>=^+- #").startswith("0") and not m.group("align"))
    padded = bool(width) and int(width) > 1 and not zero_fill
    truncate = int(prec) if prec is not None and not spec.endswith(("d", "f", "e", "g", "%")) else None
    return Spec(padded=padded, truncate=truncate)


__all__ = ["BRACE", "PERCENT", "Spec", "brace_spec", "percent_spec", "tokens"]
