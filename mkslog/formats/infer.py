"""Infer a Python ``logging`` format string from sample lines, when no named format fits.

The leading tokens of the sample lines are classified: a timestamp (:data:`DEFAULT_ASCTIME`)
becomes ``%(asctime)s``, a level word ``%(levelname)s``; after both, integer tokens that are
integers on every such line become ``%(process)d`` then ``%(thread)d`` (a word just before them
``%(name)s``); the rest of the line is ``%(message)s``. The separators between tokens are kept
as literals, and must be the same on every line. The result is only a guess: callers say that
it was inferred.

>>> infer_logging_format(["WARNING 2025-02-14 18:08:27,072 log 41 281473857418272 Not Found: /a",
...                       "ERROR 2025-02-14 18:32:14,347 log 25 281473835992096 Internal Server Error: /b"])
'%(levelname)s %(asctime)s %(name)s %(process)d %(thread)d %(message)s'
>>> infer_logging_format(["2020-12-24 15:43:16 [25746] [INFO] Starting gunicorn 20.0.4"])
'%(asctime)s [%(process)d] [%(levelname)s] %(message)s'
>>> infer_logging_format(["[2026-04-27 01:04:47] INFO [app:58] - ok"])
'[%(asctime)s] %(levelname)s [%(name)s:%(lineno)d] - %(message)s'
>>> infer_logging_format(["no timestamp here"]) is None
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .asctime import DEFAULT_ASCTIME
from .pylogging import LEVELS

_SGR = re.compile(r"^(?:\x1b\[[0-9;]*m)*")
# one token at a time: its kind by group name; separators are what lies between tokens
_TOKEN = re.compile(
    rf"(?P<ts>{DEFAULT_ASCTIME})(?![0-9])|(?P<level>{LEVELS})(?![A-Za-z0-9_])|(?P<int>[0-9]+)(?![A-Za-z0-9_.])"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_.]*)(?![A-Za-z0-9_])"
)
_SEP = re.compile(r"[ \t\[\]()<>|:,-]*")
MAX_HEAD_TOKENS = 8
_INTS = ("%(process)d", "%(thread)d")


def _tokens(line: str) -> list[tuple[str, str]]:
    """(separator before, kind) for the leading tokens of ``line``, then ("rest", "") once a
    token is not one of the kinds."""
    pos = _SGR.match(line).end()
    out: list[tuple[str, str]] = []
    while len(out) < MAX_HEAD_TOKENS:
        sep = _SEP.match(line, pos)
        m = _TOKEN.match(line, sep.end())
        if m is None:
            break
        out.append((sep.group(), m.lastgroup or ""))
        pos = m.end()
    out.append((_SEP.match(line, pos).group(), "rest"))
    return out


def infer_logging_format(lines: Iterable[str]) -> str | None:
    """A logging format string that fits the first lines with a timestamp and a level word
    among their leading tokens, or None when there are none."""
    samples = [t for t in (_tokens(line) for line in lines) if _head_end(t) is not None]
    if not samples:
        return None
    first = samples[0]
    end = _head_end(first)
    assert end is not None
    # lines whose head is laid out like the first line's
    same = [t for t in samples if t[: end + 1] == first[: end + 1]]
    parts: list[str] = []
    ints, named = 0, False
    for sep, kind in first[: end + 1]:  # up to both the timestamp and the level
        if kind == "int" and sep == ":" and parts and parts[-1].endswith("%(name)s"):
            field = "%(lineno)d"  # app:58, the logger's line
        elif kind == "int" and ints < len(_INTS):
            field, ints = _INTS[ints], ints + 1
        elif kind == "word" and not named:
            field, named = "%(name)s", True
        elif kind in ("ts", "level"):
            field = "%(asctime)s" if kind == "ts" else "%(levelname)s"
        else:
            return None
        parts.append(_literal(sep) + field)
    i = end + 1
    while i < len(first) and ints < len(_INTS):
        column = [t[i] if i < len(t) else ("", "rest") for t in same]
        seps = {sep for sep, _ in column}
        kinds = {kind for _, kind in column}
        if len(seps) != 1 or len(kinds) != 1:
            break
        kind = kinds.pop()
        if kind == "int" and first[i][0] == ":" and parts[-1].endswith("%(name)s"):
            parts.append(":%(lineno)d")
        elif kind == "int":
            parts.append(_literal(first[i][0]) + _INTS[ints])
            ints += 1
        elif kind == "word" and not named and ints == 0 and i + 1 < len(first) and all(
                i + 1 < len(t) and t[i + 1][1] == "int" for t in same):
            parts.append(_literal(first[i][0]) + "%(name)s")  # a word is a name only before numbers
            named = True
        else:
            break
        i += 1
    rest_sep = first[i][0] if i < len(first) else ""
    return "".join(parts) + _literal(rest_sep) + "%(message)s"


def _head_end(tokens: list[tuple[str, str]]) -> int | None:
    """Index of the later of the first timestamp and the first level token, if both lead the line."""
    kinds = [k for _, k in tokens]
    if "ts" not in kinds or "level" not in kinds:
        return None
    return max(kinds.index("ts"), kinds.index("level"))


def _literal(text: str) -> str:
    return text.replace("%", "%%")
