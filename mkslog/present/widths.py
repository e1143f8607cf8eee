"""How wide each column of a terminal table is: the values one copies are never cut.

A table wider than its limit (``--max-width N``, by default the terminal's width on a terminal and
no limit otherwise) gives the room it lacks out of its free-text columns only: a message, a user
agent or a referrer is cut with an ellipsis, from the widest down. Every other column keeps its
whole width: numbers and times (by dtype), and every text column whose name does not say free text
(addresses, paths, request, URLs, hostnames, files, ids, methods, levels ... and any column a query
or ``sql`` names otherwise). When the kept columns alone do not fit, the table is wider than the
limit: a wide table scrolls, a cut address would be copied wrong.

>>> import polars as pl
>>> plan_widths(["remote_addr", "user_agent"], [pl.String, pl.String], [11, 60], limit=40, overhead=4)
[11, 25]
>>> shrinks("user_agent", pl.String), shrinks("referrer_host", pl.String), shrinks("message", pl.Int64)
(True, False, False)
"""

from __future__ import annotations

import polars as pl
from rich.cells import cell_len

#: Name parts that say a text column holds free text (it may shrink): messages, user agents,
#: referrers, raw lines, reasons, message templates and their examples.
FREE_TEXT = frozenset({"message", "messages", "msg", "template", "templates", "example", "examples", "reason",
                       "reasons", "agent", "agents", "ua", "referer", "referers", "referrer", "referrers", "line",
                       "lines", "text", "detail", "details", "note", "notes", "description", "traceback"})
#: Name parts that say a value is copied (never cut), even beside a free-text part
#: (``referrer_host``, ``message_id``).
COPYABLE = frozenset({"addr", "address", "addresses", "ip", "ips", "host", "hosts", "hostname", "server", "path",
                      "paths", "request", "url", "urls", "uri", "file", "files", "id", "ids", "ts", "time"})
#: The narrowest a shrunk column gets (its header stays whole too): a few words and the ellipsis.
MIN_SHRUNK = 12
ELLIPSIS = "…"


def shrinks(name: str, dtype: pl.DataType) -> bool:
    """Whether the column may be cut to fit: text (or a list of text) named as free text."""
    inner = dtype.inner if isinstance(dtype, pl.List) else dtype  # type: ignore[union-attr]
    if not (inner == pl.String or isinstance(inner, pl.Categorical | pl.Enum)):
        return False
    parts = set(name.lower().split("_"))
    return bool(parts & FREE_TEXT) and not parts & COPYABLE


def display_width(text: str) -> int:
    """Terminal cells of ``text`` (a CJK character takes two), as rich counts them."""
    return cell_len(text)


def plan_widths(names: list[str], dtypes: list[pl.DataType], natural: list[int], *, limit: int | None,
                overhead: int, headers: list[int] | None = None) -> list[int]:
    """The width of each column: its ``natural`` width (its widest cell or header), unless the
    table (columns plus ``overhead``: separators, borders, padding) passes ``limit`` (None or 0:
    no limit). Then the columns that :func:`shrinks` allows share what the others leave, the
    narrow ones first keeping their width, none below :data:`MIN_SHRUNK` nor its ``headers``
    width; the rest never change.

    >>> plan_widths(["path", "message", "referer"], [pl.String] * 3, [30, 50, 20], limit=80, overhead=0)
    [30, 30, 20]
    >>> plan_widths(["path", "message"], [pl.String] * 2, [90, 50], limit=80, overhead=0)  # wider than 80
    [90, 12]
    """
    if not limit or sum(natural) + overhead <= limit:
        return list(natural)
    headers = headers or [0] * len(names)
    free = [i for i, (n, d) in enumerate(zip(names, dtypes, strict=True)) if shrinks(n, d)]
    room = limit - overhead - sum(w for i, w in enumerate(natural) if i not in free)
    widths = list(natural)
    # water-filling: the narrowest free column first keeps its width when its fair share allows
    left = sorted(free, key=lambda i: natural[i])
    while left:
        share = room // len(left)
        i = left.pop(0)
        floor = min(natural[i], max(MIN_SHRUNK, headers[i]))
        widths[i] = max(floor, min(natural[i], share))
        room -= widths[i]
    return widths


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal cells with an ellipsis when it is wider.

    >>> fit("Mozilla/5.0 (X11; Linux)", 10), fit("short", 10)
    ('Mozilla/5…', 'short')
    """
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        used += cell_len(char)
        if used > width - 1:
            break
        out.append(char)
    return "".join(out) + ELLIPSIS
