"""A Python ``logging`` ``datefmt`` (``time.strftime`` directives) compiled to the regex
fragment that matches what it writes and the chrono format that reads it back.

>>> compile_datefmt("%d/%b/%Y %H:%M:%S").fragment
'[0-9]{2}/[A-Za-z]{3}/[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}'
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import FormatError
from .asctime import DEFAULT_ASCTIME

# strftime directive -> (regex fragment, chrono directive); %c %x %X depend on the locale and
# %Z (a zone abbreviation) cannot be read back, so they are refused with a hint.
_DIRECTIVES: dict[str, tuple[str, str]] = {
    "Y": ("[0-9]{4}", "%Y"), "y": ("[0-9]{2}", "%y"), "m": ("[0-9]{2}", "%m"), "d": ("[0-9]{2}", "%d"),
    "e": ("[ 0-9][0-9]", "%e"), "H": ("[0-9]{2}", "%H"), "I": ("[0-9]{2}", "%I"), "M": ("[0-9]{2}", "%M"),
    "S": ("[0-9]{2}", "%S"), "f": ("[0-9]{6}", "%6f"), "j": ("[0-9]{3}", "%j"), "p": ("(?:AM|PM|am|pm)", "%p"),
    "b": ("[A-Za-z]{3}", "%b"), "h": ("[A-Za-z]{3}", "%b"), "B": ("[A-Za-z]+", "%B"), "a": ("[A-Za-z]{3}", "%a"),
    "A": ("[A-Za-z]+", "%A"), "z": ("[+-][0-9]{2}:?[0-9]{2}", "%z"), "%": ("%", "%%"),
}
_SHORTHANDS = {"T": "%H:%M:%S", "F": "%Y-%m-%d", "D": "%m/%d/%y", "R": "%H:%M"}


@dataclass(frozen=True)
class DateFormat:
    """A compiled ``datefmt``: the regex fragment of asctime and the chrono format that reads it."""

    source: str | None
    fragment: str
    chrono: str
    has_offset: bool
    has_fraction: bool
    #: no datefmt: the layout of :data:`DEFAULT_ASCTIME`, fraction and offset per line
    flexible: bool = False


def compile_datefmt(datefmt: str | None) -> DateFormat:
    """``None``/empty: logging's default ``%Y-%m-%d %H:%M:%S,mmm``, also without the
    milliseconds, with ``.``, a ``T`` or an offset (:data:`DEFAULT_ASCTIME`).

    >>> compile_datefmt("%d/%b/%Y %H:%M:%S").chrono
    '%d/%b/%Y %H:%M:%S'
    """
    if not datefmt:
        return DateFormat(None, DEFAULT_ASCTIME, "%Y-%m-%d %H:%M:%S,%3f", False, True, flexible=True)
    for short, full in _SHORTHANDS.items():
        datefmt = datefmt.replace(f"%{short}", full)
    regex: list[str] = []
    chrono: list[str] = []
    i = 0
    bad: list[str] = []
    while i < len(datefmt):
        ch = datefmt[i]
        if ch == "%" and i + 1 < len(datefmt):
            d = datefmt[i + 1]
            if d in _DIRECTIVES:
                frag, ch_dir = _DIRECTIVES[d]
                regex.append(frag)
                chrono.append(ch_dir)
            else:
                bad.append("%" + d)
            i += 2
            continue
        regex.append(_escape(ch))
        chrono.append(ch)
        i += 1
    if bad:
        raise FormatError(
            f"datefmt {datefmt!r}: cannot read back {', '.join(bad)} "
            "(locale-dependent %c/%x/%X and zone names %Z are ambiguous; use explicit directives such as "
            "%Y-%m-%d %H:%M:%S and %z)"
        )
    if "%p" in chrono and "%I" not in chrono:
        raise FormatError(f"datefmt {datefmt!r} has %p without %I: use %I (12-hour) with %p, or %H without it")
    return DateFormat(datefmt, "".join(regex), "".join(chrono), "%z" in chrono, "%6f" in chrono)


def _escape(ch: str) -> str:
    return "\\" + ch if ch in set("\\.+*?()|[]{}^$") else ch


__all__ = ["DateFormat", "compile_datefmt"]
